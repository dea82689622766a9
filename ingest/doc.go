// Package ingest moves change events from the ticket core to consumers: the
// stream transports (the store's own event log, Kafka), the outbox relay
// (event log -> Kafka) and the consumer runner (batch, retry, commit after
// the handler's write, dead letters). It sees tickets only through
// ticketcore/events; which handler a runner feeds (the analytics loader, the
// KB miner) is decided by cmd/deskmine.
package ingest

// Package ingest will hold the stream transports (the store's event log and
// Kafka), the outbox relay, and the consumer runner (batch, retry, commit
// after write, dead letters). It sees tickets only through ticketcore/events.
// Nothing is built here yet: see ARCHITECTURE.md (step 3).
package ingest

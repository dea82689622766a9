// Package withstore holds tests that run the stream (log source, relay,
// runner) on the real ticket store, SQLite and PostgreSQL, as cmd/deskmine
// wires them. They live here, not in package ingest, so that ingest itself
// never imports the store, not even in its tests.
package withstore

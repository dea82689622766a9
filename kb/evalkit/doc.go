// Package evalkit holds the evaluation machinery shared by the knowledge
// package's tests and `deskmine bench knowledge`: the IT-tickets loader, the
// one fixed held-out split every figure is measured on, classification and
// retrieval metrics, and an in-memory Okapi BM25 baseline retriever.
//
// It deliberately does not import "testing": the bench command links it into
// the production binary. Test-only helpers live in the callers' _test.go files.
package evalkit

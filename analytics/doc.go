// Package analytics will hold the analytics stores (DuckDB embedded,
// ClickHouse scale-out), their schema migrations and the hotspot,
// root-cause, performance and time-travel queries. It sees tickets only
// through ticketcore/events. Nothing is built here yet: see ARCHITECTURE.md
// (steps 3 and 4).
package analytics

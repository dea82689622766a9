package testch

import (
	"context"
	"testing"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
)

func query(t *testing.T, dsn, q string) (uint64, error) {
	t.Helper()
	opts, err := ch.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := ch.Open(opts)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var n uint64
	err = conn.QueryRow(ctx, q).Scan(&n)
	return n, err
}

func TestDSN(t *testing.T) {
	dsn := DSN(t)
	n, err := query(t, dsn, "SELECT count() FROM system.tables WHERE database = currentDatabase()")
	if err != nil {
		t.Fatalf("query fresh database: %v", err)
	}
	if n != 0 {
		t.Fatalf("fresh database has %d tables", n)
	}
}

func TestPrivateServerRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a clickhouse-server")
	}
	s := StartPrivate(t)
	dsn := s.DSN("default")
	for _, q := range []string{"CREATE TABLE kept (x UInt64) ENGINE = MergeTree() ORDER BY x", "INSERT INTO kept SELECT 7"} {
		if err := exec1(dsn, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	s.Kill()
	if _, err := query(t, dsn, "SELECT 1"); err == nil {
		t.Fatal("killed server still answers")
	}
	s.Start()
	if n, err := query(t, dsn, "SELECT sum(x) FROM kept"); err != nil || n != 7 {
		t.Fatalf("after restart: sum %d, %v", n, err)
	}
	s.Stop()
	s.Start()
	if n, err := query(t, dsn, "SELECT count() FROM kept"); err != nil || n != 1 {
		t.Fatalf("after stop/start: count %d, %v", n, err)
	}
}

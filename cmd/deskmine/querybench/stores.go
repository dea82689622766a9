package querybench

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/deskmine/deskmine/analytics/clickhouse"
	"github.com/deskmine/deskmine/analytics/duckdb"
)

// openDuckDB opens the DuckDB store at path, or in a new temporary
// directory when path is "" (removed at close unless keep).
func openDuckDB(ctx context.Context, path string, keep bool, log io.Writer) (*target, error) {
	var tmp string
	if path == "" {
		dir, err := os.MkdirTemp("", "deskmine-bench-query-")
		if err != nil {
			return nil, fmt.Errorf("temp dir: %w", err)
		}
		tmp, path = dir, filepath.Join(dir, "analytics.duckdb")
	}
	s, err := duckdb.Open(ctx, path)
	if err != nil {
		if tmp != "" {
			os.RemoveAll(tmp)
		}
		return nil, err
	}
	return &target{
		name: StoreDuckDB, location: path, store: s, direct: duckDirect(s.DB()),
		close: func() error {
			err := s.Close()
			switch {
			case tmp == "":
			case keep:
				fmt.Fprintf(log, "duckdb: kept %s\n", path)
			default:
				err = errors.Join(err, os.RemoveAll(tmp))
			}
			return err
		},
	}, nil
}

// duckDirect runs a statement through database/sql on the store's pool, as
// the store does, scanning every row.
func duckDirect(db *sql.DB) directFunc {
	return func(ctx context.Context, st Statement) error {
		rows, err := db.QueryContext(ctx, st.Query, st.Args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		cols, err := rows.Columns()
		if err != nil {
			return err
		}
		vals := make([]any, len(cols))
		dest := make([]any, len(cols))
		for i := range vals {
			dest[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(dest...); err != nil {
				return err
			}
		}
		return rows.Err()
	}
}

// DefaultClickHouse is the benchmark's ClickHouse database.
const DefaultClickHouse = "clickhouse://127.0.0.1:9000/deskmine_bench_query"

// ClickHouseDatabase is the database a DSN names; the benchmark refuses
// the server's own ones, since it empties the database it loads.
func ClickHouseDatabase(dsn string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme != "clickhouse" {
		return "", fmt.Errorf("must be a clickhouse:// URL, got %q", dsn)
	}
	db := strings.Trim(u.Path, "/")
	switch db {
	case "":
		return "", errors.New("must name a database (clickhouse://host:9000/DATABASE): the benchmark empties it")
	case "default", "system":
		return "", fmt.Errorf("must not name the %s database: the benchmark empties it", db)
	}
	return db, nil
}

// openClickHouse opens the ClickHouse store of dsn; the database is created
// when missing and then dropped at close unless keep.
func openClickHouse(ctx context.Context, dsn string, keep bool, log io.Writer) (*target, error) {
	db, err := ClickHouseDatabase(dsn)
	if err != nil {
		return nil, err
	}
	opts, err := ch.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse clickhouse dsn: %w", err)
	}
	admin := *opts
	admin.Auth.Database = ""
	admin.DialTimeout = 5 * time.Second
	ac, err := ch.Open(&admin)
	if err != nil {
		return nil, fmt.Errorf("open clickhouse: %w", err)
	}
	var n uint64
	if err := ac.QueryRow(ctx, "SELECT count() FROM system.databases WHERE name = ?", db).Scan(&n); err != nil {
		ac.Close()
		return nil, fmt.Errorf("clickhouse: look for database %s: %w", db, err)
	}
	created := n == 0
	s, err := clickhouse.Open(ctx, dsn)
	if err != nil {
		ac.Close()
		return nil, err
	}
	return &target{
		name: StoreClickHouse, location: redact(dsn), store: s, direct: chDirect(s.Conn()),
		settle: func(ctx context.Context) (time.Duration, error) { return settleMerges(ctx, ac, db, log) },
		close: func() error {
			err := s.Close()
			switch {
			case !created:
			case keep:
				fmt.Fprintf(log, "clickhouse: kept database %s\n", db)
			default:
				err = errors.Join(err, ac.Exec(context.WithoutCancel(ctx), "DROP DATABASE IF EXISTS `"+db+"`"))
			}
			return errors.Join(err, ac.Close())
		},
	}, nil
}

// settleMerges waits (at most five minutes) until the server runs no
// merge in db: a load leaves many parts, and the merges would otherwise
// compete with the first cases for the two cores.
func settleMerges(ctx context.Context, conn driver.Conn, db string, log io.Writer) (time.Duration, error) {
	t0 := time.Now()
	for {
		var n uint64
		if err := conn.QueryRow(ctx, "SELECT count() FROM system.merges WHERE database = ?", db).Scan(&n); err != nil {
			return 0, fmt.Errorf("clickhouse: read merges: %w", err)
		}
		if n == 0 {
			return time.Since(t0), nil
		}
		if time.Since(t0) > 5*time.Minute {
			fmt.Fprintf(log, "clickhouse: %d merges still running after 5 minutes; timing anyway\n", n)
			return time.Since(t0), nil
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// chDirect runs a statement on the store's connection, as the store does,
// scanning every row into values of the columns' own types.
func chDirect(conn driver.Conn) directFunc {
	return func(ctx context.Context, st Statement) error {
		rows, err := conn.Query(ctx, st.Query, st.Args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		types := rows.ColumnTypes()
		dest := make([]any, len(types))
		for i, t := range types {
			dest[i] = reflect.New(t.ScanType()).Interface()
		}
		for rows.Next() {
			if err := rows.Scan(dest...); err != nil {
				return err
			}
		}
		return rows.Err()
	}
}

// redact drops a password from a DSN shown in results.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

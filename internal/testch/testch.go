// Package testch gives tests a ClickHouse database of their own.
//
// DSN creates a fresh database on the server named by
// DESKMINE_TEST_CLICKHOUSE_DSN (default DefaultDSN) and drops it when the
// test ends. StartPrivate starts a clickhouse-server process of the test's
// own, for tests that stop or kill the server. When ClickHouse cannot be
// reached (or the binary is missing) the test is skipped locally, but fails
// under CI so that CI never passes without having tested it.
package testch

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
)

// DefaultDSN is used when DESKMINE_TEST_CLICKHOUSE_DSN is unset.
const DefaultDSN = "clickhouse://127.0.0.1:9000/default"

// Base returns the configured ClickHouse DSN.
func Base() string {
	if v := os.Getenv("DESKMINE_TEST_CLICKHOUSE_DSN"); v != "" {
		return v
	}
	return DefaultDSN
}

func unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf(format+" (required under CI)", args...)
	}
	t.Skipf(format, args...)
}

// DSN creates a database t_<random> for this test and returns the base DSN
// pointing at it; the database is dropped at cleanup.
func DSN(t testing.TB) string {
	t.Helper()
	base := Base()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse clickhouse dsn %q: %v", base, err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "t_" + hex.EncodeToString(b)
	if err := exec1(base, "CREATE DATABASE "+name); err != nil {
		if errors.Is(err, errUnreachable) {
			unavailable(t, "clickhouse at %s is not reachable: %v", base, err)
		}
		t.Fatalf("create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		if err := exec1(base, "DROP DATABASE IF EXISTS "+name); err != nil {
			t.Logf("drop database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

var errUnreachable = errors.New("clickhouse does not answer a ping")

func exec1(dsn, stmt string) error {
	opts, err := ch.ParseDSN(dsn)
	if err != nil {
		return fmt.Errorf("parse clickhouse dsn: %w", err)
	}
	opts.DialTimeout = 3 * time.Second
	conn, err := ch.Open(opts)
	if err != nil {
		return fmt.Errorf("open clickhouse: %w", err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := conn.Ping(ctx); err != nil {
		return fmt.Errorf("%w: %w", errUnreachable, err)
	}
	return conn.Exec(ctx, stmt)
}

// Server is a private clickhouse-server process. Stop, Kill and Start keep
// its ports and data directory, so data survives a restart.
type Server struct {
	t      testing.TB
	bin    string
	dir    string
	ports  [3]int // native, http, interserver
	cmd    *exec.Cmd
	exited chan struct{}
}

// StartPrivate starts a clickhouse-server on free loopback ports with its
// data under t.TempDir() and waits until it answers a Native ping. The
// server is killed at cleanup.
func StartPrivate(t testing.TB) *Server {
	t.Helper()
	bin, err := exec.LookPath("clickhouse-server")
	if err != nil {
		for _, p := range []string{"/usr/sbin/clickhouse-server", "/usr/bin/clickhouse-server"} {
			if _, serr := os.Stat(p); serr == nil {
				bin, err = p, nil
				break
			}
		}
	}
	if err != nil {
		unavailable(t, "clickhouse-server binary not found: %v", err)
	}
	s := &Server{t: t, bin: bin, dir: t.TempDir()}
	for i := range s.ports {
		s.ports[i] = freePort(t)
	}
	for _, d := range []string{"tmp", "user_files", "fs"} {
		if err := os.MkdirAll(filepath.Join(s.dir, d), 0o755); err != nil {
			t.Fatalf("create %s: %v", d, err)
		}
	}
	t.Cleanup(func() {
		if s.cmd != nil {
			s.Kill()
		}
	})
	s.Start()
	return s
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Port is the Native protocol port.
func (s *Server) Port() int { return s.ports[0] }

// DSN returns a DSN for the named database on this server (created by the
// store's Open, not here).
func (s *Server) DSN(database string) string {
	return fmt.Sprintf("clickhouse://127.0.0.1:%d/%s?dial_timeout=2s", s.ports[0], database)
}

// Start starts the server (again) and waits until it answers, at most a minute.
func (s *Server) Start() {
	s.t.Helper()
	if s.cmd != nil {
		s.t.Fatalf("clickhouse-server already running")
	}
	d := s.dir + "/"
	cmd := exec.Command(s.bin, "--config-file=/etc/clickhouse-server/config.xml", "--",
		"--tcp_port="+strconv.Itoa(s.ports[0]), "--http_port="+strconv.Itoa(s.ports[1]),
		"--interserver_http_port="+strconv.Itoa(s.ports[2]),
		"--listen_host=127.0.0.1",
		"--path="+d, "--tmp_path="+d+"tmp/", "--user_files_path="+d+"user_files/",
		"--format_schema_path="+d+"fs/", "--logger.log="+d+"log", "--logger.errorlog="+d+"err.log")
	cmd.Dir = s.dir
	// Its own process group, so that killing it cannot reach the test.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("start clickhouse-server: %v", err)
	}
	s.cmd, s.exited = cmd, make(chan struct{})
	go func(c *exec.Cmd, done chan struct{}) {
		_ = c.Wait()
		close(done)
	}(cmd, s.exited)
	deadline := time.Now().Add(time.Minute)
	for {
		err := s.ping()
		if err == nil {
			return
		}
		select {
		case <-s.exited:
			s.cmd = nil
			log, _ := os.ReadFile(filepath.Join(s.dir, "err.log"))
			s.t.Fatalf("clickhouse-server exited at start: %s", tail(log, 2000))
		default:
		}
		if time.Now().After(deadline) {
			s.Kill()
			s.t.Fatalf("clickhouse-server did not answer within a minute: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

func (s *Server) ping() error {
	conn, err := ch.Open(&ch.Options{Addr: []string{"127.0.0.1:" + strconv.Itoa(s.ports[0])}, DialTimeout: time.Second})
	if err != nil {
		return err
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return conn.Ping(ctx)
}

// Stop ends the server gracefully (SIGTERM) and waits for it to exit.
func (s *Server) Stop() { s.end(syscall.SIGTERM) }

// Kill ends the server at once (SIGKILL), as a crash would.
func (s *Server) Kill() { s.end(syscall.SIGKILL) }

func (s *Server) end(sig syscall.Signal) {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(sig)
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
	s.cmd = nil
}

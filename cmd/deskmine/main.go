// Command deskmine is the Deskmine binary: the all-in-one server and its
// tools. It only wires packages together; the logic lives in them.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `deskmine: the Deskmine helpdesk

Usage:
  deskmine serve   [--data DIR] [--addr HOST:PORT] [--dsn DSN] [--demo]   run the all-in-one server
  deskmine migrate [--data DIR] [--dsn DSN]                              apply database migrations
  deskmine demo    [--data DIR] [--dsn DSN] [--tickets N] [--seed N]     load the bilingual demo dataset
  deskmine import  [--data DIR] [--dsn DSN] [--format jsonl|csv] [--mapping FILE] FILE
                                                                         import another helpdesk's history
  deskmine relay   [--kafka-brokers H:P,...] [--metrics-addr A]          publish the event log to Kafka
  deskmine ingest  [--analytics-dsn DSN] [--metrics-addr A]              load change events into the analytics store
  deskmine ingest  --replay | --dead-letters [--all] [--json] | --replay-dead
                                                                         rebuild analytics; list or retry parked events
  deskmine token create --data DIR --role ROLE --name NAME               create an API token (printed last)
  deskmine user create  --data DIR --login LOGIN --role ROLE [--password-stdin]
  deskmine mine    [--once [--json]] [--mine-interval D]                 KB miner: feed the case book from the stream, mine article candidates
  deskmine bench create [--dsn DSN] [--seconds N]                        benchmark ticket creation over HTTP
  deskmine bench route  [--agents N] [--rules N] [--sla-items N]         benchmark routing decisions and SLA breach timing
  deskmine bench pipeline [--events N] [--runs N]                        benchmark stream -> analytics throughput and freshness
  deskmine bench query [--events N] [--store S] [--reuse]                benchmark the analytics API on 10M events
  deskmine bench knowledge [--indexed N]                                  benchmark category prediction, similar cases and KB search

Every command also takes --config FILE, --log-level and --log-format;
settings can come from DESKMINE_* variables (see docs/configuration.md).
`

// usageError is a bad command line or bad input: exit code 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return &usageError{msg: fmt.Sprintf(format, a...)} }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch cmd, rest := args[0], args[1:]; cmd {
	case "serve":
		err = cmdServe(ctx, rest, stdout, stderr)
	case "migrate":
		err = cmdMigrate(ctx, rest, stdout, stderr)
	case "demo":
		err = cmdDemo(ctx, rest, stdout, stderr)
	case "import":
		err = cmdImport(ctx, rest, stdout, stderr)
	case "relay":
		err = cmdRelay(ctx, rest, stdout, stderr)
	case "ingest":
		err = cmdIngest(ctx, rest, stdout, stderr)
	case "token":
		err = cmdToken(ctx, rest, stdout, stderr)
	case "user":
		err = cmdUser(ctx, rest, os.Stdin, stdout, stderr)
	case "mine":
		err = cmdMine(ctx, rest, stdout, stderr)
	case "bench":
		err = cmdBench(ctx, rest, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		err = usagef("unknown command %q", cmd)
	}
	if err == nil {
		return 0
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "deskmine: %s\n", ue.msg)
		return 2
	}
	fmt.Fprintf(stderr, "deskmine: %v\n", err)
	return 1
}

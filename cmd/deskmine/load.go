package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/demo"
	"github.com/deskmine/deskmine/ticketcore/importer"
)

func demoDefaults() demo.Options { return demo.Options{} }

// loadDemo loads the demo dataset unless it is there already.
func loadDemo(ctx context.Context, a *app, opts demo.Options, progress io.Writer) error {
	opts.Progress = progress
	sum, err := demo.Load(ctx, a.svc, opts)
	if err != nil {
		return fmt.Errorf("load demo data: %w", err)
	}
	if sum.AlreadyLoaded {
		a.log.Info("demo data already loaded")
		return nil
	}
	a.log.Info("demo data loaded", "tickets", sum.Tickets, "events", sum.Events, "customers", sum.Customers,
		"zh", sum.Chinese, "en", sum.English, "elapsed", sum.Elapsed)
	return nil
}

func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var tickets, days int
	var seed uint64
	cfg, _, err := parseConfig("demo", args, stderr, func(fs *flag.FlagSet) {
		fs.IntVar(&tickets, "tickets", 3000, "number of demo tickets")
		fs.IntVar(&days, "days", 90, "days of history, ending now")
		fs.Uint64Var(&seed, "seed", 0, "random seed (0: the default seed)")
	})
	if err != nil {
		return err
	}
	if tickets < demo.MinTickets || tickets > demo.MaxTickets {
		return usagef("--tickets must be between %d and %d", demo.MinTickets, demo.MaxTickets)
	}
	if days < demo.MinDays || days > demo.MaxDays {
		return usagef("--days must be between %d and %d", demo.MinDays, demo.MaxDays)
	}
	a, err := openApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	sum, err := demo.Load(ctx, a.svc, demo.Options{Tickets: tickets, Days: days, Seed: seed, Progress: stderr})
	if err != nil {
		return fmt.Errorf("load demo data: %w", err)
	}
	if sum.AlreadyLoaded {
		fmt.Fprintln(stdout, "demo data is already loaded; nothing written")
		return nil
	}
	fmt.Fprintf(stdout, "loaded %d demo tickets (%d zh-CN, %d en) with %d events for %d customers in %s\n",
		sum.Tickets, sum.Chinese, sum.English, sum.Events, sum.Customers, sum.Elapsed.Round(1e6))
	return nil
}

func cmdImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var format, mapping string
	cfg, fs, err := parseConfig("import", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&format, "format", "jsonl", "input format: jsonl or csv")
		fs.StringVar(&mapping, "mapping", "", "mapping `file` (status and field mapping; required for csv)")
	})
	if err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("usage: deskmine import --data DIR [--format jsonl|csv] [--mapping FILE] FILE")
	}
	f := importer.Format(format)
	if f != importer.FormatJSONL && f != importer.FormatCSV {
		return usagef("--format must be jsonl or csv")
	}
	if f == importer.FormatCSV && mapping == "" {
		return usagef("--format csv needs --mapping FILE")
	}
	if mapping != "" {
		// A broken mapping is bad input: say so before opening anything.
		if _, err := importer.LoadMapping(mapping); err != nil {
			return usagef("%v", err)
		}
	}
	file := fs.Arg(0)
	if file != "-" {
		if _, err := os.Stat(file); err != nil {
			return usagef("cannot read %s: %v", file, err)
		}
	}
	a, err := openApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	rep, err := importer.Run(ctx, a.svc, file, importer.Options{Format: f, MappingPath: mapping, Progress: stderr, Logger: a.log})
	if perr := rep.Print(stdout); perr != nil {
		return perr
	}
	if err != nil {
		var le *ticketcore.LineError
		if errors.As(err, &le) || errors.Is(err, importer.ErrUnattributed) {
			return usagef("%v", err)
		}
		return err
	}
	if len(rep.BadLines) > 0 {
		// Good tickets were imported; the exit code still tells scripts that
		// some lines need attention.
		return usagef("%d bad lines; %d tickets skipped", len(rep.BadLines), rep.TicketsSkipped)
	}
	return nil
}

package importer

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestProgressLinesEveryTenPercent(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(&buf, 25)
	for i := 1; i <= 25; i++ {
		p.update(i, i*3, 0)
	}
	p.finish()
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 10 || !strings.HasPrefix(lines[0], "importing: 10% (3/25 tickets") || lines[9] != "importing: 100% (25/25 tickets, 75 events, 0 skipped)" {
		t.Fatalf("lines %q", lines)
	}
	if strings.Contains(buf.String(), "\r") {
		t.Fatal("carriage return in a non-terminal stream")
	}
}

func TestProgressRedrawsAtMostFiveTimesASecond(t *testing.T) {
	var buf bytes.Buffer
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	p := &progress{w: &buf, tty: true, total: 1000, now: func() time.Time { return now }}
	for i := 1; i <= 1000; i++ {
		now = now.Add(time.Millisecond) // one second for the whole run
		p.update(i, i, 0)
	}
	p.finish()
	out := buf.String()
	draws := strings.Count(out, "\r")
	// The first draw, one per 200 ms, and the final state.
	if draws < 5 || draws > 7 {
		t.Fatalf("%d redraws in one second: %q", draws, out)
	}
	if !strings.HasSuffix(out, "\rimporting: 1000/1000 tickets (100%), 1000 events, 0 skipped\x1b[K\n") {
		t.Fatalf("final state not drawn: %q", out)
	}
}

func TestProgressSeesFilesAsNonTerminals(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if p := newProgress(f, 10); p.tty {
		t.Fatal("a regular file taken for a terminal")
	}
	if p := newProgress(nil, 10); p != nil {
		t.Fatal("nil writer must disable progress")
	}
}

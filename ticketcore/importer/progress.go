package importer

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/mattn/go-isatty"
)

// redrawEvery limits terminal redraws to about five a second: faster is
// unreadable and, over a slow SSH link, slows the import itself.
const redrawEvery = 200 * time.Millisecond

// progress shows how far the apply phase is. On a terminal it redraws one
// line in place; in a log or a pipe it writes a line at every tenth of the
// tickets, so CI logs stay short.
type progress struct {
	w       io.Writer
	tty     bool
	total   int
	now     func() time.Time
	last    time.Time
	drawn   bool // a terminal line is on screen and needs a newline at the end
	nextPct int  // next multiple of ten to print in line mode
}

func newProgress(w io.Writer, total int) *progress {
	if w == nil {
		return nil
	}
	tty := false
	if f, ok := w.(*os.File); ok {
		tty = isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
	}
	return &progress{w: w, tty: tty, total: total, now: time.Now, nextPct: 10}
}

// update reports done of total tickets; write errors are ignored because
// progress is a courtesy that must not fail an import.
func (p *progress) update(done, events, skipped int) {
	if p == nil || p.total == 0 {
		return
	}
	pct := done * 100 / p.total
	if p.tty {
		now := p.now()
		if done < p.total && p.drawn && now.Sub(p.last) < redrawEvery {
			return
		}
		p.last = now
		p.drawn = true
		// \r returns to the line start; ESC[K clears what a longer earlier line left.
		fmt.Fprintf(p.w, "\rimporting: %d/%d tickets (%d%%), %d events, %d skipped\x1b[K", done, p.total, pct, events, skipped)
		return
	}
	if pct < p.nextPct {
		return
	}
	for p.nextPct <= pct {
		p.nextPct += 10
	}
	fmt.Fprintf(p.w, "importing: %d%% (%d/%d tickets, %d events, %d skipped)\n", pct/10*10, done, p.total, events, skipped)
}

// finish ends the terminal line so that the report starts on a fresh one.
func (p *progress) finish() {
	if p != nil && p.tty && p.drawn {
		fmt.Fprintln(p.w)
		p.drawn = false
	}
}

// note prints a one-off line, such as the result of the read phase.
func (p *progress) note(format string, a ...any) {
	if p == nil {
		return
	}
	p.finish()
	fmt.Fprintf(p.w, format+"\n", a...)
}

package analytics

import (
	"context"
	"fmt"
	"io/fs"
	"maps"
	"time"

	"github.com/deskmine/deskmine/analytics/internal/sqlfile"
)

// Readers answers the read queries that both stores run the same way, each
// with its own SQL: hotspots, movers, backlog, repeats, pain points, time
// travel and root causes. A store embeds one, built at start-up from its
// query files and its query function, so its methods are the store's.
type Readers struct {
	run                QueryFunc
	hot, rep, pain, rc map[string]string
	tt                 map[string]string // time travel
	backlog            map[string]string // hot and tt together: the backlog template is in tt
}

// A store that embeds Readers answers all of these.
var (
	_ Hotspotter   = (*Readers)(nil)
	_ Repeater     = (*Readers)(nil)
	_ PainPointer  = (*Readers)(nil)
	_ TimeTraveler = (*Readers)(nil)
	_ RootCauser   = (*Readers)(nil)
)

// ReaderFiles are the query files NewReaders reads.
var ReaderFiles = []string{"queries_hotspots.sql", "queries_repeats.sql", "queries_painpoints.sql",
	"queries_timetravel.sql", "queries_rootcause.sql"}

// NewReaders reads a store's ReaderFiles from files; in is the store's
// membership test of a column in a bound list (see LoadNamedQueries). A
// missing query is an error: the store refuses to start.
func NewReaders(run QueryFunc, files fs.FS, in func(col string) string) (*Readers, error) {
	r := &Readers{run: run}
	var err error
	plain := func(file string, need func(map[string]string) []string) (map[string]string, error) {
		q, err := sqlfile.Queries(files, file)
		if err != nil {
			return nil, err
		}
		if err := sqlfile.Need(q, need(q)...); err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		return q, nil
	}
	if r.hot, err = plain("queries_hotspots.sql", func(map[string]string) []string { return HotspotQueryNames() }); err != nil {
		return nil, err
	}
	if r.rep, err = plain("queries_repeats.sql", RepeatQueryNames); err != nil {
		return nil, err
	}
	if r.pain, err = plain("queries_painpoints.sql", func(map[string]string) []string { return PainQueryNames() }); err != nil {
		return nil, err
	}
	if r.tt, err = LoadNamedQueries(files, "queries_timetravel.sql", in, TimeTravelQueryNames()...); err != nil {
		return nil, err
	}
	if r.rc, err = LoadNamedQueries(files, "queries_rootcause.sql", in, RootCauseQueryNames()...); err != nil {
		return nil, err
	}
	r.backlog = maps.Clone(r.hot)
	maps.Copy(r.backlog, r.tt)
	return r, nil
}

// Hotspots implements Hotspotter.
func (r *Readers) Hotspots(ctx context.Context, q HotspotQuery) ([]HotspotRow, error) {
	return RunHotspots(ctx, r.run, r.hot, q)
}

// Movers implements Hotspotter.
func (r *Readers) Movers(ctx context.Context, q HotspotQuery) ([]Mover, error) {
	return RunMovers(ctx, r.run, r.hot, q)
}

// Backlog implements Hotspotter.
func (r *Readers) Backlog(ctx context.Context, q BacklogQuery) ([]BacklogRow, error) {
	return RunBacklog(ctx, r.run, r.backlog, q)
}

// Repeats implements Repeater.
func (r *Readers) Repeats(ctx context.Context, q RepeatQuery) (*RepeatResult, error) {
	return RunRepeats(ctx, r.run, r.hot, r.rep, q)
}

// PainPoints implements PainPointer.
func (r *Readers) PainPoints(ctx context.Context, q PainQuery) (*PainResult, error) {
	return RunPainPoints(ctx, r.run, r.hot, r.pain, q)
}

// OpenAt implements TimeTraveler.
func (r *Readers) OpenAt(ctx context.Context, q OpenQuery) ([]OpenTicket, error) {
	return RunOpen(ctx, r.run, r.tt, q)
}

// HotspotsAt implements TimeTraveler.
func (r *Readers) HotspotsAt(ctx context.Context, q HotspotQuery, at time.Time) ([]HotspotRow, error) {
	return RunHotspotsAt(ctx, r.run, r.backlog, q, at)
}

// RootCause implements RootCauser.
func (r *Readers) RootCause(ctx context.Context, q RootCauseQuery) (*RootCauseResult, error) {
	return RunRootCause(ctx, r.run, r.rc, q)
}

package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/events"
)

func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

// InTx runs fn in one write transaction.
func (s *Store) InTx(ctx context.Context, fn func(ticketcore.Tx) error) error {
	sqlTx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(&tx{s: s, tx: sqlTx}); err != nil {
		if rbErr := sqlTx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) {
			return errors.Join(err, fmt.Errorf("rollback: %w", rbErr))
		}
		if isDeadlock(err) {
			// PostgreSQL aborted this transaction to break a lock cycle
			// (e.g. two tickets linked to each other at once); run again,
			// it sees what the other one committed.
			return fmt.Errorf("%w: %w", ticketcore.ErrRetry, err)
		}
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

type tx struct {
	s  *Store
	tx *sql.Tx
}

// stmt binds a prepared writer statement to this transaction.
func (t *tx) stmt(ctx context.Context, name string) *sql.Stmt {
	return t.tx.StmtContext(ctx, t.s.writer(name))
}

func decodeTicket(id int64, doc string) (*ticketcore.Ticket, error) {
	var t ticketcore.Ticket
	if err := json.Unmarshal([]byte(doc), &t); err != nil {
		return nil, fmt.Errorf("decode ticket %d: %w", id, err)
	}
	t.ID = id
	if t.Tags == nil {
		t.Tags = []string{}
	}
	if t.CustomFields == nil {
		t.CustomFields = map[string]any{}
	}
	return &t, nil
}

func scanTicket(row *sql.Row) (*ticketcore.Ticket, error) {
	var id int64
	var doc string
	if err := row.Scan(&id, &doc); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ticketcore.ErrNotFound
		}
		return nil, err
	}
	return decodeTicket(id, doc)
}

// encodeTicket renders the doc column: the ticket without its id.
func encodeTicket(tk *ticketcore.Ticket) (string, error) {
	c := *tk
	c.ID = 0
	b, err := json.Marshal(&c)
	if err != nil {
		return "", fmt.Errorf("encode ticket: %w", err)
	}
	return string(b), nil
}

func (t *tx) TicketForUpdate(ctx context.Context, id int64) (*ticketcore.Ticket, error) {
	return scanTicket(t.stmt(ctx, "get-ticket-for-update").QueryRowContext(ctx, id))
}

func (t *tx) TicketByExternalID(ctx context.Context, externalID string) (*ticketcore.Ticket, error) {
	return scanTicket(t.stmt(ctx, "get-ticket-by-external-id-for-update").QueryRowContext(ctx, externalID))
}

func customerID(tk *ticketcore.Ticket) any {
	if tk.Customer.ID == 0 {
		return nil
	}
	return tk.Customer.ID
}

// filterColumns are the list-filter columns of a ticket (migration 8), in
// the order insert-ticket and update-ticket name them.
func filterColumns(tk *ticketcore.Ticket) ([]any, error) {
	cf, err := cfText(tk.CustomFields)
	if err != nil {
		return nil, err
	}
	return []any{tk.Category, tk.Product, tk.Channel, tk.Region, tk.Customer.Tier, tk.Type, cf}, nil
}

// cfText renders the cf_text column: the custom fields as a JSON object of
// name -> text as the analytics renders them (ticketcore.CustomFieldText).
func cfText(m map[string]any) (string, error) {
	b, err := json.Marshal(ticketcore.CustomFieldTexts(m))
	if err != nil {
		return "", fmt.Errorf("encode custom field texts: %w", err)
	}
	return string(b), nil
}

func (t *tx) InsertTicket(ctx context.Context, tk *ticketcore.Ticket) error {
	doc, err := encodeTicket(tk)
	if err != nil {
		return err
	}
	cols, err := filterColumns(tk)
	if err != nil {
		return err
	}
	args := append([]any{tk.Version, tk.ExternalID, tk.Subject, tk.Description, tk.Status, tk.Priority, tk.Team,
		tk.Assignee, customerID(tk), tk.RequesterID, micros(tk.CreatedAt), micros(tk.UpdatedAt), doc}, cols...)
	err = t.stmt(ctx, "insert-ticket").QueryRowContext(ctx, args...).Scan(&tk.ID)
	if err != nil {
		if isUnique(err) {
			return &ticketcore.Error{Code: ticketcore.CodeInvalid, Message: "duplicate external id",
				Fields: map[string]string{"external_id": fmt.Sprintf("%q is used by another ticket", tk.ExternalID)}}
		}
		return err
	}
	return nil
}

func (t *tx) UpdateTicket(ctx context.Context, tk *ticketcore.Ticket, prevVersion int64) error {
	doc, err := encodeTicket(tk)
	if err != nil {
		return err
	}
	cols, err := filterColumns(tk)
	if err != nil {
		return err
	}
	args := append([]any{tk.Version, tk.ExternalID, tk.Subject, tk.Description, tk.Status, tk.Priority, tk.Team,
		tk.Assignee, customerID(tk), micros(tk.UpdatedAt), doc}, cols...)
	res, err := t.stmt(ctx, "update-ticket").ExecContext(ctx, append(args, tk.ID, prevVersion)...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ticketcore.ErrConflict
	}
	return nil
}

func (t *tx) AppendEvent(ctx context.Context, e *events.Event) error {
	if t.s.d.beforeEvent != "" {
		if _, err := t.tx.ExecContext(ctx, t.s.d.beforeEvent); err != nil {
			return fmt.Errorf("event lock: %w", err)
		}
	}
	payload, err := events.Marshal(e)
	if err != nil {
		return err
	}
	if err := t.stmt(ctx, "insert-event").QueryRowContext(ctx, e.ID, e.TicketID, e.TicketVersion, string(e.Type),
		micros(e.At), string(payload)).Scan(&e.Seq); err != nil {
		return fmt.Errorf("insert event: %w", err)
	}
	changes, err := json.Marshal(e.Changes)
	if err != nil {
		return fmt.Errorf("encode changes: %w", err)
	}
	if _, err := t.stmt(ctx, "insert-change").ExecContext(ctx, e.TicketID, e.TicketVersion, e.ID, string(e.Type),
		micros(e.At), e.Actor.ID, e.Actor.Name, e.Actor.Role, string(e.Source), e.Reason, string(changes)); err != nil {
		return fmt.Errorf("insert audit row: %w", err)
	}
	return nil
}

func (t *tx) FindCustomer(ctx context.Context, in ticketcore.CustomerInput) (*ticketcore.Customer, error) {
	c, err := scanCustomer(t.stmt(ctx, "find-customer").QueryRowContext(ctx, in.Email, in.ExternalID, in.Phone))
	if errors.Is(err, ticketcore.ErrNotFound) {
		return nil, nil
	}
	return c, err
}

func scanCustomer(row *sql.Row) (*ticketcore.Customer, error) {
	var c ticketcore.Customer
	if err := row.Scan(&c.ID, &c.Email, &c.Phone, &c.ExternalID, &c.Name, &c.Tier, &c.Region, &c.Organisation); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ticketcore.ErrNotFound
		}
		return nil, err
	}
	return &c, nil
}

func (t *tx) SaveCustomer(ctx context.Context, c *ticketcore.Customer, now time.Time) error {
	var err error
	if c.ID == 0 {
		err = t.stmt(ctx, "insert-customer").QueryRowContext(ctx, c.Email, c.Phone, c.ExternalID, c.Name, c.Tier,
			c.Region, c.Organisation, micros(now), micros(now)).Scan(&c.ID)
	} else {
		_, err = t.stmt(ctx, "update-customer").ExecContext(ctx, c.Email, c.Phone, c.ExternalID, c.Name, c.Tier,
			c.Region, c.Organisation, micros(now), c.ID)
	}
	if err != nil && isUnique(err) && c.ID == 0 {
		// Another transaction created this customer since FindCustomer ran.
		return ticketcore.ErrRetry
	}
	if err != nil && isUnique(err) {
		// The identities given belong to two different known customers.
		return &ticketcore.Error{Code: ticketcore.CodeInvalid, Message: "customer identities belong to different customers",
			Fields: map[string]string{"customer": "email, phone and external_id match different existing customers"}}
	}
	return err
}

func (t *tx) InsertComment(ctx context.Context, ticketID int64, c *events.Comment, author events.Actor, at time.Time) error {
	return t.stmt(ctx, "insert-comment").QueryRowContext(ctx, ticketID, author.ID, author.Name, c.Body, c.Public, micros(at)).Scan(&c.ID)
}

func (t *tx) Idempotency(ctx context.Context, userID int64, key string, notBefore time.Time) (*ticketcore.IdempotencyRecord, error) {
	var rec ticketcore.IdempotencyRecord
	err := t.stmt(ctx, "get-idempotency").QueryRowContext(ctx, userID, key, micros(notBefore)).Scan(&rec.RequestHash, &rec.TicketID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read idempotency key: %w", err)
	}
	return &rec, nil
}

func (t *tx) SaveIdempotency(ctx context.Context, userID int64, key string, rec ticketcore.IdempotencyRecord, now, notBefore time.Time) error {
	res, err := t.stmt(ctx, "insert-idempotency").ExecContext(ctx, userID, key, rec.RequestHash, rec.TicketID, micros(now), micros(notBefore))
	if err == nil {
		if n, rerr := res.RowsAffected(); rerr == nil && n == 0 {
			err = errIdempotencyRace
		}
	}
	if err != nil && (isUnique(err) || errors.Is(err, errIdempotencyRace)) {
		// A concurrent request with the same key committed first.
		return &ticketcore.Error{Code: ticketcore.CodeConflict, Message: "a request with this Idempotency-Key is in progress; retry"}
	}
	return err
}

var errIdempotencyRace = errors.New("idempotency key taken concurrently")

// PruneIdempotency forgets idempotency keys created before the cutoff.
func (s *Store) PruneIdempotency(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.writer("prune-idempotency").ExecContext(ctx, micros(before))
	if err != nil {
		return 0, fmt.Errorf("prune idempotency keys: %w", err)
	}
	return res.RowsAffected()
}

// GetTicket reads one ticket.
func (s *Store) GetTicket(ctx context.Context, id int64) (*ticketcore.Ticket, error) {
	return scanTicket(s.reader("get-ticket").QueryRowContext(ctx, id))
}

// GetCustomer reads one customer.
func (s *Store) GetCustomer(ctx context.Context, id int64) (*ticketcore.Customer, error) {
	return scanCustomer(s.reader("get-customer").QueryRowContext(ctx, id))
}

// CustomerTickets lists a customer's tickets, newest first.
func (s *Store) CustomerTickets(ctx context.Context, customerID int64, limit int) ([]ticketcore.Ticket, error) {
	rows, err := s.reader("customer-tickets").QueryContext(ctx, customerID, limit)
	if err != nil {
		return nil, fmt.Errorf("query tickets: %w", err)
	}
	defer rows.Close()
	out := []ticketcore.Ticket{}
	for rows.Next() {
		var id int64
		var doc string
		if err := rows.Scan(&id, &doc); err != nil {
			return nil, err
		}
		t, err := decodeTicket(id, doc)
		if err != nil {
			return nil, err
		}
		out = append(out, *t)
	}
	return out, rows.Err()
}

// History returns the audit trail of a ticket, oldest first.
func (s *Store) History(ctx context.Context, ticketID int64) ([]ticketcore.HistoryEntry, error) {
	rows, err := s.reader("history").QueryContext(ctx, ticketID)
	if err != nil {
		return nil, fmt.Errorf("query history: %w", err)
	}
	defer rows.Close()
	out := []ticketcore.HistoryEntry{}
	for rows.Next() {
		var h ticketcore.HistoryEntry
		var at int64
		var typ, src, changes string
		if err := rows.Scan(&h.Version, &h.EventID, &typ, &at, &h.Actor.ID, &h.Actor.Name, &h.Actor.Role, &src, &h.Reason, &changes); err != nil {
			return nil, err
		}
		h.Type, h.Source, h.At = events.Type(typ), events.Source(src), fromMicros(at)
		if err := json.Unmarshal([]byte(changes), &h.Changes); err != nil {
			return nil, fmt.Errorf("decode changes: %w", err)
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// Comments returns a ticket's replies and notes, oldest first; publicOnly
// leaves the internal notes out, in the query itself.
func (s *Store) Comments(ctx context.Context, ticketID int64, publicOnly bool) ([]ticketcore.TicketComment, error) {
	rows, err := s.reader("list-comments").QueryContext(ctx, ticketID, publicOnly)
	if err != nil {
		return nil, fmt.Errorf("query comments: %w", err)
	}
	defer rows.Close()
	out := []ticketcore.TicketComment{}
	for rows.Next() {
		var c ticketcore.TicketComment
		var at int64
		if err := rows.Scan(&c.ID, &c.Author.ID, &c.Author.Name, &c.Body, &c.Public, &at); err != nil {
			return nil, err
		}
		c.At = fromMicros(at)
		out = append(out, c)
	}
	return out, rows.Err()
}

// Events returns up to limit events with seq > after, in seq order.
func (s *Store) Events(ctx context.Context, after int64, limit int) ([]events.Event, error) {
	rows, err := s.reader("events-after").QueryContext(ctx, after, limit)
	if err != nil {
		return nil, fmt.Errorf("query events: %w", err)
	}
	defer rows.Close()
	out := []events.Event{}
	for rows.Next() {
		var seq int64
		var payload string
		if err := rows.Scan(&seq, &payload); err != nil {
			return nil, err
		}
		var e events.Event
		if err := json.Unmarshal([]byte(payload), &e); err != nil {
			return nil, fmt.Errorf("decode event %d: %w", seq, err)
		}
		e.Seq = seq // the payload was written before the database assigned seq
		out = append(out, e)
	}
	return out, rows.Err()
}

// FieldDefs lists custom field definitions.
func (s *Store) FieldDefs(ctx context.Context) ([]ticketcore.FieldDef, error) {
	rows, err := s.reader("field-defs").QueryContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("query field definitions: %w", err)
	}
	defer rows.Close()
	var out []ticketcore.FieldDef
	for rows.Next() {
		var raw string
		if err := rows.Scan(&raw); err != nil {
			return nil, err
		}
		var d ticketcore.FieldDef
		if err := json.Unmarshal([]byte(raw), &d); err != nil {
			return nil, fmt.Errorf("decode field definition: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// PutFieldDef creates or replaces a custom field definition.
func (s *Store) PutFieldDef(ctx context.Context, d ticketcore.FieldDef) error {
	raw, err := json.Marshal(d)
	if err != nil {
		return err
	}
	_, err = s.writer("put-field-def").ExecContext(ctx, d.Name, string(raw), time.Now().UnixMicro())
	return err
}

// DeleteFieldDef removes a custom field definition.
func (s *Store) DeleteFieldDef(ctx context.Context, name string) error {
	res, err := s.writer("delete-field-def").ExecContext(ctx, name)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ticketcore.ErrNotFound
	}
	return nil
}

// sortColumns maps API sort keys to columns; only these names reach SQL.
var sortColumns = map[string]string{"created_at": "created_at", "updated_at": "updated_at", "priority": "priority", "id": "id"}

type cursor struct {
	V any   `json:"v"` // the sort column's value of the last row
	I int64 `json:"i"` // its id
}

// ListTickets filters, sorts and pages with a keyset cursor, so pages stay
// stable while tickets are being created.
func (s *Store) ListTickets(ctx context.Context, q ticketcore.ListQuery) (ticketcore.ListPage, error) {
	key := strings.TrimPrefix(q.Sort, "-")
	col, ok := sortColumns[key]
	if !ok {
		return ticketcore.ListPage{}, ticketcore.Invalid("sort", "unknown sort key")
	}
	desc := strings.HasPrefix(q.Sort, "-")
	var where []string
	var args []any
	add := func(cond string, a ...any) {
		where = append(where, cond)
		args = append(args, a...)
	}
	// Only these column names reach SQL; the values are bound.
	for _, f := range []struct {
		col  string
		vals []string
	}{
		{"status", q.Status}, {"team", q.Team}, {"assignee", q.Assignee}, {"priority", q.Priority},
		{"category", q.Category}, {"product", q.Product}, {"channel", q.Channel}, {"region", q.Region},
		{"customer_tier", q.CustomerTier}, {"ticket_type", q.Type},
	} {
		if len(f.vals) > 0 {
			add(f.col+" IN ("+placeholders(len(f.vals))+")", toAny(f.vals)...)
		}
	}
	if len(q.Tag) > 0 {
		conds := make([]string, len(q.Tag))
		for i := range q.Tag {
			conds[i] = s.d.hasTag
		}
		add("("+strings.Join(conds, " OR ")+")", toAny(q.Tag)...)
	}
	if !q.CreatedFrom.IsZero() {
		add("created_at >= ?", ceilMicros(q.CreatedFrom))
	}
	if !q.CreatedTo.IsZero() {
		add("created_at < ?", ceilMicros(q.CreatedTo))
	}
	// Sorted, so that the same query gives the same statement text.
	for _, name := range slices.Sorted(maps.Keys(q.CustomFields)) {
		vals := q.CustomFields[name]
		if len(vals) == 0 {
			continue
		}
		if !ticketcore.ValidCustomFieldName(name) {
			return ticketcore.ListPage{}, ticketcore.Invalid(ticketcore.CustomFieldParam+name, "is not a custom field name")
		}
		add(s.d.cfText+" IN ("+placeholders(len(vals))+")", append([]any{name}, toAny(vals)...)...)
	}
	if q.CustomerID != 0 {
		add("customer_id = ?", q.CustomerID)
	}
	if q.RequesterID != 0 {
		add("requester_id = ?", q.RequesterID)
	}
	if q.Q != "" {
		pat := "%" + escapeLike(q.Q) + "%"
		op := s.d.like
		add("(subject "+op+" ? ESCAPE '\\' OR description "+op+" ? ESCAPE '\\' OR external_id = ?)", pat, pat, q.Q)
	}
	if q.Cursor != "" {
		c, err := decodeCursor(q.Cursor)
		if err != nil {
			return ticketcore.ListPage{}, ticketcore.Invalid("cursor", "is not a cursor this server issued")
		}
		cmp := ">"
		if desc {
			cmp = "<"
		}
		v := c.V
		f, isNum := v.(float64)
		if isNum != (col != "priority") {
			// A cursor whose value does not fit the sort column was not
			// issued for this sort: comparing it would page wrongly.
			return ticketcore.ListPage{}, ticketcore.Invalid("cursor", "does not belong to this sort order")
		}
		if isNum {
			v = int64(f)
		}
		if col == "id" {
			add("id "+cmp+" ?", c.I)
		} else {
			add("("+col+" "+cmp+" ? OR ("+col+" = ? AND id "+cmp+" ?))", v, v, c.I)
		}
	}
	sqlText := "SELECT id, doc, " + col + " FROM tickets"
	if len(where) > 0 {
		sqlText += " WHERE " + strings.Join(where, " AND ")
	}
	dir := "ASC"
	if desc {
		dir = "DESC"
	}
	sqlText += " ORDER BY " + col + " " + dir
	if col != "id" {
		sqlText += ", id " + dir
	}
	sqlText += " LIMIT ?"
	args = append(args, q.Limit+1)
	rows, err := s.read.QueryContext(ctx, s.d.rebind(sqlText), args...)
	if err != nil {
		return ticketcore.ListPage{}, fmt.Errorf("list tickets: %w", err)
	}
	defer rows.Close()
	page := ticketcore.ListPage{Tickets: []ticketcore.Ticket{}}
	var last cursor
	for rows.Next() {
		var doc string
		var v any
		var id int64
		if err := rows.Scan(&id, &doc, &v); err != nil {
			return ticketcore.ListPage{}, err
		}
		if len(page.Tickets) == q.Limit {
			page.NextCursor = encodeCursor(last)
			break
		}
		t, err := decodeTicket(id, doc)
		if err != nil {
			return ticketcore.ListPage{}, err
		}
		page.Tickets = append(page.Tickets, *t)
		if b, ok := v.([]byte); ok {
			v = string(b)
		}
		last = cursor{V: v, I: id}
	}
	return page, rows.Err()
}

func placeholders(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

// ceilMicros is t in the unit of the stored times, rounded up: a stored
// time s is at or after t exactly when s >= ceilMicros(t).
func ceilMicros(t time.Time) int64 {
	us := t.UnixMicro()
	if t.Sub(time.UnixMicro(us)) > 0 {
		us++
	}
	return us
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func escapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

func encodeCursor(c cursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (cursor, error) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return c, err
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, err
	}
	switch c.V.(type) {
	case string, float64:
	default:
		return c, errors.New("bad cursor value")
	}
	return c, nil
}

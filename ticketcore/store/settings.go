package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/deskmine/deskmine/ticketcore"
)

var _ ticketcore.SettingsStore = (*Store)(nil)

func scanSetting(r rowScanner) (*ticketcore.Setting, error) {
	var s ticketcore.Setting
	var body string
	var at int64
	if err := r.Scan(&s.Kind, &s.Name, &s.Version, &body, &at, &s.UpdatedBy); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ticketcore.ErrNotFound
		}
		return nil, err
	}
	s.Body, s.UpdatedAt = json.RawMessage(body), fromMicros(at)
	return &s, nil
}

// Setting reads one setting.
func (s *Store) Setting(ctx context.Context, kind, name string) (*ticketcore.Setting, error) {
	return scanSetting(s.reader("get-setting").QueryRowContext(ctx, kind, name))
}

// Settings lists the settings of a kind by name.
func (s *Store) Settings(ctx context.Context, kind string) ([]ticketcore.Setting, error) {
	rows, err := s.reader("list-settings").QueryContext(ctx, kind)
	if err != nil {
		return nil, fmt.Errorf("list settings: %w", err)
	}
	defer rows.Close()
	out := []ticketcore.Setting{}
	for rows.Next() {
		st, err := scanSetting(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *st)
	}
	return out, rows.Err()
}

func nullableBody(b json.RawMessage) any {
	if b == nil {
		return nil
	}
	return string(b)
}

// PutSetting creates or replaces a setting and audits the change in the same
// transaction; it sets the new version on st.
func (s *Store) PutSetting(ctx context.Context, st *ticketcore.Setting, expectedVersion int64) error {
	return s.settingTx(ctx, func(tx *sql.Tx) error {
		old, err := scanSetting(tx.StmtContext(ctx, s.writer("get-setting-for-update")).QueryRowContext(ctx, st.Kind, st.Name))
		switch {
		case errors.Is(err, ticketcore.ErrNotFound):
			old = nil
		case err != nil:
			return err
		}
		if (old == nil) != (expectedVersion == 0) || (old != nil && old.Version != expectedVersion) {
			return ticketcore.ErrConflict
		}
		at := micros(st.UpdatedAt)
		var oldBody json.RawMessage
		if old == nil {
			st.Version = 1
			if _, err := tx.StmtContext(ctx, s.writer("insert-setting")).ExecContext(ctx, st.Kind, st.Name, st.Version, string(st.Body), at, st.UpdatedBy); err != nil {
				if isUnique(err) {
					return ticketcore.ErrConflict
				}
				return fmt.Errorf("insert setting: %w", err)
			}
		} else {
			st.Version, oldBody = old.Version+1, old.Body
			res, err := tx.StmtContext(ctx, s.writer("update-setting")).ExecContext(ctx, st.Version, string(st.Body), at, st.UpdatedBy, st.Kind, st.Name, old.Version)
			if err != nil {
				return fmt.Errorf("update setting: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return ticketcore.ErrConflict
			}
		}
		_, err = tx.StmtContext(ctx, s.writer("insert-setting-audit")).ExecContext(ctx, st.Kind, st.Name, st.Version, at, st.UpdatedBy,
			nullableBody(oldBody), string(st.Body))
		return err
	})
}

// DeleteSetting removes a setting at the expected version, audited.
func (s *Store) DeleteSetting(ctx context.Context, kind, name string, expectedVersion int64, actor string, at time.Time) error {
	return s.settingTx(ctx, func(tx *sql.Tx) error {
		old, err := scanSetting(tx.StmtContext(ctx, s.writer("get-setting-for-update")).QueryRowContext(ctx, kind, name))
		if err != nil {
			return err
		}
		if old.Version != expectedVersion {
			return ticketcore.ErrConflict
		}
		if _, err := tx.StmtContext(ctx, s.writer("delete-setting")).ExecContext(ctx, kind, name, expectedVersion); err != nil {
			return fmt.Errorf("delete setting: %w", err)
		}
		_, err = tx.StmtContext(ctx, s.writer("insert-setting-audit")).ExecContext(ctx, kind, name, old.Version+1, micros(at), actor,
			string(old.Body), nil)
		return err
	})
}

func (s *Store) settingTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after commit it is a no-op
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// SettingHistory lists a setting's audited changes, oldest first.
func (s *Store) SettingHistory(ctx context.Context, kind, name string) ([]ticketcore.SettingChange, error) {
	rows, err := s.reader("setting-history").QueryContext(ctx, kind, name)
	if err != nil {
		return nil, fmt.Errorf("setting history: %w", err)
	}
	defer rows.Close()
	out := []ticketcore.SettingChange{}
	for rows.Next() {
		var c ticketcore.SettingChange
		var at int64
		var oldB, newB sql.NullString
		if err := rows.Scan(&c.Version, &at, &c.Actor, &oldB, &newB); err != nil {
			return nil, err
		}
		c.At = fromMicros(at)
		c.Old, c.New = json.RawMessage("null"), json.RawMessage("null")
		if oldB.Valid {
			c.Old = json.RawMessage(oldB.String)
		}
		if newB.Valid {
			c.New = json.RawMessage(newB.String)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

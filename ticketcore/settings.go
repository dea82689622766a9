package ticketcore

import (
	"context"
	"encoding/json"
	"time"
)

// Setting is one configuration document (a team, an agent, a routing rule
// set, a calendar, an SLA policy), stored as JSON under a kind and a name.
type Setting struct {
	Kind      string          `json:"kind"`
	Name      string          `json:"name"`
	Version   int64           `json:"version"`
	Body      json.RawMessage `json:"body"`
	UpdatedAt time.Time       `json:"updated_at"`
	UpdatedBy string          `json:"updated_by"`
}

// SettingChange is one audited change of a setting; Old is null on creation
// and New is null on deletion.
type SettingChange struct {
	Version int64           `json:"version"`
	At      time.Time       `json:"at"`
	Actor   string          `json:"actor"`
	Old     json.RawMessage `json:"old"`
	New     json.RawMessage `json:"new"`
}

// SettingsStore keeps settings with optimistic versions and an audit trail.
// PutSetting creates the setting when expectedVersion is 0 (ErrConflict if it
// exists) and otherwise replaces the version named (ErrConflict if stale).
type SettingsStore interface {
	Setting(ctx context.Context, kind, name string) (*Setting, error)
	Settings(ctx context.Context, kind string) ([]Setting, error)
	PutSetting(ctx context.Context, s *Setting, expectedVersion int64) error
	DeleteSetting(ctx context.Context, kind, name string, expectedVersion int64, actor string, at time.Time) error
	SettingHistory(ctx context.Context, kind, name string) ([]SettingChange, error)
}

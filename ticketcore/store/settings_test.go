package store

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/ticketcore"
)

func TestSettingsVersionsAndAudit(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			st := openStore(t, b.DSN(t))
			at := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
			team := &ticketcore.Setting{Kind: "team", Name: "network", Body: json.RawMessage(`{"strategy":"least_loaded"}`), UpdatedAt: at, UpdatedBy: "admin"}
			if err := st.PutSetting(ctx, team, 0); err != nil || team.Version != 1 {
				t.Fatalf("create: %v v%d", err, team.Version)
			}
			dup := &ticketcore.Setting{Kind: "team", Name: "network", Body: json.RawMessage(`{}`), UpdatedAt: at, UpdatedBy: "x"}
			if err := st.PutSetting(ctx, dup, 0); !errors.Is(err, ticketcore.ErrConflict) {
				t.Fatalf("second create: %v", err)
			}
			team.Body = json.RawMessage(`{"strategy":"round_robin"}`)
			if err := st.PutSetting(ctx, team, 1); err != nil || team.Version != 2 {
				t.Fatalf("update: %v", err)
			}
			if err := st.PutSetting(ctx, team, 1); !errors.Is(err, ticketcore.ErrConflict) {
				t.Fatalf("stale update: %v", err)
			}
			got, err := st.Setting(ctx, "team", "network")
			if err != nil || got.Version != 2 || string(got.Body) != `{"strategy":"round_robin"}` || !got.UpdatedAt.Equal(at) {
				t.Fatalf("read: %+v %v", got, err)
			}
			if err := st.DeleteSetting(ctx, "team", "network", 1, "admin", at); !errors.Is(err, ticketcore.ErrConflict) {
				t.Fatalf("stale delete: %v", err)
			}
			if err := st.DeleteSetting(ctx, "team", "network", 2, "admin", at); err != nil {
				t.Fatal(err)
			}
			if _, err := st.Setting(ctx, "team", "network"); !errors.Is(err, ticketcore.ErrNotFound) {
				t.Fatalf("after delete: %v", err)
			}
			h, err := st.SettingHistory(ctx, "team", "network")
			if err != nil || len(h) != 3 {
				t.Fatalf("history %d %v", len(h), err)
			}
			if string(h[0].Old) != "null" || string(h[1].Old) != `{"strategy":"least_loaded"}` || string(h[2].New) != "null" {
				t.Fatalf("history %+v", h)
			}
			list, _ := st.Settings(ctx, "team")
			if len(list) != 0 {
				t.Fatal("deleted setting listed")
			}
		})
	}
}

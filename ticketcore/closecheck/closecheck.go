// Package closecheck asks an outside system whether a ticket may close: a
// fault-recovery check ("is the service really back?") that must answer
// OK before Deskmine closes a ticket.
package closecheck

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/deskmine/deskmine/ticketcore/events"
)

// Timeout bounds one check.
const Timeout = 10 * time.Second

// Checker posts {"ticket": ...} to URL and agrees only on a 2xx answer
// whose JSON body says {"ok": true}.
type Checker struct {
	URL    string
	Client *http.Client // nil: a client with Timeout
}

// VerifyClose implements ticketcore.CloseVerifier.
func (c Checker) VerifyClose(ctx context.Context, t *events.Ticket) error {
	body, err := json.Marshal(map[string]any{"ticket": t})
	if err != nil {
		return fmt.Errorf("close check: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("close check: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	client := c.Client
	if client == nil {
		client = &http.Client{Timeout: Timeout}
	}
	res, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("close check unreachable: %w", err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return fmt.Errorf("close check answered %d", res.StatusCode)
	}
	var ans struct {
		OK     *bool  `json:"ok"`
		Reason string `json:"reason"`
	}
	if err := json.Unmarshal(raw, &ans); err != nil || ans.OK == nil {
		return fmt.Errorf("close check answered without {\"ok\": true|false}")
	}
	if !*ans.OK {
		if ans.Reason != "" {
			return fmt.Errorf("close check refused: %s", ans.Reason)
		}
		return fmt.Errorf("close check refused")
	}
	return nil
}

package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/closecheck"
	"github.com/deskmine/deskmine/ticketcore/store"
)

// Where the customer-link secret is kept: a setting, so that every process
// of a deployment signs and checks with the same key.
const (
	secretKind = "secret"
	linkSecret = "customer_links"
)

// loopSecret reads the customer-link secret, creating it on first use.
func loopSecret(ctx context.Context, st *store.Store) ([]byte, error) {
	for attempt := 0; attempt < 2; attempt++ {
		s, err := st.Setting(ctx, secretKind, linkSecret)
		if err == nil {
			var body struct{ Key string }
			if err := json.Unmarshal(s.Body, &body); err != nil {
				return nil, fmt.Errorf("customer link secret: %w", err)
			}
			return base64.StdEncoding.DecodeString(body.Key)
		}
		if !errors.Is(err, ticketcore.ErrNotFound) {
			return nil, fmt.Errorf("customer link secret: %w", err)
		}
		key := make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, fmt.Errorf("customer link secret: %w", err)
		}
		body, _ := json.Marshal(map[string]string{"key": base64.StdEncoding.EncodeToString(key)})
		err = st.PutSetting(ctx, &ticketcore.Setting{Kind: secretKind, Name: linkSecret, Body: body,
			UpdatedAt: time.Now().UTC().Truncate(time.Microsecond), UpdatedBy: "deskmine"}, 0)
		if err == nil {
			return key, nil
		}
		if !errors.Is(err, ticketcore.ErrConflict) {
			return nil, fmt.Errorf("customer link secret: %w", err)
		}
		// Another process created it first: read theirs.
	}
	return nil, errors.New("customer link secret: could not read or create it")
}

// setLoop configures the closed loop of a's service.
func setLoop(ctx context.Context, a *app) error {
	secret, err := loopSecret(ctx, a.store)
	if err != nil {
		return err
	}
	o := ticketcore.LoopOptions{Secret: secret, LinkTTL: a.cfg.Tickets.CustomerLinkTTL}
	if u := a.cfg.Tickets.CloseVerificationURL; u != "" {
		o.Verifier = closecheck.Checker{URL: u}
	}
	return a.svc.SetLoop(o)
}

// autoCloseEvery is how often serve looks for tickets to close.
const autoCloseEvery = 5 * time.Minute

// autoClose closes long-resolved tickets until ctx ends.
func autoClose(ctx context.Context, a *app) {
	after := a.cfg.Tickets.AutoCloseAfter
	if after <= 0 {
		return
	}
	t := time.NewTicker(autoCloseEvery)
	defer t.Stop()
	for {
		if n, err := a.svc.AutoClose(ctx, after, 1000); err != nil && ctx.Err() == nil {
			a.log.Warn("auto-close failed", "err", err)
		} else if n > 0 {
			a.log.Info("auto-closed resolved tickets", "count", n, "after", after)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/deskmine/deskmine/cmd/deskmine/pipeline"
	"github.com/deskmine/deskmine/ingest"
	"github.com/deskmine/deskmine/ticketcore/mailin"
	"github.com/deskmine/deskmine/ticketcore/mailout"
)

// mailOutName is the stream consumer that mails customers.
const mailOutName = "mail-out"

// startMailOut runs the customer mail consumer when an SMTP relay is
// configured; the returned stop ends it (nil when not started).
func startMailOut(ctx context.Context, a *app, reg prometheus.Registerer) (func(), error) {
	cfg := a.cfg.Mail
	if cfg.SMTPAddr == "" {
		return nil, nil
	}
	domain := cfg.Domain
	if domain == "" {
		_, domain, _ = strings.Cut(cfg.From, "@")
	}
	m := &mailout.Mailer{From: mailin.Address{Name: "Deskmine", Email: cfg.From}, Domain: domain, PublicURL: cfg.PublicURL,
		Sender: mailout.SMTP{Addr: cfg.SMTPAddr}, Links: a.svc, Logger: a.log}
	d := pipeline.Deps{Store: a.store, Registerer: reg, Logger: a.log}
	src, err := pipeline.NewSource(a.cfg, d, mailOutName)
	if err != nil {
		return nil, fmt.Errorf("mail-out: %w", err)
	}
	r, err := pipeline.NewConsumer(a.cfg, d, src, ingest.HandlerFunc(m.Handle))
	if err != nil {
		src.Close()
		return nil, fmt.Errorf("mail-out: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := r.Run(ctx); err != nil && ctx.Err() == nil {
			a.log.Error("mail-out stopped", "err", err)
		}
	}()
	a.log.Info("customer mail started", "relay", cfg.SMTPAddr, "from", cfg.From)
	return func() { cancel(); <-done; src.Close() }, nil
}

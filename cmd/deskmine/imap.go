package main

import (
	"bytes"
	"context"
	"fmt"

	"github.com/deskmine/deskmine/ticketcore/api"
	"github.com/deskmine/deskmine/ticketcore/attach"
	"github.com/deskmine/deskmine/ticketcore/imapin"
)

// startIMAP polls the configured mailbox into the email intake until ctx
// ends; it does nothing without mail.imap_addr.
func startIMAP(ctx context.Context, a *app, files *attach.Store) {
	cfg := a.cfg.Mail
	if cfg.IMAPAddr == "" {
		return
	}
	p := &imapin.Poller{Addr: cfg.IMAPAddr, TLS: cfg.IMAPTLS, Username: cfg.IMAPUser, Password: cfg.IMAPPassword, Logger: a.log,
		Handle: func(ctx context.Context, raw []byte) error {
			_, err := api.ReceiveMail(ctx, a.svc, files, bytes.NewReader(raw), a.cfg.HTTP.MaxBodyBytes)
			if err != nil && api.Refused(err) {
				return fmt.Errorf("%w: %v", imapin.ErrRejected, err)
			}
			return err
		}}
	a.log.Info("polling a mailbox for customer mail", "addr", cfg.IMAPAddr, "every", cfg.IMAPInterval)
	go func() { _ = p.Run(ctx, cfg.IMAPInterval) }()
}

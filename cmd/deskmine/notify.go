package main

import (
	"context"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/deskmine/deskmine/ticketcore/api"
	"github.com/deskmine/deskmine/ticketcore/notify"
	"github.com/deskmine/deskmine/ticketcore/store"
)

var _ api.WebhookStore = (*store.Store)(nil)

// notifications is the running notification wiring of the server.
type notifications struct {
	notifier *notify.Notifier
	webhooks api.WebhookStore
	stats    prometheus.Collector // the dispatcher's Stats as metrics
	stop     func()
}

// startNotifications builds the notifier on the app's store and runs a
// webhook dispatcher on it until ctx ends or stop is called; stop then waits
// for the dispatcher to finish, so call it before the store is closed.
func startNotifications(ctx context.Context, a *app) (*notifications, error) {
	d, err := notify.NewDispatcher(a.store, a.store, notify.DefaultConfig(), notify.DispatcherOptions{Logger: a.log})
	if err != nil {
		return nil, fmt.Errorf("webhook dispatcher: %w", err)
	}
	n, err := notify.NewNotifier(a.store, a.store, a.store, notify.NotifierOptions{OnEnqueue: d.Kick})
	if err != nil {
		return nil, fmt.Errorf("notifier: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := d.Run(ctx); err != nil {
			a.log.Error("webhook dispatcher", "err", err)
		}
	}()
	stop := func() {
		cancel()
		<-done
	}
	return &notifications{notifier: n, webhooks: a.store, stats: newDispatcherCollector(d.Stats), stop: stop}, nil
}

// options adds the notifier and the webhook store to o.
func (n *notifications) options(o api.Options) api.Options {
	o.Notifier, o.Webhooks = n.notifier, n.webhooks
	return o
}

// dispatcherCollector reads a dispatcher's Stats on every scrape.
type dispatcherCollector struct {
	stats     func() notify.Stats
	claimed   *prometheus.Desc
	attempts  *prometheus.Desc
	processed *prometheus.Desc
	storeErrs *prometheus.Desc
	inFlight  *prometheus.Desc
}

func newDispatcherCollector(stats func() notify.Stats) *dispatcherCollector {
	return &dispatcherCollector{
		stats: stats,
		claimed: prometheus.NewDesc("deskmine_webhook_deliveries_claimed_total",
			"Webhook deliveries claimed for an attempt.", nil, nil),
		attempts: prometheus.NewDesc("deskmine_webhook_attempts_total",
			"Webhook HTTP requests sent, whatever came of them.", nil, nil),
		processed: prometheus.NewDesc("deskmine_webhook_processed_total",
			"Claimed webhook deliveries by outcome: delivered (2xx), retried (failed attempt, tried again later), "+
				"failed (given up), released (given back on shutdown), lease_lost (outcome not recorded).", []string{"outcome"}, nil),
		storeErrs: prometheus.NewDesc("deskmine_webhook_store_errors_total",
			"Store calls of the webhook dispatcher that failed.", nil, nil),
		inFlight: prometheus.NewDesc("deskmine_webhook_deliveries_in_flight",
			"Webhook deliveries being processed now.", nil, nil),
	}
}

func (c *dispatcherCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.claimed
	ch <- c.attempts
	ch <- c.processed
	ch <- c.storeErrs
	ch <- c.inFlight
}

func (c *dispatcherCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.stats()
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	counter(c.claimed, s.Claimed)
	counter(c.attempts, s.Attempts)
	counter(c.processed, s.Delivered, "delivered")
	counter(c.processed, s.Retried, "retried")
	counter(c.processed, s.Failed, "failed")
	counter(c.processed, s.Released, "released")
	counter(c.processed, s.LeaseLost, "lease_lost")
	counter(c.storeErrs, s.StoreErrors)
	ch <- prometheus.MustNewConstMetric(c.inFlight, prometheus.GaugeValue, float64(s.InFlight))
}

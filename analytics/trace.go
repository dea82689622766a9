package analytics

import "context"

// QueryTrace receives each read query a store runs for an answer, with its
// arguments, before the store runs it. It must not keep or change args
// after it returns (copy them): they belong to the store's caller.
type QueryTrace func(query string, args []any)

type traceKey struct{}

// WithQueryTrace returns a context under which the stores hand every read
// query of the analytics answers to fn: `deskmine bench query` replays the
// statements an endpoint ran directly on the store. A trace already in ctx
// is kept and called first. fn may be called from several goroutines at
// once (performance runs its statements side by side).
func WithQueryTrace(ctx context.Context, fn QueryTrace) context.Context {
	if fn == nil {
		return ctx
	}
	if outer, ok := ctx.Value(traceKey{}).(QueryTrace); ok {
		inner := fn
		fn = func(query string, args []any) {
			outer(query, args)
			inner(query, args)
		}
	}
	return context.WithValue(ctx, traceKey{}, fn)
}

// TraceQuery hands query and args to the trace of ctx, if any. The stores
// call it in their query method; without a trace it costs one context
// lookup and no allocation.
func TraceQuery(ctx context.Context, query string, args []any) {
	if fn, ok := ctx.Value(traceKey{}).(QueryTrace); ok {
		fn(query, args)
	}
}

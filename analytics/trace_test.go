package analytics

import (
	"context"
	"reflect"
	"testing"
)

func TestQueryTrace(t *testing.T) {
	ctx := context.Background()
	TraceQuery(ctx, "SELECT 1", nil) // no trace: nothing to call, no panic
	if WithQueryTrace(ctx, nil) != ctx {
		t.Fatal("a nil trace should leave the context as it is")
	}

	var got []string
	ctx = WithQueryTrace(ctx, func(q string, args []any) { got = append(got, "outer:"+q) })
	TraceQuery(ctx, "SELECT 1", []any{int64(1)})
	inner := WithQueryTrace(ctx, func(q string, args []any) {
		if !reflect.DeepEqual(args, []any{"x", int64(2)}) {
			t.Errorf("args %#v", args)
		}
		got = append(got, "inner:"+q)
	})
	TraceQuery(inner, "SELECT 2", []any{"x", int64(2)})
	TraceQuery(ctx, "SELECT 3", nil) // the outer context does not see the inner trace
	want := []string{"outer:SELECT 1", "outer:SELECT 2", "inner:SELECT 2", "outer:SELECT 3"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("traced %q, want %q", got, want)
	}
}

func TestTraceQueryWithoutTraceDoesNotAllocate(t *testing.T) {
	ctx := context.WithValue(context.Background(), struct{ k int }{1}, "other")
	args := []any{int64(1), "a"}
	if n := testing.AllocsPerRun(100, func() { TraceQuery(ctx, "SELECT ?", args) }); n != 0 {
		t.Fatalf("TraceQuery without a trace allocates %v times", n)
	}
}

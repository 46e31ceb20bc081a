package lifecycle

import (
	"context"
	"testing"
)

// BenchmarkCall measures what running user code on a goroutine of its own
// costs a Task run, a restart or a shutdown stage, against a plain call.
func BenchmarkCall(b *testing.B) {
	ctx := context.Background()
	fn := func(context.Context) error { return nil }
	b.Run("goroutine", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = call(ctx, fn)
		}
	})
	b.Run("direct", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = fn(ctx)
		}
	})
}

// BenchmarkShutdown measures a whole shutdown of four stages that return
// at once: building it, adding the stages and running them.
func BenchmarkShutdown(b *testing.B) {
	ctx := context.Background()
	fn := func(context.Context) error { return nil }
	b.ReportAllocs()
	for b.Loop() {
		s, err := NewShutdown()
		if err != nil {
			b.Fatal(err)
		}
		for _, name := range []string{"http", "workers", "cache", "redis"} {
			_ = s.Add(name, fn)
		}
		if _, err := s.Run(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

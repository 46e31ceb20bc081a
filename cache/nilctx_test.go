package cache

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestNilContext checks the module's policy (CONTRIBUTING.md): every call
// that takes a ctx and returns an error returns "cache: <call>: nil
// Context" for a nil ctx, on a local hit too, and never panics.
func TestNilContext(t *testing.T) {
	var nilCtx context.Context
	c := newCache(t)
	_ = c.Set(context.Background(), "hit", "v") // a local hit must not skip the check
	s := newMemoryStore(t, 10)
	load := func(context.Context) (string, error) { return "v", nil }
	second := func(_ any, err error) error { return err }
	tests := []struct {
		name string
		call func() error
	}{
		{"Get", func() error { return second(c.Get(nilCtx, "hit")) }},
		{"GetMany", func() error { return second(c.GetMany(nilCtx, []string{"hit"})) }},
		{"GetOrLoad", func() error { return second(c.GetOrLoad(nilCtx, "hit", load)) }},
		{"Set", func() error { return c.Set(nilCtx, "k", "v") }},
		{"Delete", func() error { return c.Delete(nilCtx, "k") }},
		{"MemoryStore.Get", func() error { return second(s.Get(nilCtx, "k")) }},
		{"MemoryStore.GetMany", func() error { return second(s.GetMany(nilCtx, []string{"k"})) }},
		{"MemoryStore.Set", func() error { return s.Set(nilCtx, "k", nil, 0) }},
		{"MemoryStore.GetOrAdd", func() error { _, _, err := s.GetOrAdd(nilCtx, "k", nil, 0); return err }},
		{"MemoryStore.CompareAndSet", func() error { return second(s.CompareAndSet(nilCtx, "k", nil, nil, 0)) }},
		{"MemoryStore.Delete", func() error { return s.Delete(nilCtx, "k") }},
		{"MemoryStore.Publish", func() error { return s.Publish(nilCtx, "ch", "m") }},
		{"MemoryStore.Subscribe", func() error { return second(s.Subscribe(nilCtx, "ch")) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			assert.NotPanics(t, func() { err = tt.call() })
			assert.EqualError(t, err, "cache: "+tt.name+": nil Context")
		})
	}
}

package holdfastotel

import (
	"errors"
	"fmt"
	"sync"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// ScopeName is the instrumentation scope of every meter and tracer this
// package makes.
const ScopeName = "github.com/holdfast-go/holdfast/otel"

// MaxNameLen is the longest name accepted for an instrumented object.
const MaxNameLen = 64

// NameKey is the attribute that names the instrumented object (the
// dependency, breaker, policy, pool, cache or limiter) on every instrument.
const NameKey = attribute.Key("holdfast.name")

// Instrumentation makes the observers and registers the observable
// instruments of holdfast's patterns against one MeterProvider and one
// TracerProvider. Make one per process with [New] and share it; it is safe
// for concurrent use. Its instruments are created once, in New: each
// instrumented object adds only precomputed attribute sets. One that is
// not kept for the life of its MeterProvider is ended with
// [Instrumentation.Close].
type Instrumentation struct {
	meter    metric.Meter
	tracer   trace.Tracer
	inst     instruments
	counters counters
	counting metric.Registration // the callback of counters
	closing  sync.Once
	closeErr error
}

// An Option configures [New].
type Option interface {
	apply(*config) error
}

type optionFunc func(*config) error

func (f optionFunc) apply(c *config) error { return f(c) }

type config struct {
	mp metric.MeterProvider
	tp trace.TracerProvider
}

// WithMeterProvider sets the MeterProvider (default: the global one,
// [otel.GetMeterProvider]). A nil mp is an error.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return optionFunc(func(c *config) error {
		if mp == nil {
			return errors.New("holdfastotel: WithMeterProvider: nil MeterProvider")
		}
		c.mp = mp
		return nil
	})
}

// WithTracerProvider sets the TracerProvider (default: the global one,
// [otel.GetTracerProvider]). A nil tp is an error.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return optionFunc(func(c *config) error {
		if tp == nil {
			return errors.New("holdfastotel: WithTracerProvider: nil TracerProvider")
		}
		c.tp = tp
		return nil
	})
}

// New returns an Instrumentation with every instrument of the table in the
// package documentation created, or the first option's error, or the
// MeterProvider's error if it could not create one. It registers one
// callback with the MeterProvider, which reports the counts the observers
// keep (see "What it costs" in the package documentation) until
// [Instrumentation.Close].
func New(opts ...Option) (*Instrumentation, error) {
	var c config
	for _, o := range opts {
		if o == nil {
			return nil, errors.New("holdfastotel: nil Option")
		}
		if err := o.apply(&c); err != nil {
			return nil, err
		}
	}
	if c.mp == nil {
		c.mp = otel.GetMeterProvider()
	}
	if c.tp == nil {
		c.tp = otel.GetTracerProvider()
	}
	in := &Instrumentation{
		meter:  c.mp.Meter(ScopeName),
		tracer: c.tp.Tracer(ScopeName),
	}
	if err := in.inst.init(in.meter); err != nil {
		return nil, fmt.Errorf("holdfastotel: %w", err)
	}
	if err := in.registerCounters(); err != nil {
		return nil, fmt.Errorf("holdfastotel: %w", err)
	}
	return in, nil
}

// Close unregisters the callback that [New] registered, so that the
// MeterProvider no longer holds in: the counts its observers keep
// (holdfast.breaker.calls and holdfast.retry.calls, .attempts and
// .retries) are no longer reported, and in, its observers and their
// counts can be garbage collected once unused. Without Close they live as
// long as the MeterProvider, which matters only for an Instrumentation
// made more than once per MeterProvider (per test, or remade at run
// time). The registrations that the Observe methods return are the
// caller's to unregister. Close returns the MeterProvider's error;
// calling it again does nothing more and returns the same.
func (in *Instrumentation) Close() error {
	in.closing.Do(func() { in.closeErr = in.counting.Unregister() })
	return in.closeErr
}

// checkName enforces the cardinality rule on the names of instrumented
// objects: a name is chosen in code, once per object, so it is short and
// made of letters, digits and "._-" (no URL, key or tenant fits).
func checkName(what, name string) error {
	if name == "" || len(name) > MaxNameLen {
		return fmt.Errorf("holdfastotel: %s: name must be 1 to %d bytes, got %q", what, MaxNameLen, name)
	}
	for _, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-'
		if !ok {
			return fmt.Errorf("holdfastotel: %s: name may hold only letters, digits and \"._-\", got %q", what, name)
		}
	}
	return nil
}

// attrs is one attribute set, in the option slices that measurements
// take, made once so that a measurement does not allocate for them.
type attrs struct {
	add []metric.AddOption
	rec []metric.RecordOption
	obs []metric.ObserveOption
}

// newAttrs returns the attribute set of name with kvs.
func newAttrs(name string, kvs ...attribute.KeyValue) attrs {
	o := metric.WithAttributeSet(attribute.NewSet(append([]attribute.KeyValue{NameKey.String(name)}, kvs...)...))
	return attrs{add: []metric.AddOption{o}, rec: []metric.RecordOption{o}, obs: []metric.ObserveOption{o}}
}

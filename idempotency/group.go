package idempotency

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"
)

// Bounds on the arguments of [Do].
const (
	// MaxKeyLength is the longest key accepted, in bytes.
	MaxKeyLength = 1024
	// MaxFingerprintLength is the longest fingerprint accepted, in bytes:
	// hash a payload (SHA-256 in hex is 64 bytes) rather than pass it.
	MaxFingerprintLength = 256
)

// Group runs operations once per key: the first call with a key runs its
// function and records the result in the Group's [Store]; later calls with
// the key replay that result without running anything. Build one with [New]
// and share it; it is safe for concurrent use and holds no goroutine of its
// own, so it needs no Close. Call it through [Do].
type Group struct {
	cfg   config
	stats counters
}

// New returns a [Group] configured by opts. Without [WithStore] it keeps
// its records in a [MemoryStore] of its own.
func New(opts ...Option) (*Group, error) {
	c, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	return &Group{cfg: *c}, nil
}

// tokenKey is the context key of the fencing token.
type tokenKey struct{}

// Token returns the fencing token of the hold that fn runs under, from
// the ctx that [Do] gave fn, and whether there is one (there is none when
// fn runs without dedupe under [WithFailOpen]). Tokens grow: a holder that
// took a key over after a lease ran out has a greater token than the
// holder it replaced. Pass the token to the systems fn writes to, and have
// them refuse a write carrying a token smaller than one they have seen
// for the key (a conditional update, a version column): then a holder
// that lost its lease cannot overwrite its successor's effects. A nil ctx
// panics with "idempotency: nil Context", as the context package's
// functions do.
func Token(ctx context.Context) (uint64, bool) {
	if ctx == nil {
		panic(errNilContext.Error())
	}
	t, ok := ctx.Value(tokenKey{}).(uint64)
	return t, ok
}

// Do runs fn once for key and returns its result, with replayed false; a
// later call with the same key and fingerprint returns the recorded result
// without running fn, with replayed true. fingerprint identifies the
// request's payload (a hash of it, at most [MaxFingerprintLength] bytes):
// a call with the key and another fingerprint returns an error matching
// [ErrKeyReused] and runs nothing. An empty fingerprint is compared like
// any other: pass "" in every call for a key that alone identifies its
// payload.
//
// While another holder runs the key, Do waits for its result, until ctx
// ends, or returns an [*InProgressError] at once, as [WithInProgress] says.
// fn runs on the caller's goroutine, with a ctx derived from ctx that
// carries the fencing token ([Token]) and is cancelled with cause
// [ErrLeaseLost] if the hold's lease is lost. A goroutine renews the lease
// every third of it for as long as fn runs, even after ctx ends (a holder
// still running keeps the key), and is joined before Do returns; so a fn
// that hangs holds its key until its process dies: bound fn with ctx and
// have it honour ctx. The result is recorded even if ctx ended meanwhile
// (the Store calls that end a hold use ctx's values, not its deadline), so
// that the caller's retry finds it.
//
// When fn returns an error, Do releases the key (so that a retry runs fn
// again) and returns the error, unless the error is final ([Final],
// [WithFinal]): then it is recorded and replayed, as a [*FinalError]. If
// fn panics, or calls runtime.Goexit, Do releases the key and lets the
// panic go on; if even that release fails, the key is free again when the
// lease runs out. Whatever the outcome, the recorded bytes are decoded
// afresh for each replay, so a caller that modifies a replayed value (a
// slice, a map) cannot change the next replay.
//
// If fn succeeded but its result could not be recorded (the Store failed,
// or the lease was lost and the Store refused the result with
// [ErrLeaseLost]), Do returns fn's value with that error: fn ran, but a
// later call may run it again.
//
// A bad argument (nil ctx, Group or fn; a key or fingerprint refused by
// the bounds above) is an error, never a panic. A Store error matches
// [ErrStore] (and the Store's own error: ctx's, if ctx ended during the
// Store call); a ctx that had ended before Do asked the Store gives ctx's
// error (its cause), which is not a Store failure. See [WithFailOpen] for
// running fn without the Store.
func Do[T any](ctx context.Context, g *Group, key, fingerprint string, fn func(context.Context) (T, error)) (v T, replayed bool, err error) {
	if err := checkArgs(ctx, g, key, fingerprint, fn == nil); err != nil {
		return v, false, err
	}
	rec, replayed, err := g.do(ctx, key, fingerprint, g.cfg.policy, func(ctx context.Context) ([]byte, error) {
		var ferr error
		v, ferr = fn(ctx)
		return g.record(v, ferr)
	})
	if !replayed {
		return v, false, err
	}
	_, shared := g.cfg.store.(*MemoryStore)
	v, err = decode[T](g.cfg.codec, rec, shared)
	return v, true, err
}

// checkArgs returns the error for bad arguments to [Do], or nil.
func checkArgs(ctx context.Context, g *Group, key, fingerprint string, nilFn bool) error {
	switch {
	case ctx == nil:
		return errNilContext
	case g == nil:
		return errNilGroup
	case nilFn:
		return errNilFunc
	}
	if err := CheckKey(key); err != nil {
		return err
	}
	if len(fingerprint) > MaxFingerprintLength {
		return fmt.Errorf("%w: %d bytes, more than %d", ErrInvalidFingerprint, len(fingerprint), MaxFingerprintLength)
	}
	return nil
}

// CheckKey returns an error matching [ErrInvalidKey] if key is empty,
// longer than [MaxKeyLength], not valid UTF-8, or holds a control
// character; else nil. [Do] calls it on every key.
func CheckKey(key string) error {
	switch {
	case key == "":
		return fmt.Errorf("%w: empty", ErrInvalidKey)
	case len(key) > MaxKeyLength:
		return fmt.Errorf("%w: %d bytes, more than %d", ErrInvalidKey, len(key), MaxKeyLength)
	case !utf8.ValidString(key):
		return fmt.Errorf("%w: %q is not valid UTF-8", ErrInvalidKey, key)
	}
	for i := 0; i < len(key); i++ {
		if c := key[i]; c < 0x20 || c == 0x7f {
			return fmt.Errorf("%w: %q holds a control character at byte %d", ErrInvalidKey, key, i)
		}
	}
	return nil
}

// The recorded bytes start with a kind byte.
const (
	kindValue byte = 'v' // then the codec's bytes
	kindFinal byte = 'e' // then the final error's message
)

// record returns what to record for fn's outcome (v, err): the encoded
// value, a final error, or nil (and err) when the key is to be released.
func (g *Group) record(v any, err error) ([]byte, error) {
	if err != nil {
		if !g.isFinal(err) {
			return nil, err
		}
		return append([]byte{kindFinal}, err.Error()...), err
	}
	b, merr := g.cfg.codec.Marshal(v)
	if merr != nil {
		return nil, fmt.Errorf("idempotency: encode result: %w", merr)
	}
	return append([]byte{kindValue}, b...), nil
}

func (g *Group) isFinal(err error) bool {
	var fe *FinalError
	return errors.As(err, &fe) || (g.cfg.final != nil && g.cfg.final(err))
}

// decode returns the result recorded in rec. shared says that rec is a
// MemoryStore's own record, which nobody writes into: a [RawCodec] string
// may then share its bytes.
func decode[T any](c Codec, rec []byte, shared bool) (T, error) {
	if len(rec) == 0 {
		var zero T
		return zero, errCorrupt
	}
	body := rec[1:]
	switch rec[0] {
	case kindFinal:
		var zero T
		return zero, &FinalError{Err: errors.New(string(body))}
	case kindValue:
		if _, raw := c.(RawCodec); raw && shared {
			if v, ok := decodeRaw[T](body); ok {
				return v, nil
			}
		}
		var v T
		if err := c.Unmarshal(body, &v); err != nil {
			return v, fmt.Errorf("idempotency: decode recorded result: %w", err)
		}
		return v, nil
	}
	var zero T
	return zero, errCorrupt
}

var errCorrupt = errors.New("idempotency: corrupt record in store")

// do runs the protocol for key: acquire, then replay, wait, reject or hold.
// run calls fn and returns what to record (nil to release) and fn's error.
// replayed reports that rec is a recorded result.
func (g *Group) do(ctx context.Context, key, fp string, policy InProgressPolicy,
	run func(context.Context) ([]byte, error)) (rec []byte, replayed bool, err error) {
	if ctx.Err() != nil { // the caller gave up before asking: not a Store failure
		return nil, false, fmt.Errorf("idempotency: %w", context.Cause(ctx))
	}
	var waited time.Duration // RetryAfter of the last wait, if any
	for {
		a, start, err := g.acquire(ctx, key, fp)
		if err != nil {
			if waited > 0 && ctx.Err() != nil {
				g.stats.rejected.Add(1)
				return nil, false, &InProgressError{RetryAfter: waited, Err: context.Cause(ctx)}
			}
			g.stats.storeErrors.Add(1)
			// Fail open only on a first attempt: after a wait, the key is
			// known to be held, and running fn would run it twice.
			if waited == 0 && ctx.Err() == nil && g.cfg.failOpen != nil {
				g.stats.failOpen.Add(1)
				g.cfg.failOpen(key, err)
				_, err = run(ctx)
				return nil, false, err
			}
			return nil, false, storeError("acquire", err)
		}
		switch a.State {
		case Acquired:
			g.stats.executions.Add(1)
			return nil, false, g.hold(ctx, key, a.Token, start, run)
		case Completed, InProgress:
			if a.Fingerprint != fp {
				g.stats.conflicts.Add(1)
				return nil, false, fmt.Errorf("%w: key %q", ErrKeyReused, key)
			}
		default:
			g.stats.storeErrors.Add(1)
			return nil, false, storeError("acquire", fmt.Errorf("unknown state %v", a.State))
		}
		if a.State == Completed {
			g.stats.replays.Add(1)
			return a.Value, true, nil
		}
		retry := max(a.Remaining, MinDuration)
		if policy == Reject {
			g.stats.rejected.Add(1)
			return nil, false, &InProgressError{RetryAfter: retry}
		}
		if waited == 0 {
			g.stats.waited.Add(1)
		}
		if err := sleep(ctx, min(g.cfg.poll, retry)); err != nil {
			g.stats.rejected.Add(1)
			return nil, false, &InProgressError{RetryAfter: retry, Err: err}
		}
		waited = retry
	}
}

// acquire calls the Store's Acquire and returns with its result a time at
// or before the start of the lease it may grant: the Store's own reading
// for a MemoryStore, else the time before the call.
func (g *Group) acquire(ctx context.Context, key, fp string) (Acquisition, time.Time, error) {
	if m, ok := g.cfg.store.(*MemoryStore); ok {
		return m.acquireAt(ctx, key, fp, g.cfg.lease)
	}
	start := time.Now()
	a, err := g.cfg.store.Acquire(ctx, key, fp, g.cfg.lease)
	return a, start, err
}

// sleep waits for d or until ctx ends, returning its cause then.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

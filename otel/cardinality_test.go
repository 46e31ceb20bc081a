package holdfastotel

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/holdfast-go/holdfast/breaker"
	"github.com/holdfast-go/holdfast/cache"
	"github.com/holdfast-go/holdfast/retry"
)

// TestCardinality runs calls whose keys, URLs and errors carry a tenant and
// a user id, and checks that no attribute value, on any data point or
// span, is anything but a name given in code or a value of a fixed set.
func TestCardinality(t *testing.T) {
	// The breaker's rejection carries a retry hint, which the policy
	// honours: the bubble's clock makes the wait instant.
	synctest.Test(t, cardinality)
}

func cardinality(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	secret := "tenant-7/user-42"
	failure := errors.New("GET https://api.example.com/" + secret + ": connection refused")

	dep, _ := h.in.Dependency("payments")
	obs, _ := h.in.HTTPRetryObserver("payments")
	p, err := retry.New(retry.WithObserver(obs), retry.WithStrategy(retry.Constant(1)))
	if err != nil {
		t.Fatal(err)
	}
	opts, _ := h.in.BreakerOptions("payments")
	b, err := breaker.New(append(opts, breaker.WithConsecutiveFailures(1))...)
	if err != nil {
		t.Fatal(err)
	}
	if reg, err := h.in.ObserveBreaker(b); err == nil {
		defer reg.Unregister()
	}
	timed, err := h.in.HTTPTransport("payments", roundTrip(func(r *http.Request) (*http.Response, error) {
		if err := b.Do(r.Context(), func(context.Context) error { return failure }); err != nil {
			return nil, err
		}
		return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader(""))}, nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	rt, err := retry.Transport(timed, p)
	if err != nil {
		t.Fatal(err)
	}
	_ = dep.Do(ctx, func(ctx context.Context) error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "https://api.example.com/"+secret, nil)
		_, err := rt.RoundTrip(req)
		return err
	})
	c, err := cache.New[string]()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if reg, err := h.in.ObserveCache("accounts", c.Stats); err == nil {
		defer reg.Unregister()
	}
	_, _ = c.GetOrLoad(ctx, secret, func(context.Context) (string, error) { return "", failure })

	allowed := map[string]bool{"payments": true, "accounts": true}
	for _, v := range []string{
		"success", "failure", "ignored", "closed", "open", "half-open", "forced-open", "disabled",
		"local", "remote", "store", "decode", "encode", "evicted", "expired", "replaced", "deleted",
		"accepted", "handled", "failed", "dropped", "rejected", "returned", "admitted", "canceled", "delay", "GET",
		ErrorTypeCanceled, ErrorTypeTimeout, ErrorTypeBreakerOpen, ErrorTypeLimited, ErrorTypeQueueFull,
		ErrorTypeBudgetExhausted, ErrorTypeInsufficientBudget, ErrorTypeNotFound, ErrorTypePanic, ErrorTypeOther,
	} {
		allowed[v] = true
	}
	for _, r := range retryResults {
		allowed[r] = true
	}
	for code := 100; code <= 599; code++ {
		allowed[strconv.Itoa(code)] = true
	}
	vals := h.attrValues(t)
	if len(vals) < 5 {
		t.Fatalf("only %d attribute values collected: %v", len(vals), vals)
	}
	for v := range vals {
		if !allowed[v] {
			t.Errorf("attribute value %q is not from a fixed set", v)
		}
	}
	for _, s := range h.spans.Ended() {
		for _, kv := range s.Attributes() {
			if strings.Contains(kv.Value.String(), "42") {
				t.Errorf("span %q: attribute %s = %q carries the request's data", s.Name(), kv.Key, kv.Value.String())
			}
		}
		if strings.Contains(s.Status().Description, "42") {
			t.Errorf("span %q: status %q carries the error's text", s.Name(), s.Status().Description)
		}
	}
}

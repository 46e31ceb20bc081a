package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/holdfast-go/holdfast/breaker"
	"github.com/holdfast-go/holdfast/internal/exampletest"
	"github.com/holdfast-go/holdfast/internal/redistest"
)

// quick runs the five phases in 2.5s in all, with few workers so that the
// race detector on a busy machine keeps up.
var quick = []string{"-duration", "2500ms", "-concurrency", "4"}

// runDemo runs the demo with args and returns its result and output.
func runDemo(t *testing.T, args ...string) (result, string) {
	t.Helper()
	cfg, err := parseFlags(args, io.Discard)
	if err != nil {
		t.Fatalf("parseFlags(%q): %v", args, err)
	}
	out := &lockedWriter{w: &bytes.Buffer{}}
	r, err := demo(context.Background(), cfg, out)
	text := out.w.(*bytes.Buffer).String()
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, text)
	}
	return r, text
}

func TestDemoInvariants(t *testing.T) {
	r, text := runDemo(t, quick...)
	if err := r.check(); err != nil {
		t.Errorf("check: %v\n%s", err, text)
	}
	for _, p := range r.phases {
		if p.requests == 0 {
			t.Errorf("phase %s had no requests\n%s", p.name, text)
		}
	}
	// The failing upstream's breaker opens while it fails (from closed, or
	// from half-open if the burst before left it open), and is closed
	// again once it has recovered.
	var opened bool
	for _, tr := range r.transitions {
		if tr.name == "inventory" && tr.phase == "failing" && tr.to == breaker.StateOpen {
			opened = true
		}
	}
	if !opened {
		t.Errorf("inventory breaker did not open during the failing phase\n%s", text)
	}
	if got := r.breakers[1].stats.State; got != breaker.StateClosed {
		t.Errorf("inventory breaker ends %v, want closed\n%s", got, text)
	}
	// The burst phase is shed by the gateway's limiter; the normal load
	// (4 workers, 4 places and 4 waiting) never is. A request is counted
	// in the phase it started in, so the phases next to the burst may
	// count one that the burst's start or end made wait too long.
	for i, p := range r.phases {
		switch {
		case p.name == "burst" && p.shed == 0:
			t.Errorf("phase burst: no request shed, want some\n%s", text)
		case i > 0 && phases[i-1].name != "burst" && p.name != "burst" && (i+1 == len(phases) || phases[i+1].name != "burst") && p.shed > 0:
			t.Errorf("phase %s: %d requests shed, want none away from the burst\n%s", p.name, p.shed, text)
		}
	}
	if r.limiter.Rejected == 0 || r.limiter.InFlight != 0 {
		t.Errorf("limiter stats = %+v, want rejections and nothing in flight at the end", r.limiter)
	}
	if r.audit.Returned != 0 || r.audit.Refused != 0 {
		t.Errorf("audit = %+v, want nothing handed back or refused with an idle queue", r.audit)
	}
	// Every request that reached the gateway was audited.
	if int64(r.audit.Handled) != r.audit.Served {
		t.Errorf("audit events written = %d, requests served = %d", r.audit.Handled, r.audit.Served)
	}
}

func TestRunPrintsReport(t *testing.T) {
	exampletest.PrintsWith(t, run, quick, "phase 3/5 failing", "limiter      bulkhead of 4", "Report", "p99", "local tier", "retries",
		"breaker      inventory", "(phase failing)", "handed back at shutdown")
}

func TestDemoWithRedis(t *testing.T) {
	srv := redistest.Start(t)
	r, text := runDemo(t, "-duration", "1s", "-concurrency", "2", "-redis", srv.Addr())
	if err := r.check(); err != nil {
		t.Errorf("check: %v\n%s", err, text)
	}
	if r.cache.Loads == 0 || r.cache.RemoteErrors != 0 {
		t.Errorf("cache stats = %+v, want loads and no remote errors", r.cache)
	}
	if !strings.Contains(text, "cache tier redis at "+srv.Addr()) {
		t.Errorf("output does not name the Redis tier:\n%s", text)
	}
}

func TestRunBadInput(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-nope"}, "flag provided but not defined: -nope"},
		{[]string{"-duration", "-5s"}, "-duration must be at least"},
		{[]string{"-duration", "ten"}, "invalid value"},
		{[]string{"-concurrency", "0"}, "-concurrency must be between"},
		{[]string{"-redis", "127.0.0.1:1"}, "redis at 127.0.0.1:1 does not answer"},
		{[]string{"extra"}, `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		exampletest.Fails(t, run, tt.args, tt.want)
	}
}

func TestRunRedisFromEnv(t *testing.T) {
	t.Setenv("REDIS_ADDR", "127.0.0.1:1")
	exampletest.Fails(t, run, quick, "redis at 127.0.0.1:1 does not answer")
}

// notifyWriter collects output and sends the gateway's URL once it is printed.
type notifyWriter struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	url  chan string
	sent bool
}

var listening = regexp.MustCompile(`gateway listening on (http://\S+)`)

func (w *notifyWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if m := listening.FindSubmatch(w.buf.Bytes()); m != nil && !w.sent {
		w.sent = true
		w.url <- string(m[1])
	}
	return len(p), nil
}

func (w *notifyWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func TestServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := &notifyWriter{url: make(chan string, 1)}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-serve", "-addr", "127.0.0.1:0"}, w) }()
	var url string
	select {
	case url = <-w.url:
	case err := <-done:
		t.Fatalf("run returned before listening: %v\n%s", err, w.String())
	}
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	resp, err := client.Get(url + "/item?id=42")
	if err != nil {
		t.Fatalf("GET: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "inventory of item 42") {
		t.Errorf("GET /item?id=42 = %s %q, want 200 with every part", resp.Status, body)
	}
	cancel() // as SIGINT would
	if err := <-done; err != nil {
		t.Fatalf("run: %v\n%s", err, w.String())
	}
	if want := "served 1 requests; audit events: 1 accepted = 1 written"; !strings.Contains(w.String(), want) {
		t.Errorf("output lacks %q:\n%s", want, w.String())
	}
}

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/holdfast-go/holdfast/deadline"
	"github.com/holdfast-go/holdfast/idempotency"
	"github.com/holdfast-go/holdfast/limit"
	"golang.org/x/time/rate"
)

// faultMode is what the provider does to the charges it receives, set by
// the phases.
type faultMode int32

const (
	healthy faultMode = iota // a few lost responses, as networks lose them
	failing                  // every charge refused with 503, before it runs
	slow                     // some charges delayed before they run
	clean                    // no fault at all
)

// Provider fault rates.
const (
	lostRate  = 0.03                   // healthy: responses lost after the charge ran
	slowRate  = 0.5                    // slow: charges delayed
	slowDelay = 150 * time.Millisecond // under the workers' attempt budget
)

// provider is the payment provider: a loopback HTTP service that limits
// its clients' rate with 429s, fails on a schedule, and runs each charge
// once per Idempotency-Key behind holdfast's idempotency middleware. Its
// charge handler writes every execution to the raw log.
type provider struct {
	log     *os.File
	logPath string
	mu      sync.Mutex               // serializes the raw log's writes
	limiter *limit.KeyedRate[string] // per merchant: here, one
	mode    atomic.Int32
	rng     *lockedRand
	srv     *http.Server
	url     string

	requests, limited, refused, lost, delayed, executed, replayed atomic.Uint64
}

// newProvider starts the provider on a free loopback port, with its raw
// log in dir and a limit of perSecond charges a second.
func newProvider(dir string, perSecond int, seed uint64) (*provider, error) {
	path := dir + "/charges.log"
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	limiter, err := limit.NewKeyedRate[string](rate.Limit(perSecond), max(1, perSecond/5), 16)
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	p := &provider{log: f, logPath: path, rng: newLockedRand(seed), limiter: limiter}
	h, err := p.handler()
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	p.url = "http://" + ln.Addr().String()
	p.srv = &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = p.srv.Serve(ln) }()
	return p, nil
}

// handler is the provider's stack: rate limit, faults, the propagated
// deadline, idempotency, and the charge itself. Its idempotency records
// are its own (a MemoryStore): a provider does not share the demo's Redis.
func (p *provider) handler() (http.Handler, error) {
	g, err := idempotency.New(idempotency.WithLease(5 * time.Second))
	if err != nil {
		return nil, err
	}
	dedupe, err := idempotency.Middleware(g, idempotency.WithKeyRequired(),
		idempotency.WithRetryAfter(time.Second))
	if err != nil {
		return nil, err
	}
	budget, err := deadline.Middleware()
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("POST "+chargePath, p.rateLimit(p.faults(budget(p.count(dedupe(http.HandlerFunc(p.charge)))))))
	return mux, nil
}

// rateLimit answers 429 with Retry-After to a merchant's charges above the
// provider's rate. Every worker charges for the same merchant.
func (p *provider) rateLimit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.requests.Add(1)
		if p.limiter.Allow("merchant") != nil {
			p.limited.Add(1)
			w.Header().Set("Retry-After", "1")
			http.Error(w, "rate limited", http.StatusTooManyRequests)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// faults applies the phase's fault mode.
func (p *provider) faults(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch faultMode(p.mode.Load()) {
		case failing:
			p.refused.Add(1)
			http.Error(w, "provider down", http.StatusServiceUnavailable)
			return
		case slow:
			if p.rng.float() < slowRate {
				p.delayed.Add(1)
				t := time.NewTimer(slowDelay)
				select {
				case <-r.Context().Done():
					t.Stop()
					return
				case <-t.C:
				}
			}
		case healthy:
			if p.rng.float() < lostRate {
				// The charge runs and is recorded, but its answer is lost
				// on the way back: the worker retries, and the idempotency
				// layer replays the recorded answer.
				next.ServeHTTP(discard{}, r)
				p.lost.Add(1)
				http.Error(w, "bad gateway", http.StatusBadGateway)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// count counts the answers of the idempotency layer: replays and
// conflicts with a charge still running.
func (p *provider) count(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r)
		if w.Header().Get(idempotency.HeaderReplayed) == "true" {
			p.replayed.Add(1)
		}
	})
}

// charge is the provider's charge handler: every execution is one line of
// the raw log, written before the answer.
func (p *provider) charge(w http.ResponseWriter, r *http.Request) {
	var c charge
	if err := json.NewDecoder(r.Body).Decode(&c); err != nil || c.Order == "" {
		http.Error(w, "bad charge", http.StatusBadRequest)
		return
	}
	p.executed.Add(1)
	p.mu.Lock()
	_, err := fmt.Fprintf(p.log, "%s %d %s\n", c.Order, time.Now().UnixNano(), r.Header.Get(workerHead))
	p.mu.Unlock()
	if err != nil {
		http.Error(w, "ledger: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"charge": "ch_" + c.Order[4:], "status": "succeeded"})
}

// setMode sets the fault mode.
func (p *provider) setMode(m faultMode) { p.mode.Store(int32(m)) }

// shutdown stops the server, then closes the raw log.
func (p *provider) shutdown(ctx context.Context) error {
	err := p.srv.Shutdown(ctx)
	p.mu.Lock()
	defer p.mu.Unlock()
	if cerr := p.log.Close(); err == nil {
		err = cerr
	}
	return err
}

// execution is one line of the raw log.
type execution struct {
	order  string
	at     time.Time
	worker string
}

// readRawLog reads the raw log back.
func readRawLog(path string) ([]execution, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []execution
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 3 {
			return nil, fmt.Errorf("raw log: bad line %q", sc.Text())
		}
		ns, err := strconv.ParseInt(fields[1], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("raw log: bad time in %q", sc.Text())
		}
		out = append(out, execution{fields[0], time.Unix(0, ns), fields[2]})
	}
	return out, sc.Err()
}

// discard is a ResponseWriter whose answer is lost.
type discard struct{}

func (discard) Header() http.Header         { return http.Header{} }
func (discard) Write(b []byte) (int, error) { return len(b), nil }
func (discard) WriteHeader(int)             {}

// lockedRand is a seeded random source safe for concurrent use.
type lockedRand struct {
	mu sync.Mutex
	r  *rand.Rand
}

func newLockedRand(seed uint64) *lockedRand {
	return &lockedRand{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

func (l *lockedRand) float() float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Float64()
}

func (l *lockedRand) intN(n int) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.IntN(n)
}

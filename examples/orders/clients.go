package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/holdfast-go/holdfast/idempotency"
	"github.com/holdfast-go/holdfast/retry"
)

// Client settings.
const (
	clientTimeout = time.Second // a client gives up on a request and resends it
	dupRate       = 0.1         // accepted orders a client sends again, as after a lost answer
	maxInFlight   = 200         // orders the clients work on at once
)

// placed is what the clients know of one order.
type placed struct {
	id       string
	first    time.Time // first request sent
	accepted time.Time // first 2xx answer; zero if none
}

// clients send orders to the intake, each until it is accepted, and resend
// some of them with the same key.
type clients struct {
	run  string // prefixes the keys, so that runs on one Redis do not meet
	url  string
	http *http.Client
	rng  *lockedRand
	sem  chan struct{}
	wg   sync.WaitGroup
	next atomic.Uint64

	mu       sync.Mutex
	orders   map[string]*placed // by order ID
	latency  []time.Duration    // intake latency of first acceptances
	rejected []string           // answers no client should get (4xx other than 409, 429)

	requests, accepted, shed, replayed, conflicts, unavailable, failed, resent atomic.Uint64
}

func newClients(url string, seed uint64, run string) *clients {
	return &clients{
		run:    run,
		url:    url,
		http:   &http.Client{Timeout: clientTimeout, Transport: &http.Transport{MaxIdleConnsPerHost: maxInFlight}},
		rng:    newLockedRand(seed),
		sem:    make(chan struct{}, maxInFlight),
		orders: make(map[string]*placed),
	}
}

// send places orders at perSecond until ctx ends; each order is followed
// until accepted or until stop ends.
func (c *clients) send(ctx, stop context.Context, perSecond int) {
	t := time.NewTicker(time.Second / time.Duration(perSecond))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		select {
		case <-ctx.Done():
			return
		case c.sem <- struct{}{}:
		}
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			defer func() { <-c.sem }()
			c.place(stop, fmt.Sprintf("%s-%06d", c.run, c.next.Add(1)))
		}()
	}
}

// wait waits for every order's client to finish, then closes their
// connections.
func (c *clients) wait() {
	c.wg.Wait()
	c.http.CloseIdleConnections()
}

// place sends one order until the intake accepts it, then, for some, once
// more with the same key.
func (c *clients) place(stop context.Context, key string) {
	body, _ := json.Marshal(orderRequest{Item: "book", Cents: 100 + c.rng.intN(9900)})
	p := &placed{id: orderID(key), first: time.Now()}
	c.mu.Lock()
	c.orders[p.id] = p
	c.mu.Unlock()
	for stop.Err() == nil {
		status, _, wait := c.post(stop, key, body)
		if status/100 == 2 {
			c.acceptedAt(p)
			if c.rng.float() < dupRate {
				c.resent.Add(1)
				c.post(stop, key, body)
			}
			return
		}
		if status/100 == 4 && status != http.StatusConflict && status != http.StatusTooManyRequests {
			c.mu.Lock()
			c.rejected = append(c.rejected, fmt.Sprintf("%s: %d", key, status))
			c.mu.Unlock()
			return
		}
		sleep(stop, wait+time.Duration(c.rng.intN(100))*time.Millisecond)
	}
}

// post sends one request and returns its status (0 for no answer),
// whether it was a replay, and how long to wait before a resend.
func (c *clients) post(ctx context.Context, key string, body []byte) (status int, replay bool, wait time.Duration) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url+ordersPath, bytes.NewReader(body))
	if err != nil {
		return 0, false, 0
	}
	req.Header.Set(idempotency.HeaderKey, key)
	req.Header.Set("Content-Type", "application/json")
	c.requests.Add(1)
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		c.failed.Add(1) // the intake is down, or did not answer in time
		return 0, false, 50 * time.Millisecond
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	replay = resp.Header.Get(idempotency.HeaderReplayed) == "true"
	switch {
	case resp.StatusCode/100 == 2 && replay:
		c.replayed.Add(1)
	case resp.StatusCode/100 == 2:
		c.mu.Lock()
		c.latency = append(c.latency, time.Since(start))
		c.mu.Unlock()
	case resp.StatusCode == http.StatusTooManyRequests:
		c.shed.Add(1)
		return resp.StatusCode, false, retryAfter(resp, time.Second)
	case resp.StatusCode == http.StatusConflict:
		c.conflicts.Add(1) // the key's first request is still held
		return resp.StatusCode, false, retryAfter(resp, 200*time.Millisecond)
	default:
		c.unavailable.Add(1)
	}
	return resp.StatusCode, replay, 50 * time.Millisecond
}

// acceptedAt records an order's first acceptance.
func (c *clients) acceptedAt(p *placed) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p.accepted.IsZero() {
		p.accepted = time.Now()
		c.accepted.Add(1)
	}
}

// snapshot returns a copy of the orders and the latencies.
func (c *clients) snapshot() (map[string]placed, []time.Duration, []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	orders := make(map[string]placed, len(c.orders))
	for id, p := range c.orders {
		orders[id] = *p
	}
	return orders, append([]time.Duration(nil), c.latency...), append([]string(nil), c.rejected...)
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// retryAfter reads the answer's Retry-After, in seconds, as a client that
// honours it does; def without one.
func retryAfter(resp *http.Response, def time.Duration) time.Duration {
	if d, ok := retry.ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
		return d
	}
	return def
}

package idempotency_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"

	"github.com/holdfast-go/holdfast/idempotency"
)

func ExampleDo() {
	g, err := idempotency.New() // a MemoryStore; share an idempotency/redis Store between replicas
	if err != nil {
		log.Fatal(err)
	}
	charge := func(ctx context.Context) (string, error) {
		fmt.Println("charging card")
		return "receipt-1", nil
	}
	ctx := context.Background()
	for range 3 { // a client retrying the same payment
		receipt, replayed, err := idempotency.Do(ctx, g, "payment-42", "amount=100", charge)
		fmt.Println(receipt, replayed, err)
	}
	// Output:
	// charging card
	// receipt-1 false <nil>
	// receipt-1 true <nil>
	// receipt-1 true <nil>
}

func ExampleDo_keyReused() {
	g, err := idempotency.New()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	pay := func(ctx context.Context) (int, error) { return 100, nil }
	_, _, _ = idempotency.Do(ctx, g, "payment-42", "amount=100", pay)
	// The same key with another payload: refused, nothing runs.
	_, _, err = idempotency.Do(ctx, g, "payment-42", "amount=999", pay)
	fmt.Println(errors.Is(err, idempotency.ErrKeyReused))
	// Output:
	// true
}

func ExampleFinal() {
	g, err := idempotency.New()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	attempts := 0
	charge := func(ctx context.Context) (string, error) {
		attempts++
		if attempts == 1 {
			return "", errors.New("connection reset") // passing: the key is released
		}
		return "", idempotency.Final(errors.New("card declined")) // recorded and replayed
	}
	for range 3 {
		_, replayed, err := idempotency.Do(ctx, g, "payment-7", "", charge)
		fmt.Println(replayed, err)
	}
	fmt.Println("attempts:", attempts)
	// Output:
	// false connection reset
	// false card declined
	// true card declined
	// attempts: 2
}

// ledger stands for a system that fn writes to: it keeps, per key, the
// greatest fencing token it has seen and refuses writes with a smaller one.
type ledger struct {
	mu     sync.Mutex
	tokens map[string]uint64
}

func (l *ledger) write(key string, token uint64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if token < l.tokens[key] {
		return fmt.Errorf("stale token %d < %d", token, l.tokens[key])
	}
	l.tokens[key] = token
	return nil
}

func ExampleToken() {
	g, err := idempotency.New()
	if err != nil {
		log.Fatal(err)
	}
	l := &ledger{tokens: map[string]uint64{}}
	_, _, err = idempotency.Do(context.Background(), g, "transfer-9", "", func(ctx context.Context) (bool, error) {
		token, _ := idempotency.Token(ctx)
		// A holder that lost its lease has a smaller token than the one
		// that took the key over, so the ledger refuses its late write.
		return true, l.write("transfer-9", token)
	})
	fmt.Println(err)
	fmt.Println(l.write("transfer-9", 0)) // a late write from an older holder
	// Output:
	// <nil>
	// stale token 0 < 1
}

func ExampleMiddleware() {
	g, err := idempotency.New()
	if err != nil {
		log.Fatal(err)
	}
	mw, err := idempotency.Middleware(g, idempotency.WithScope(func(r *http.Request) string {
		return r.Header.Get("X-Account") // whoever authentication says sent the request
	}))
	if err != nil {
		log.Fatal(err)
	}
	orders := 0
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		orders++
		w.Header().Set("Location", fmt.Sprintf("/orders/%d", orders))
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, "order %d\n", orders)
	}))
	send := func(body string) {
		r := httptest.NewRequest(http.MethodPost, "/orders", strings.NewReader(body))
		r.Header.Set("Idempotency-Key", `"9f1c2a"`)
		r.Header.Set("X-Account", "acme")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Println(w.Code, w.Header().Get("Location"), w.Header().Get("Idempotent-Replayed"), strings.TrimSpace(w.Body.String()))
	}
	send(`{"sku":"apple"}`)
	send(`{"sku":"apple"}`) // a retry: replayed
	send(`{"sku":"pear"}`)  // the key reused for another order: 422
	// Output:
	// 201 /orders/1  order 1
	// 201 /orders/1 true order 1
	// 422   {"type":"about:blank","title":"Unprocessable Entity","status":422,"detail":"This Idempotency-Key was used with a different request; use a new key for a new request."}
}

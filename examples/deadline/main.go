// Command deadline carries a caller's time budget across HTTP: the client's
// transport writes what is left of its deadline in a header, the server's
// middleware reads it (capped by its own maximum), and the handler fails fast
// when the budget cannot cover its work.
package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"github.com/holdfast-go/holdfast/deadline"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "deadline:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	if len(args) > 0 {
		return fmt.Errorf("takes no arguments, got %q", args)
	}
	mw, err := deadline.Middleware(deadline.WithMaxTimeout(time.Second))
	if err != nil {
		return err
	}
	srv := httptest.NewServer(mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if deadline.Require(r.Context(), 300*time.Millisecond) != nil { // the work takes 300ms
			http.Error(w, "not enough time left, failing fast", http.StatusServiceUnavailable)
			return
		}
		left, _ := deadline.Remaining(r.Context())
		fmt.Fprintf(w, "served with a budget of about %v", left.Round(100*time.Millisecond))
	})))
	defer srv.Close()
	tr, err := deadline.Transport(&http.Transport{})
	if err != nil {
		return err
	}
	client := &http.Client{Transport: tr}
	defer client.CloseIdleConnections()
	for _, budget := range []time.Duration{5 * time.Second, 100 * time.Millisecond} {
		if err := get(ctx, client, srv.URL, budget, out); err != nil {
			return err
		}
	}
	return nil
}

// get makes one request with the given budget and prints the answer.
func get(ctx context.Context, client *http.Client, url string, budget time.Duration, out io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	fmt.Fprintf(out, "budget %v: %s: %s\n", budget, resp.Status, body)
	return err
}

package lifecycle

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
)

// serve starts srv on a loopback listener and returns its URL and a
// channel that gets Serve's error.
func serve(t *testing.T, srv *http.Server) (string, chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), served
}

func TestHTTPServerGraceful(t *testing.T) {
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})}
	url, served := serve(t, srv)
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	http.DefaultClient.CloseIdleConnections()
	if err := HTTPServer(srv)(context.Background()); err != nil {
		t.Errorf("HTTPServer stage = %v, want nil", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("Serve = %v, want ErrServerClosed", err)
	}
}

func TestHTTPServerCutShort(t *testing.T) {
	inHandler := make(chan struct{})
	release := make(chan struct{})
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(inHandler)
		<-release
	})}
	url, served := serve(t, srv)
	got := make(chan error, 1)
	go func() {
		resp, err := http.Get(url)
		if err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		got <- err
	}()
	<-inHandler
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // no time left: the request in flight is cut off
	if err := HTTPServer(srv)(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("HTTPServer stage = %v, want context.Canceled", err)
	}
	if err := <-got; err == nil {
		t.Errorf("request in flight = nil error, want its connection closed")
	}
	close(release)
	<-served
}

type shutdowner struct{ ctx context.Context }

func (s *shutdowner) Shutdown(ctx context.Context) error {
	s.ctx = ctx
	return errFailed
}

func TestShutdowner(t *testing.T) {
	var s shutdowner
	ctx := context.WithValue(context.Background(), shutdowner{}, 1)
	if err := Shutdowner(&s)(ctx); err != errFailed || s.ctx != ctx {
		t.Errorf("Shutdowner stage = %v with ctx %v, want errFailed with the stage's ctx", err, s.ctx)
	}
}

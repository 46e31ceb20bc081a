package lifecycle

import (
	"context"
	"errors"
	"io"
	"net/http"
)

// HTTPServer returns a stage that shuts srv down gracefully: it stops
// accepting connections and waits for the requests in flight, as
// [http.Server.Shutdown] does. If the stage's budget runs out first, it
// closes the connections that are left with [http.Server.Close] and
// returns the ctx's error. It returns nil for a nil srv, which
// [Shutdown.Add] refuses.
func HTTPServer(srv *http.Server) func(ctx context.Context) error {
	if srv == nil {
		return nil
	}
	return func(ctx context.Context) error {
		err := srv.Shutdown(ctx)
		if err != nil && ctx.Err() != nil {
			return errors.Join(err, srv.Close())
		}
		return err
	}
}

// Shutdowner returns a stage that calls x.Shutdown with the stage's ctx:
// for a queue's pool (through a small adapter if its Shutdown returns more
// than an error), a [Task], a [Supervisor], a gRPC gateway. It returns nil
// for a nil x, which [Shutdown.Add] refuses.
func Shutdowner(x interface {
	Shutdown(ctx context.Context) error
}) func(ctx context.Context) error {
	if x == nil {
		return nil
	}
	return x.Shutdown
}

// Closer returns a stage that calls c.Close, for things whose Close takes
// no ctx: a Redis client, a database handle, a cache, a file. The stage
// runs even once the deadline has passed, since closing is quick and
// leaving the thing open is worse. It returns nil for a nil c, which
// [Shutdown.Add] refuses.
func Closer(c io.Closer) func(ctx context.Context) error {
	if c == nil {
		return nil
	}
	return func(context.Context) error { return c.Close() }
}

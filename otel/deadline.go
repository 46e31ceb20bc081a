package holdfastotel

import (
	"net/http"

	"github.com/holdfast-go/holdfast/deadline"
)

// DeadlineMiddleware returns a middleware that records, in
// holdfast.deadline.budget, the time budget of each request it serves,
// under the server name given: place it inside [deadline.Middleware], which
// sets the budget the request carried as its ctx's deadline. A request
// without a deadline records nothing.
//
// Cost: one read of the ctx's deadline and one histogram value with a
// precomputed attribute set per request.
func (in *Instrumentation) DeadlineMiddleware(name string) (func(http.Handler) http.Handler, error) {
	if err := checkName("DeadlineMiddleware", name); err != nil {
		return nil, err
	}
	all := newAttrs(name)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if rem, ok := deadline.Remaining(r.Context()); ok {
				in.inst.deadlineBudget.Record(r.Context(), rem.Seconds(), all.rec...)
			}
			next.ServeHTTP(w, r)
		})
	}, nil
}

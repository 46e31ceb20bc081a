package breaker_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/holdfast-go/holdfast/breaker"
)

var errUnavailable = errors.New("service unavailable")

func Example() {
	b, err := breaker.New(
		breaker.WithName("inventory"),
		breaker.WithConsecutiveFailures(3),
		breaker.WithOpenDuration(30*time.Second),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	for i := range 5 {
		err := b.Do(ctx, func(context.Context) error {
			return errUnavailable // the dependency is down
		})
		var open *breaker.OpenError
		switch {
		case errors.As(err, &open):
			soon := open.Wait > 0 && open.Wait <= 30*time.Second
			fmt.Printf("call %d: rejected by %q, next probe within 30s: %t\n", i, open.Name, soon)
		case err != nil:
			fmt.Printf("call %d: %v\n", i, err)
		}
	}
	fmt.Println(b.State())
	// Output:
	// call 0: service unavailable
	// call 1: service unavailable
	// call 2: service unavailable
	// call 3: rejected by "inventory", next probe within 30s: true
	// call 4: rejected by "inventory", next probe within 30s: true
	// open
}

func ExampleExecute() {
	b, err := breaker.New()
	if err != nil {
		fmt.Println(err)
		return
	}
	price, err := breaker.Execute(context.Background(), b, func(context.Context) (float64, error) {
		return 9.99, nil
	})
	fmt.Println(price, err)
	// Output:
	// 9.99 <nil>
}

// A caller that cannot wrap its call in a function (a stream read to its
// end, an http.RoundTripper whose body is read later) uses Allow, then
// reports the outcome with done.
func ExampleBreaker_Allow() {
	b, err := breaker.New(breaker.WithConsecutiveFailures(1))
	if err != nil {
		fmt.Println(err)
		return
	}
	stream := func() error { return errUnavailable }

	done, err := b.Allow()
	if err != nil {
		fmt.Println("rejected:", err)
		return
	}
	err = stream() // any amount of work
	done(err)

	_, err = b.Allow()
	fmt.Println(errors.Is(err, breaker.ErrOpen))
	// Output:
	// true
}

func ExampleWithOnStateChange() {
	b, err := breaker.New(
		breaker.WithName("search"),
		breaker.WithFailureRate(0.5),
		breaker.WithCountWindow(10),
		breaker.WithMinimumCalls(4),
		breaker.WithOpenDuration(0), // probe at once, for the example
		breaker.WithOnStateChange(func(name string, from, to breaker.State) {
			fmt.Printf("%s: %v -> %v\n", name, from, to)
		}),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	for _, err := range []error{nil, errUnavailable, nil, errUnavailable} {
		_ = b.Do(ctx, func(context.Context) error { return err })
	}
	_ = b.Do(ctx, func(context.Context) error { return nil }) // the probe
	st := b.Stats()
	fmt.Println(st.State, st.Trips)
	// Output:
	// search: closed -> open
	// search: open -> half-open
	// search: half-open -> closed
	// closed 1
}

func ExampleBreaker_Reset() {
	b, err := breaker.New()
	if err != nil {
		fmt.Println(err)
		return
	}
	b.ForceOpen() // for maintenance: every call fails fast
	err = b.Do(context.Background(), func(context.Context) error { return nil })
	fmt.Println(err)
	b.Reset()
	fmt.Println(b.State())
	// Output:
	// breaker: forced open
	// closed
}

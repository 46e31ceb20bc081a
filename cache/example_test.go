package cache_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/holdfast-go/holdfast/cache"
)

type Account struct {
	ID   int
	Name string
}

// A Cache with the default in-memory Store: Set writes both tiers, Get
// reads the local tier first.
func ExampleCache() {
	ctx := context.Background()
	accounts, err := cache.New[Account]()
	if err != nil {
		panic(err)
	}
	defer accounts.Close()

	_ = accounts.Set(ctx, "account:1", Account{ID: 1, Name: "Ada"})
	u, err := accounts.Get(ctx, "account:1")
	fmt.Println(u.Name, err)

	_ = accounts.Delete(ctx, "account:1")
	_, err = accounts.Get(ctx, "account:1")
	fmt.Println(errors.Is(err, cache.ErrNotFound))

	st := accounts.Stats()
	fmt.Println("local hits:", st.LocalHits, "misses:", st.Misses)
	// Output:
	// Ada <nil>
	// true
	// local hits: 1 misses: 1
}

// GetOrLoad calls the loader once for a key in neither tier, and stores
// what it returns; later calls are served from the cache.
func ExampleCache_GetOrLoad() {
	ctx := context.Background()
	accounts, err := cache.New[Account]()
	if err != nil {
		panic(err)
	}
	defer accounts.Close()

	queries := 0
	loadAccount := func(ctx context.Context) (Account, error) {
		queries++ // SELECT ... FROM accounts WHERE id = 7
		return Account{ID: 7, Name: "Grace"}, nil
	}
	for range 3 {
		u, err := accounts.GetOrLoad(ctx, "account:7", loadAccount)
		fmt.Println(u.Name, err)
	}
	fmt.Println("database queries:", queries)
	// Output:
	// Grace <nil>
	// Grace <nil>
	// Grace <nil>
	// database queries: 1
}

// With WithNegativeTTL, a loader's ErrNotFound is remembered, so that
// lookups of a missing key do not reach the database every time.
func ExampleWithNegativeTTL() {
	ctx := context.Background()
	accounts, err := cache.New[Account](cache.WithNegativeTTL(cache.DefaultLocalTTL))
	if err != nil {
		panic(err)
	}
	defer accounts.Close()

	queries := 0
	loadAccount := func(ctx context.Context) (Account, error) {
		queries++
		return Account{}, fmt.Errorf("account 404: %w", cache.ErrNotFound)
	}
	for range 3 {
		_, err := accounts.GetOrLoad(ctx, "account:404", loadAccount)
		fmt.Println(err)
	}
	fmt.Println("database queries:", queries)
	// Output:
	// account 404: cache: not found
	// cache: not found
	// cache: not found
	// database queries: 1
}

// Two Caches sharing a Store, as two replicas of a service share Redis: a
// Set in one drops the key from the other's local tier.
func ExampleWithStore() {
	ctx := context.Background()
	shared, err := cache.NewMemoryStore(1000)
	if err != nil {
		panic(err)
	}
	invalidated := make(chan []string, 1)
	replicaA, _ := cache.New[string](cache.WithStore(shared))
	defer replicaA.Close()
	replicaB, _ := cache.New[string](cache.WithStore(shared),
		cache.WithOnInvalidate(func(keys []string) { invalidated <- keys }))
	defer replicaB.Close()

	_ = replicaA.Set(ctx, "greeting", "hello")
	fmt.Println("B dropped", <-invalidated)
	v, _ := replicaB.Get(ctx, "greeting") // from the shared Store
	fmt.Println(v)

	_ = replicaA.Set(ctx, "greeting", "bonjour")
	fmt.Println("B dropped", <-invalidated)
	v, _ = replicaB.Get(ctx, "greeting")
	fmt.Println(v)
	// Output:
	// B dropped [greeting]
	// hello
	// B dropped [greeting]
	// bonjour
}

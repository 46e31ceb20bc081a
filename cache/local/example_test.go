package local_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/holdfast-go/holdfast/cache/local"
)

func ExampleCache() {
	c, err := local.New[string, int](local.WithMaxEntries(10_000))
	if err != nil {
		panic(err)
	}
	defer c.Close()

	_ = c.Set("alice", 1)
	_ = c.Set("bob", 2)
	if v, ok := c.Get("alice"); ok {
		fmt.Println("alice:", v)
	}
	if _, ok := c.Get("carol"); !ok {
		fmt.Println("carol: not cached")
	}
	c.Delete("bob")

	st := c.Stats()
	fmt.Printf("len %d, hits %d, misses %d, hit ratio %.2f\n", c.Len(), st.Hits, st.Misses, st.HitRatio())
	// Output:
	// alice: 1
	// carol: not cached
	// len 1, hits 1, misses 1, hit ratio 0.50
}

func ExampleCache_SetWithTTL() {
	// Entries stored by Set live for a minute, less up to 10% so that entries
	// written together do not expire together.
	c, err := local.New[string, string](local.WithTTL(time.Minute), local.WithTTLJitter(0.1))
	if err != nil {
		panic(err)
	}
	defer c.Close()

	_ = c.Set("session", "default TTL: expires within 54s to 60s")
	_ = c.SetWithTTL("token", "own TTL: expires within 4.5s to 5s", 5*time.Second)
	_ = c.SetWithTTL("config", "no TTL: never expires", 0)
	for _, k := range []string{"session", "token", "config"} {
		v, _ := c.Get(k)
		fmt.Printf("%s: %s\n", k, v)
	}
	fmt.Println(c.SetWithTTL("bad", "", -time.Second))
	// Output:
	// session: default TTL: expires within 54s to 60s
	// token: own TTL: expires within 4.5s to 5s
	// config: no TTL: never expires
	// local: SetWithTTL: ttl must be >= 0, got -1s
}

func ExampleWithMaxCost() {
	// At most 1 KiB of values, each costing its length in bytes.
	c, err := local.New[string, []byte](
		local.WithMaxCost(1024, func(_ string, v []byte) int64 { return int64(len(v)) }),
	)
	if err != nil {
		panic(err)
	}
	defer c.Close()

	_ = c.Set("small", make([]byte, 100))
	_ = c.Set("medium", make([]byte, 500))
	err = c.Set("huge", make([]byte, 2048))
	fmt.Println(err)
	fmt.Println("refused for its cost:", errors.Is(err, local.ErrCost))
	fmt.Println("cost held:", c.Stats().Cost)
	// Output:
	// local: entry cost 2048 exceeds the bound 1024; entry not stored
	// refused for its cost: true
	// cost held: 600
}

func ExampleWithOnEvict() {
	c, err := local.New[string, int](
		local.WithMaxEntries(2),
		local.WithShards(1),
		local.WithOnEvict(func(k string, v int, r local.Reason) {
			fmt.Printf("%s=%d %s\n", k, v, r)
		}),
	)
	if err != nil {
		panic(err)
	}
	defer c.Close()

	_ = c.Set("a", 1)
	_ = c.Set("b", 2)
	c.Get("a")
	c.Get("a")
	_ = c.Set("c", 3) // full: b, never read, makes room
	_ = c.Set("d", 4) // full: d is kept, but a, read more often, stays over c
	_ = c.Set("a", 10)
	c.Delete("d")
	fmt.Println("declined:", c.Stats().Declined)
	// Output:
	// b=2 evicted
	// c=3 evicted
	// a=1 replaced
	// d=4 deleted
	// declined: 1
}

// Package redis is the Redis tier of holdfast's two-tier cache: a
// [cache.Store] and [cache.PubSub] on github.com/redis/go-redis/v9.
//
// Give [New] any go-redis client (a single node, a Sentinel failover client,
// a Cluster or a Ring, as a redis.UniversalClient) built with
// ContextTimeoutEnabled: true, and pass the [Store] to [cache.WithStore]:
//
//	rdb := redis.NewClient(&redis.Options{Addr: "localhost:6379", ContextTimeoutEnabled: true})
//	defer rdb.Close()
//	store, err := cacheredis.New(rdb, cacheredis.WithPrefix("myapp:"))
//	...
//	users, err := cache.New[User](cache.WithStore(store))
//	...
//	defer users.Close()
//
// Each cache.Cache on the Store subscribes to its invalidation channel (see
// [cache.WithInvalidation]); the Store prefixes channel names as it prefixes
// keys. The Store does not own the client: close the caches first, then the
// client.
//
// What a Redis round trip costs, and what the Store does when Redis is slow
// or down, is the cache's business: it bounds every call with its remote
// timeout, which go-redis honours only with ContextTimeoutEnabled (New
// checks it), and answers from its local tier and its loader meanwhile.
package redis

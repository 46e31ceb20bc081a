module github.com/holdfast-go/holdfast/benchmarks

go 1.26.0

replace github.com/holdfast-go/holdfast => ../

require (
	github.com/cenkalti/backoff/v4 v4.3.0
	github.com/cenkalti/backoff/v5 v5.0.3
	github.com/failsafe-go/failsafe-go v0.9.8
	github.com/holdfast-go/holdfast v0.0.0
)

require github.com/bits-and-blooms/bitset v1.24.4 // indirect

// Package rawcodec is the shared body of the RawCodec types of holdfast's
// packages (cache, idempotency): values of type string or []byte stored as
// their bytes, with no encoding. Each package keeps its own exported type,
// which names the package in its errors.
package rawcodec

import "fmt"

// Marshal returns the bytes of v, a string or a []byte; other types are an
// error that starts with pkg.
func Marshal(pkg string, v any) ([]byte, error) {
	switch v := v.(type) {
	case string:
		return []byte(v), nil
	case []byte:
		return v, nil
	default:
		return nil, fmt.Errorf("%s: RawCodec: cannot encode %T, only string and []byte", pkg, v)
	}
}

// Unmarshal stores a copy of data in v, a *string or a *[]byte; other
// types are an error that starts with pkg.
func Unmarshal(pkg string, data []byte, v any) error {
	switch v := v.(type) {
	case *string:
		*v = string(data)
	case *[]byte:
		*v = append([]byte(nil), data...)
	default:
		return fmt.Errorf("%s: RawCodec: cannot decode into %T, only *string and *[]byte", pkg, v)
	}
	return nil
}

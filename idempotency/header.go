package idempotency

import (
	"errors"
	"strconv"
	"strings"
)

// HeaderKey is the request header that carries an idempotency key, from
// the IETF draft "The Idempotency-Key HTTP Header Field"
// (draft-ietf-httpapi-idempotency-key-header).
const HeaderKey = "Idempotency-Key"

// HeaderReplayed is the response header that [Middleware] adds, with the
// value "true", to every response it replays instead of running the
// handler (Stripe's name for it).
const HeaderReplayed = "Idempotent-Replayed"

// MaxHeaderKeyLength is the longest key [Middleware] accepts in an
// Idempotency-Key header, in bytes, quotes excluded (Stripe's limit).
const MaxHeaderKeyLength = 255

// ParseKey returns the key in the value of an Idempotency-Key header. The
// draft makes the field a Structured Field String (RFC 9651), sent quoted
// ("8e03978e-40d5"), with \" and \\ as its only escapes and printable
// ASCII inside; clients in the wild also send it bare (8e03978e-40d5), so
// a value that does not start with a quote is taken as it is, and must
// hold only visible ASCII (no spaces, no quotes, no backslashes).
// Parameters after a quoted string (;a=1) are allowed and ignored, as
// RFC 9651 requires of a recipient that does not know them. Surrounding
// spaces are trimmed. The key must be 1 to [MaxHeaderKeyLength] bytes.
func ParseKey(value string) (string, error) {
	v := strings.Trim(value, " \t")
	var key string
	if strings.HasPrefix(v, `"`) {
		k, rest, err := parseSFString(v)
		if err != nil {
			return "", err
		}
		if rest = strings.TrimLeft(rest, " \t"); rest != "" && rest[0] != ';' {
			return "", errors.New("unexpected text after the quoted key")
		}
		key = k
	} else {
		for i := 0; i < len(v); i++ {
			if c := v[i]; c <= 0x20 || c >= 0x7f || c == '"' || c == '\\' {
				return "", errors.New("a bare key must hold only visible ASCII, without quotes or backslashes")
			}
		}
		key = v
	}
	switch {
	case key == "":
		return "", errors.New("the key is empty")
	case len(key) > MaxHeaderKeyLength:
		return "", errors.New("the key is longer than " + strconv.Itoa(MaxHeaderKeyLength) + " bytes")
	}
	return key, nil
}

// parseSFString parses the Structured Field String at the start of v
// (which starts with a quote) and returns it and the text after it.
func parseSFString(v string) (s, rest string, err error) {
	var b strings.Builder
	for i := 1; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '"':
			return b.String(), v[i+1:], nil
		case c == '\\':
			i++
			if i == len(v) || (v[i] != '"' && v[i] != '\\') {
				return "", "", errors.New(`a quoted key may escape only \" and \\`)
			}
			b.WriteByte(v[i])
		case c < 0x20 || c >= 0x7f:
			return "", "", errors.New("a quoted key must hold only printable ASCII")
		default:
			b.WriteByte(c)
		}
	}
	return "", "", errors.New("the quoted key has no closing quote")
}

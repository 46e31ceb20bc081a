package idempotency

import (
	"strings"
	"testing"
)

func TestParseKey(t *testing.T) {
	tests := []struct {
		value string
		want  string // "" for an error
	}{
		{`"8e03978e-40d5-43e8-bc93-6894a57f9324"`, "8e03978e-40d5-43e8-bc93-6894a57f9324"},
		{`8e03978e-40d5-43e8-bc93-6894a57f9324`, "8e03978e-40d5-43e8-bc93-6894a57f9324"},
		{`  "a b"  `, "a b"},
		{`"a\"b\\c"`, `a"b\c`},
		{`"k";ttl=5`, "k"},
		{`"k" ;x`, "k"},
		{`"k" x`, ""},
		{`"k`, ""},
		{`"a\nb"`, ""},
		{"\"a\tb\"", ""},
		{`""`, ""},
		{``, ""},
		{`a b`, ""},
		{`a"b`, ""},
		{`a\b`, ""},
		{"caf\u00e9", ""},
		{`"caf` + "\u00e9" + `"`, ""},
		{strings.Repeat("k", MaxHeaderKeyLength), strings.Repeat("k", MaxHeaderKeyLength)},
		{strings.Repeat("k", MaxHeaderKeyLength+1), ""},
		{`"` + strings.Repeat("k", MaxHeaderKeyLength+1) + `"`, ""},
	}
	for _, tt := range tests {
		got, err := ParseKey(tt.value)
		if got != tt.want || (err != nil) != (tt.want == "") {
			t.Errorf("ParseKey(%q) = %q, %v, want %q", tt.value, got, err, tt.want)
		}
	}
}

func FuzzParseKey(f *testing.F) {
	for _, s := range []string{`"abc"`, `abc`, `"a\"b"`, `"k";p=1`, `"`, ``} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		key, err := ParseKey(value)
		if err != nil {
			return
		}
		if key == "" || len(key) > MaxHeaderKeyLength {
			t.Fatalf("ParseKey(%q) = %q, outside the bounds", value, key)
		}
		if err := CheckKey(key); err != nil {
			t.Fatalf("ParseKey(%q) = %q, which CheckKey refuses: %v", value, key, err)
		}
		// A key quoted back (escaping \ and ") parses to itself.
		q := `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(key) + `"`
		if again, err := ParseKey(q); again != key || err != nil {
			t.Fatalf("ParseKey(%q) = %q, %v, want %q", q, again, err, key)
		}
	})
}

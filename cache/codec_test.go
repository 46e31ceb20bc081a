package cache

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestJSONCodec(t *testing.T) {
	type user struct {
		Name string
		Age  int
	}
	in := user{"ada", 36}
	b, err := JSONCodec{}.Marshal(in)
	if err != nil {
		t.Fatalf("Marshal() = %v", err)
	}
	var out user
	if err := (JSONCodec{}).Unmarshal(b, &out); err != nil || out != in {
		t.Errorf("Unmarshal(Marshal(%v)) = %v, %v, want %v, nil", in, out, err, in)
	}
	if _, err := (JSONCodec{}).Marshal(func() {}); err == nil {
		t.Error("Marshal(func) = nil error, want an error")
	}
}

func TestRawCodec(t *testing.T) {
	var c RawCodec
	b, err := c.Marshal("hello")
	if err != nil || string(b) != "hello" {
		t.Errorf("Marshal(string) = %q, %v", b, err)
	}
	b, err = c.Marshal([]byte("raw"))
	if err != nil || string(b) != "raw" {
		t.Errorf("Marshal([]byte) = %q, %v", b, err)
	}
	var s string
	if err := c.Unmarshal([]byte("hi"), &s); err != nil || s != "hi" {
		t.Errorf("Unmarshal(*string) = %q, %v", s, err)
	}
	src := []byte("bytes")
	var bs []byte
	if err := c.Unmarshal(src, &bs); err != nil || string(bs) != "bytes" {
		t.Errorf("Unmarshal(*[]byte) = %q, %v", bs, err)
	}
	src[0] = 'X'
	if string(bs) != "bytes" {
		t.Errorf("Unmarshal(*[]byte) aliases its input: %q", bs)
	}
	if _, err := c.Marshal(1); err == nil {
		t.Error("Marshal(int) = nil error, want an error")
	}
	var n int
	if err := c.Unmarshal([]byte("1"), &n); err == nil {
		t.Error("Unmarshal(*int) = nil error, want an error")
	}
}

func TestEnvelope(t *testing.T) {
	tests := []envelope{
		{payload: []byte(`{"a":1}`), freshUntil: 1_700_000_000_000_000_000},
		{payload: []byte{}, freshUntil: -5},
		{negative: true, freshUntil: 42, payload: []byte{}},
	}
	for _, tt := range tests {
		got, err := decodeEnvelope(tt.encode())
		if err != nil || !bytes.Equal(got.payload, tt.payload) || got.freshUntil != tt.freshUntil || got.negative != tt.negative {
			t.Errorf("decodeEnvelope(encode(%+v)) = %+v, %v, want the same, nil", tt, got, err)
		}
	}
	bad := [][]byte{
		nil,
		[]byte("short"),
		append([]byte{2, 0}, make([]byte, 8)...), // unknown version
		append([]byte{envVersion, 0x80}, make([]byte, 8)...),         // unknown flag
		append([]byte{envVersion, flagNegative}, make([]byte, 9)...), // negative with payload
	}
	for _, b := range bad {
		if _, err := decodeEnvelope(b); !errors.Is(err, ErrCorrupt) {
			t.Errorf("decodeEnvelope(%q) = %v, want ErrCorrupt", b, err)
		}
	}
}

func FuzzDecodeEnvelope(f *testing.F) {
	f.Add(envelope{payload: []byte("x"), freshUntil: 7}.encode())
	f.Add(envelope{negative: true}.encode())
	f.Add([]byte("garbage"))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := decodeEnvelope(b)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("decodeEnvelope error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		if !bytes.Equal(e.encode(), b) {
			t.Fatalf("encode(decodeEnvelope(%q)) = %q, want the input", b, e.encode())
		}
	})
}

// TestJSONCodecMatchesUnmarshal checks that JSONCodec.Unmarshal, which
// decodes small valid values with a pooled json.Decoder, gives what
// json.Unmarshal gives, errors included, call after call.
func TestJSONCodecMatchesUnmarshal(t *testing.T) {
	type user struct {
		ID   int    `json:"id"`
		Name string `json:"name"`
	}
	tests := []string{
		`{"id":1,"name":"a"}`,
		` {"id":2} `,
		"\n{\"name\":\"b\"}\t",
		`{"id":"x"}`,           // a type error
		`{"id":3,"name":"c"}x`, // trailing data
		`{"id":4} {"id":5}`,    // two values
		`{"id":`,               // truncated
		``,
		`null`,
		`{"id":6,"name":"` + strings.Repeat("z", 5000) + `"}`, // too big for the pool
		`{"id":7,"unknown":[1,2,{"a":null}]}`,
	}
	for round := range 3 { // pooled decoders are reused across rounds
		for _, in := range tests {
			var got, want user
			gotErr := JSONCodec{}.Unmarshal([]byte(in), &got)
			wantErr := json.Unmarshal([]byte(in), &want)
			if got != want || fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
				t.Errorf("round %d: Unmarshal(%.40q) = %+v, %v, want %+v, %v", round, in, got, gotErr, want, wantErr)
			}
		}
	}
	var n int
	if err := (JSONCodec{}).Unmarshal([]byte("12"), &n); err != nil || n != 12 {
		t.Errorf("Unmarshal(12) = %d, %v, want 12, nil (a number ends at the end of the input)", n, err)
	}
	if err := (JSONCodec{}).Unmarshal([]byte("34"), &n); err != nil || n != 34 {
		t.Errorf("Unmarshal(34) after a number = %d, %v, want 34, nil", n, err)
	}
	if raceEnabled {
		return // the race detector's sync.Pool drops decoders at random
	}
	var u user
	data := []byte(`{"id":1,"name":"a"}`)
	if a := testing.AllocsPerRun(100, func() { _ = JSONCodec{}.Unmarshal(data, &u) }); a > 1 {
		t.Errorf("Unmarshal of a small struct: %v allocations, want at most 1 (its string)", a)
	}
}

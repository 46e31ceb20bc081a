package lifecycle

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

func TestReportPrint(t *testing.T) {
	r := Report{Elapsed: 2500 * time.Millisecond, Stages: []StageReport{
		{Name: "http", Budget: 10 * time.Second, Duration: 2 * time.Second},
		{Name: "workers", Budget: 8 * time.Second, Duration: 500 * time.Millisecond, Err: errFailed},
		{Name: "redis", CutShort: true},
	}}
	var b bytes.Buffer
	if err := r.Print(&b); err != nil {
		t.Fatal(err)
	}
	want := `shutdown http               2s of 10s      ok
shutdown workers         500ms of 8s       error: failed
shutdown redis              0s of 0s       ok, past its budget
shutdown took 2.5s
`
	if b.String() != want {
		t.Errorf("Print wrote\n%s\nwant\n%s", b.String(), want)
	}
}

func TestReportErrAndCutShort(t *testing.T) {
	var r Report
	if r.Err() != nil || r.CutShort() {
		t.Errorf("empty Report: Err() = %v, CutShort() = %v, want nil, false", r.Err(), r.CutShort())
	}
	r.Stages = []StageReport{{Name: "a"}, {Name: "b", Err: errFailed, CutShort: true}}
	var se *StageError
	if err := r.Err(); !errors.As(err, &se) || se.Name != "b" || !se.CutShort || !r.CutShort() {
		t.Errorf("Err() = %v, CutShort() = %v, want b's StageError, true", err, r.CutShort())
	}
}

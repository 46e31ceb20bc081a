package lifecycle

import (
	"errors"
	"fmt"
	"io"
	"time"
)

// Report is what a [Shutdown] did: each stage's budget, duration and
// error, and whether the deadline cut it short.
type Report struct {
	// Deadline is the overall deadline of the shutdown.
	Deadline time.Time
	// Elapsed is how long the whole shutdown took.
	Elapsed time.Duration
	// Stages holds one entry per stage, in the order they ran.
	Stages []StageReport
}

// StageReport is what one stage of a [Shutdown] did.
type StageReport struct {
	Name     string
	Budget   time.Duration // the time the stage was given (0: none was left)
	Duration time.Duration // how long it ran
	Err      error         // what it returned (a *PanicError if it panicked)
	// CutShort reports that the stage's ctx was done when it returned:
	// its budget ran out (or the ctx given to Run was cancelled) first.
	CutShort bool
}

// Err returns the stages' errors, each as a *[StageError], joined with
// [errors.Join]; nil if every stage returned nil.
func (r Report) Err() error {
	var errs []error
	for _, st := range r.Stages {
		if st.Err != nil {
			errs = append(errs, &StageError{Name: st.Name, Err: st.Err, Budget: st.Budget, CutShort: st.CutShort})
		}
	}
	return errors.Join(errs...)
}

// CutShort reports whether the deadline cut any stage short.
func (r Report) CutShort() bool {
	for _, st := range r.Stages {
		if st.CutShort {
			return true
		}
	}
	return false
}

// Print writes the report to w, one line per stage, for a log at exit.
func (r Report) Print(w io.Writer) error {
	for _, st := range r.Stages {
		status := "ok"
		switch {
		case st.Err != nil && st.CutShort:
			status = "cut short: " + st.Err.Error()
		case st.Err != nil:
			status = "error: " + st.Err.Error()
		case st.CutShort:
			status = "ok, past its budget"
		}
		if _, err := fmt.Fprintf(w, "shutdown %-12s %8v of %-8v %s\n", st.Name,
			st.Duration.Round(time.Millisecond), st.Budget.Round(time.Millisecond), status); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(w, "shutdown took %v\n", r.Elapsed.Round(time.Millisecond))
	return err
}

package lifecycle

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// errNilOption is returned for a nil option of any family.
var errNilOption = errors.New("lifecycle: nil Option")

// Defaults of the options.
const (
	// DefaultBackoffBase and DefaultBackoffMax are the first and the
	// largest restart delay of a [Supervisor] built without [WithBackoff].
	DefaultBackoffBase = 100 * time.Millisecond
	DefaultBackoffMax  = 30 * time.Second

	// DefaultHealthyAfter is how long a supervised function must run
	// before a failure counts as the first in a row again (see
	// [WithHealthyAfter]).
	DefaultHealthyAfter = 30 * time.Second

	// DefaultRestartLimit is how many restarts in a row a [Supervisor]
	// allows without [WithRestartLimit].
	DefaultRestartLimit = 10

	// DefaultTimeout is the overall deadline of a [Shutdown] built without
	// [WithTimeout]: 5s under the 30s Kubernetes grants a pod by default
	// between SIGTERM and SIGKILL.
	DefaultTimeout = 25 * time.Second

	// ExitCode is the code a second signal during a shutdown exits with
	// (see [Shutdown.NotifyContext]).
	ExitCode = 1
)

// TaskOption configures a [Task]; pass options to [NewTask].
type TaskOption interface {
	applyTask(*taskConfig) error
}

type taskOption func(*taskConfig) error

func (f taskOption) applyTask(c *taskConfig) error { return f(c) }

// taskConfig is what the task options set.
type taskConfig struct {
	jitter   float64
	atStart  bool
	overlap  Overlap
	final    bool
	onError  func(error)
	lease    Lease
	interval time.Duration
}

// Overlap is what a [Task] does when a run lasts past the time of the next
// one. A task never runs twice at once; the policy says when the next run
// starts.
type Overlap int

const (
	// Skip drops the runs whose time passed while a run was still going,
	// counting them in [TaskStats].Skipped; the next run starts at the
	// next time on the schedule. The rate of runs never exceeds the
	// schedule's. This is the default.
	Skip Overlap = iota
	// Delay starts the next run as soon as the late one returns, counting
	// it in [TaskStats].Delayed; the schedule continues from that start.
	// A task slower than its interval then runs back to back.
	Delay
)

// String returns the name of the policy, such as "Skip".
func (o Overlap) String() string {
	switch o {
	case Skip:
		return "Skip"
	case Delay:
		return "Delay"
	default:
		return fmt.Sprintf("Overlap(%d)", int(o))
	}
}

// WithJitter spreads the runs of a [Task]: each wait between two runs is
// drawn uniformly from interval × [1−f, 1+f], so replicas started together
// drift apart instead of hitting a shared dependency at the same instant,
// while the mean rate stays one run per interval. f must be in [0, 1]; the
// default is 0, a fixed interval.
func WithJitter(f float64) TaskOption {
	return taskOption(func(c *taskConfig) error {
		if !(f >= 0 && f <= 1) {
			return fmt.Errorf("lifecycle: WithJitter: jitter must be in [0, 1], got %v", f)
		}
		c.jitter = f
		return nil
	})
}

// WithRunAtStart makes a [Task] run once as soon as it starts, instead of
// one interval later.
func WithRunAtStart() TaskOption {
	return taskOption(func(c *taskConfig) error {
		c.atStart = true
		return nil
	})
}

// WithOverlap sets what a [Task] does when a run lasts past the next one's
// time: [Skip] (the default) or [Delay].
func WithOverlap(o Overlap) TaskOption {
	return taskOption(func(c *taskConfig) error {
		if o != Skip && o != Delay {
			return fmt.Errorf("lifecycle: WithOverlap: unknown policy %v", o)
		}
		c.overlap = o
		return nil
	})
}

// WithFinalRun makes [Task.Shutdown] run the function once more after
// stopping the schedule, with the ctx given to Shutdown, so that the task
// flushes what it gathered within the shutdown's deadline. The deadline
// reaches the final run through its ctx only: Shutdown waits for the run
// to return, so a final run that ignores its ctx delays Shutdown past the
// deadline. It cannot be combined with [WithLease]: a flush runs on every
// replica.
func WithFinalRun() TaskOption {
	return taskOption(func(c *taskConfig) error {
		c.final = true
		return nil
	})
}

// WithOnError sets the hook that receives every error a run of a [Task]
// returns, and a *[PanicError] for every panic, on the task's goroutine
// after the run. Without it errors are only counted in [TaskStats].Failed.
// fn must not be nil.
func WithOnError(fn func(err error)) TaskOption {
	return taskOption(func(c *taskConfig) error {
		if fn == nil {
			return errors.New("lifecycle: WithOnError: hook must not be nil")
		}
		c.onError = fn
		return nil
	})
}

// WithLease makes a [Task] run only while it holds l, a lease shared with
// the other replicas (such as lifecycle/redis's Lease): once per cluster
// rather than once per replica. At each tick a replica that does not hold
// the lease tries to take it; the one that does runs at once and keeps the
// schedule for as long as it holds the lease. A run's ctx is cancelled if
// the lease is lost. l must not be nil.
func WithLease(l Lease) TaskOption {
	return taskOption(func(c *taskConfig) error {
		if l == nil {
			return errors.New("lifecycle: WithLease: lease must not be nil")
		}
		c.lease = l
		return nil
	})
}

// SupervisorOption configures a [Supervisor]; pass options to
// [NewSupervisor].
type SupervisorOption interface {
	applySupervisor(*supervisorConfig) error
}

type supervisorOption func(*supervisorConfig) error

func (f supervisorOption) applySupervisor(c *supervisorConfig) error { return f(c) }

// supervisorConfig is what the supervisor options set.
type supervisorConfig struct {
	base, max time.Duration
	healthy   time.Duration
	limit     int
	onRestart func(name string, err error, delay time.Duration)
}

// Unlimited, passed to [WithRestartLimit], lets a [Supervisor] restart a
// function forever.
const Unlimited = -1

// WithBackoff sets the restart delays of a [Supervisor]: the n-th restart
// in a row waits a time drawn uniformly from [d/2, d], d = min(max,
// base×2ⁿ⁻¹) (equal jitter: never less than half, so a crash loop cannot
// spin, and spread so that replicas do not restart in step). base must be
// > 0 and max ≥ base. The defaults are [DefaultBackoffBase] and
// [DefaultBackoffMax].
func WithBackoff(base, max time.Duration) SupervisorOption {
	return supervisorOption(func(c *supervisorConfig) error {
		if base <= 0 {
			return fmt.Errorf("lifecycle: WithBackoff: base must be > 0, got %v", base)
		}
		if max < base {
			return fmt.Errorf("lifecycle: WithBackoff: max must be >= base (%v), got %v", base, max)
		}
		c.base, c.max = base, max
		return nil
	})
}

// WithHealthyAfter sets how long a supervised function must run before it
// counts as healthy: a failure after that is the first in a row again, so
// its restart waits the shortest delay and the count towards
// [WithRestartLimit] starts over. d must be > 0; the default is
// [DefaultHealthyAfter].
func WithHealthyAfter(d time.Duration) SupervisorOption {
	return supervisorOption(func(c *supervisorConfig) error {
		if d <= 0 {
			return fmt.Errorf("lifecycle: WithHealthyAfter: duration must be > 0, got %v", d)
		}
		c.healthy = d
		return nil
	})
}

// WithRestartLimit sets how many times in a row a [Supervisor] restarts a
// failing function; the next failure fails the supervisor (see
// [Supervisor.Done]). n must be ≥ 0 (0: never restart) or [Unlimited];
// the default is [DefaultRestartLimit].
func WithRestartLimit(n int) SupervisorOption {
	return supervisorOption(func(c *supervisorConfig) error {
		if n < 0 && n != Unlimited {
			return fmt.Errorf("lifecycle: WithRestartLimit: limit must be >= 0 or Unlimited, got %d", n)
		}
		c.limit = n
		return nil
	})
}

// WithOnRestart sets the hook called before each restart with the name of
// the function, its failure (a *[PanicError] if it panicked) and the delay
// before it starts again, on the function's goroutine. fn must not be nil.
func WithOnRestart(fn func(name string, err error, delay time.Duration)) SupervisorOption {
	return supervisorOption(func(c *supervisorConfig) error {
		if fn == nil {
			return errors.New("lifecycle: WithOnRestart: hook must not be nil")
		}
		c.onRestart = fn
		return nil
	})
}

// ShutdownOption configures a [Shutdown]; pass options to [NewShutdown].
type ShutdownOption interface {
	applyShutdown(*shutdownConfig) error
}

type shutdownOption func(*shutdownConfig) error

func (f shutdownOption) applyShutdown(c *shutdownConfig) error { return f(c) }

// shutdownConfig is what the shutdown options set.
type shutdownConfig struct {
	timeout time.Duration
	signals []os.Signal
	exit    func(code int)
}

// WithTimeout sets the overall deadline of a [Shutdown], counted from the
// start of [Shutdown.Run]; a deadline on Run's ctx that comes sooner wins.
// d must be > 0; the default is [DefaultTimeout].
func WithTimeout(d time.Duration) ShutdownOption {
	return shutdownOption(func(c *shutdownConfig) error {
		if d <= 0 {
			return fmt.Errorf("lifecycle: WithTimeout: timeout must be > 0, got %v", d)
		}
		c.timeout = d
		return nil
	})
}

// WithSignals sets the signals that [Shutdown.NotifyContext] and
// [Shutdown.Wait] listen for; the default is SIGINT and SIGTERM. At least
// one signal, and no nil one, must be given.
func WithSignals(sig ...os.Signal) ShutdownOption {
	return shutdownOption(func(c *shutdownConfig) error {
		if len(sig) == 0 {
			return errors.New("lifecycle: WithSignals: no signal given")
		}
		for i, s := range sig {
			if s == nil {
				return fmt.Errorf("lifecycle: WithSignals: signal %d is nil", i)
			}
		}
		c.signals = append([]os.Signal(nil), sig...)
		return nil
	})
}

// WithExit sets the function a second signal calls to end the process
// during a shutdown (see [Shutdown.NotifyContext]); the default is
// os.Exit. Tests pass a function that records the call. fn must not be
// nil.
func WithExit(fn func(code int)) ShutdownOption {
	return shutdownOption(func(c *shutdownConfig) error {
		if fn == nil {
			return errors.New("lifecycle: WithExit: function must not be nil")
		}
		c.exit = fn
		return nil
	})
}

// StageOption configures one stage of a [Shutdown]; pass options to
// [Shutdown.Add].
type StageOption interface {
	applyStage(*stageConfig) error
}

type stageOption func(*stageConfig) error

func (f stageOption) applyStage(c *stageConfig) error { return f(c) }

// stageConfig is what the stage options set.
type stageConfig struct {
	share float64 // 0: all the time that remains
}

// WithShare limits a stage to a share f of the shutdown's overall budget
// (the time from the start of [Shutdown.Run] to its deadline), and never
// more than remains when the stage starts, so that a slow early stage
// cannot leave nothing to the ones after it. f must be in (0, 1]; by
// default a stage may use all the time that remains.
func WithShare(f float64) StageOption {
	return stageOption(func(c *stageConfig) error {
		if !(f > 0 && f <= 1) { // also refuses NaN
			return fmt.Errorf("lifecycle: WithShare: share must be in (0, 1], got %v", f)
		}
		c.share = f
		return nil
	})
}

func defaultShutdownConfig() shutdownConfig {
	return shutdownConfig{
		timeout: DefaultTimeout,
		signals: []os.Signal{os.Interrupt, syscall.SIGTERM},
		exit:    os.Exit,
	}
}

func defaultSupervisorConfig() supervisorConfig {
	return supervisorConfig{
		base: DefaultBackoffBase, max: DefaultBackoffMax,
		healthy: DefaultHealthyAfter, limit: DefaultRestartLimit,
	}
}

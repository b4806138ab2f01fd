package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"sync"

	"github.com/go-co-op/gocron/v2"
	"github.com/google/uuid"
	"github.com/jonboulle/clockwork"
)

// Jobs is the daemon's gocron scheduler, with jobs kept by name so a config reload updates a job rather than
// adding a second one.
type Jobs struct {
	cron gocron.Scheduler
	log  *slog.Logger
	mu   sync.Mutex
	ids  map[string]uuid.UUID
}

// NewJobs builds the scheduler on clock. With an elector, only the elected replica runs jobs.
func NewJobs(clock clockwork.Clock, elector gocron.Elector, log *slog.Logger) (*Jobs, error) {
	opts := []gocron.SchedulerOption{gocron.WithClock(clock)}
	if elector != nil {
		opts = append(opts, gocron.WithDistributedElector(elector))
	}
	s, err := gocron.NewScheduler(opts...)
	if err != nil {
		return nil, fmt.Errorf("scheduler: %w", err)
	}
	return &Jobs{cron: s, log: log, ids: map[string]uuid.UUID{}}, nil
}

// Set makes the job called name run fn on def. Jobs run one at a time per name (a run still going when the next is
// due is skipped, not queued), and a panic is logged instead of crashing the daemon.
func (j *Jobs) Set(name string, def gocron.JobDefinition, fn func(ctx context.Context) error, extra ...gocron.JobOption) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	task := gocron.NewTask(func(ctx context.Context) error { return fn(ctx) })
	// Update drops options given earlier, so every option is passed every time.
	opts := []gocron.JobOption{
		gocron.WithName(name),
		gocron.WithSingletonMode(gocron.LimitModeReschedule),
		gocron.WithEventListeners(
			gocron.AfterJobRunsWithPanic(func(_ uuid.UUID, job string, recovered any) {
				j.log.Error("job panicked", "component", "scheduler", "job", job, "panic", fmt.Sprint(recovered))
			}),
			gocron.AfterJobRunsWithError(func(_ uuid.UUID, job string, err error) {
				j.log.Error("job failed", "component", "scheduler", "job", job, "err", err)
			}),
		),
	}
	opts = append(opts, extra...)
	if id, ok := j.ids[name]; ok {
		if _, err := j.cron.Update(id, def, task, opts...); err != nil {
			return fmt.Errorf("update job %s: %w", name, err)
		}
		return nil
	}
	job, err := j.cron.NewJob(def, task, opts...)
	if err != nil {
		return fmt.Errorf("add job %s: %w", name, err)
	}
	j.ids[name] = job.ID()
	return nil
}

// Retain removes every job whose name is not listed (a source removed from the config).
func (j *Jobs) Retain(names ...string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	keep := map[string]bool{}
	for _, n := range names {
		keep[n] = true
	}
	for name, id := range j.ids {
		if !keep[name] {
			if err := j.cron.RemoveJob(id); err != nil {
				j.log.Warn("remove job", "component", "scheduler", "job", name, "err", err)
			}
			delete(j.ids, name)
		}
	}
}

// Names returns the names of the jobs, sorted.
func (j *Jobs) Names() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	names := make([]string, 0, len(j.ids))
	for n := range j.ids {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Start starts running jobs.
func (j *Jobs) Start() { j.cron.Start() }

// Shutdown stops the scheduler, cancelling the contexts of running jobs and waiting for them.
func (j *Jobs) Shutdown(ctx context.Context) error {
	done := make(chan error, 1)
	go func() { done <- j.cron.Shutdown() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

package cli

import (
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/directory"
)

type provisionRunOptions struct {
	Watch           bool
	Every           time.Duration
	Create          bool
	RequireStartTLS bool
}

func newProvisionCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "provision",
		Short: "Directory (LDAP) writes of active accounts: list, show, run, retry",
		Long: `When SCOLPASS_LDAP_URL is set, the step that makes an account active, and every
later change of its redirect, queue a directory job in the same transaction.
The command that queued it tries it right away; what could not be written
(directory down) is retried by provision run with a growing delay (1 min, 2,
4, … up to 6 h); a refusal that cannot succeed (no such entry, insufficient
access, schema or constraint violation) is marked failed with the
directory's message, until provision retry. A job holds no password: the
account's argon2id hash is read when the job runs.`,
		Example: `  scolpass provision list --status failed
  scolpass provision show 12
  scolpass provision run
  scolpass provision run --watch --every 30s
  scolpass provision retry 12
  scolpass provision retry --all-failed`,
	}
	cmd.AddCommand(newProvisionListCmd(env), newProvisionShowCmd(env), newProvisionRunCmd(env),
		newProvisionRetryCmd(env), newProvisionQueueCmd(env))
	return cmd
}

func newProvisionListCmd(env *Env) *cobra.Command {
	var status, login string
	list := &cobra.Command{
		Use:   "list",
		Short: "List the directory jobs",
		Example: `  scolpass provision list
  scolpass provision list --status pending -o json
  scolpass provision list --login jean.dupont`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			st, ok := jobStatusOf("directory", status)
			if !ok {
				return usagef("--status must be pending, done or failed")
			}
			db, err := env.open(cmd.Context(), false)
			if err != nil {
				return err
			}
			js, err := db.ListProvisionJobs(cmd.Context(), st, login)
			if err != nil {
				return err
			}
			return writeJobs(env, "directory", js, "no directory job matches")
		},
	}
	list.Flags().StringVar(&status, "status", "", "only pending, done or failed jobs")
	list.Flags().StringVar(&login, "login", "", "only the jobs of this account")
	return list
}

func newProvisionShowCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:     "show ID",
		Short:   "Show one directory job",
		Example: `  scolpass provision show 12 -o json`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return usagef("%q is not a job ID (see scolpass provision list)", args[0])
			}
			db, err := env.open(cmd.Context(), false)
			if err != nil {
				return err
			}
			j, err := db.ProvisionJobByID(cmd.Context(), id)
			if err != nil {
				return err
			}
			return writeJob(env, j, "", false)
		},
	}
}

func newProvisionRunCmd(env *Env) *cobra.Command {
	ro := &provisionRunOptions{}
	run := &cobra.Command{
		Use:   "run",
		Short: "Apply the directory jobs that are due",
		Long: `Apply every directory job that is due, over one LDAP connection. Exit 0 when
all were written, 4 when some are to retry or failed, 1 when the directory
could not be reached at all. --watch keeps running, every --every, until
interrupted. Several runs at once never apply one job twice at once.`,
		Example: `  scolpass provision run
  scolpass provision run --create
  scolpass provision run --watch --every 30s`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if ro.Every <= 0 {
				return usagef("--every must be a positive duration")
			}
			return runProvisionRun(cmd, env, ro)
		},
	}
	run.Flags().BoolVar(&ro.Watch, "watch", false, "keep running until interrupted")
	run.Flags().DurationVar(&ro.Every, "every", time.Minute, "with --watch: how often to look for due jobs")
	run.Flags().BoolVar(&ro.Create, "create", false, "create a missing entry (else the job fails)")
	run.Flags().BoolVar(&ro.RequireStartTLS, "require-starttls", false, "ldap://: refuse to go on in clear when StartTLS fails")
	return run
}

func newProvisionRetryCmd(env *Env) *cobra.Command {
	var allFailed bool
	retry := &cobra.Command{
		Use:   "retry ID|--all-failed",
		Short: "Make a failed (or waiting) job due again",
		Long: `Make a job due again, once what made the directory refuse it is fixed (the
entry created, the rights granted): a failed job becomes pending and a
waiting one is tried at the next run. provision run then applies it.`,
		Example: `  scolpass provision retry 12
  scolpass provision retry --all-failed && scolpass provision run`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if (len(args) == 1) == allFailed {
				return usagef("give either a job ID or --all-failed")
			}
			var id int64
			if len(args) == 1 {
				n, err := strconv.ParseInt(args[0], 10, 64)
				if err != nil {
					return usagef("%q is not a job ID (see scolpass provision list)", args[0])
				}
				id = n
			}
			return runProvisionRetry(cmd, env, id, allFailed)
		},
	}
	retry.Flags().BoolVar(&allFailed, "all-failed", false, "every failed job")
	return retry
}

func newProvisionQueueCmd(env *Env) *cobra.Command {
	var unqueued bool
	queue := &cobra.Command{
		Use:   "queue LOGIN…|--unqueued",
		Short: "Queue a directory write of active accounts",
		Long: `Queue a directory write of the named active accounts (to write them again,
e.g. after a directory restore), or with --unqueued of every active account
that never had one (accounts activated before SCOLPASS_LDAP_URL was set).
provision run then applies them.`,
		Example: `  scolpass provision queue --unqueued && scolpass provision run
  scolpass provision queue jean.dupont`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if (len(args) > 0) == unqueued {
				return usagef("give either logins or --unqueued")
			}
			return runProvisionQueue(cmd, env, args, unqueued)
		},
	}
	queue.Flags().BoolVar(&unqueued, "unqueued", false, "every active account that never had a directory job")
	return queue
}

func runProvisionRun(cmd *cobra.Command, env *Env, opts *provisionRunOptions) error {
	ctx := cmd.Context()
	cfg, err := env.config()
	if err != nil {
		return err
	}
	dir, err := env.directoryConfig()
	if err != nil {
		return err
	}
	if dir == nil {
		return usagef("SCOLPASS_LDAP_URL is not set: provisioning is off (see scolpass --help)")
	}
	dir.Create = dir.Create || opts.Create
	dir.RequireStartTLS = dir.RequireStartTLS || opts.RequireStartTLS
	db, err := env.open(ctx, false)
	if err != nil {
		return err
	}
	if opts.Watch {
		fmt.Fprintf(env.Stderr, "applying directory jobs every %s; Ctrl-C stops\n", opts.Every)
		wait, err := env.startProvisioning(ctx, db, *dir, cfg, opts.Every, func(s directory.Summary, err error) {
			if err != nil {
				fmt.Fprintf(env.Stderr, "provision: %s\n", messageOf(err))
				return
			}
			fmt.Fprintf(env.Stderr, "%s %d written, %d to retry, %d failed\n", time.Now().In(activation.Zone()).Format("15:04:05"), s.Done, s.Retry, s.Failed)
		})
		if err != nil {
			return err
		}
		wait() // until interrupted: the normal end of --watch
		return nil
	}
	r, err := env.runner(db, *dir, cfg)
	if err != nil {
		return err
	}
	defer r.Close()
	r.Report = func(j activation.Job) {
		if j.Status() != activation.JobDone {
			reportJob(env, j)
		}
	}
	sum, err := r.RunOnce(ctx)
	if err != nil {
		return err
	}
	if env.Output == "json" {
		if err := writeJSON(env.Stdout, map[string]int{"done": sum.Done, "retry": sum.Retry, "failed": sum.Failed}); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(env.Stdout, "%d written, %d to retry, %d failed\n", sum.Done, sum.Retry, sum.Failed)
	}
	switch {
	case sum.Done == 0 && sum.Retry > 0:
		return activation.Errorf(activation.EINTERNAL, "the directory could not be written (%s): every job stays queued", sum.Last)
	case sum.Retry > 0 || sum.Failed > 0:
		return &silentError{code: ExitPartial}
	}
	return nil
}

func runProvisionRetry(cmd *cobra.Command, env *Env, id int64, allFailed bool) error {
	ce, err := env.setup(cmd.Context())
	if err != nil {
		return err
	}
	ids, err := ce.db.RetryProvisionJobs(cmd.Context(), id, allFailed, ce.now)
	if err != nil {
		return err
	}
	if env.Output == "json" {
		if ids == nil {
			ids = []int64{}
		}
		return writeJSON(env.Stdout, map[string][]int64{"retry": ids})
	}
	fmt.Fprintf(env.Stdout, "%d job(s) due again: scolpass provision run applies them\n", len(ids))
	return nil
}

func runProvisionQueue(cmd *cobra.Command, env *Env, keys []string, unqueued bool) error {
	ce, err := env.setup(cmd.Context())
	if err != nil {
		return err
	}
	for i, k := range keys {
		keys[i] = ce.cfg.LoginOf(k)
	}
	queued, err := ce.db.QueueProvisionFor(cmd.Context(), keys, unqueued, ce.now)
	if err != nil {
		return err
	}
	if env.Output == "json" {
		if queued == nil {
			queued = []string{}
		}
		return writeJSON(env.Stdout, map[string][]string{"queued": queued})
	}
	fmt.Fprintf(env.Stdout, "%d account(s) queued: scolpass provision run writes them\n", len(queued))
	return nil
}

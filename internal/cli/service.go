package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/postgres"
)

// accountRun is what a command acting on accounts needs: the activation
// service on the database (its store records who acts, for the audit) and
// the clock.
type accountRun struct {
	svc *activation.Service
	now time.Time
	db  *postgres.DB
}

// cmdEnv is what a command working on the database needs: the
// configuration, the clock of the run and the database, set up one way for
// every command (setup).
type cmdEnv struct {
	cfg activation.Config
	now time.Time
	db  *postgres.DB
}

// setup reads the configuration and the clock and opens the (migrated)
// database.
func (env *Env) setup(ctx context.Context) (*cmdEnv, error) {
	cfg, err := env.config()
	if err != nil {
		return nil, err
	}
	now, err := env.now()
	if err != nil {
		return nil, err
	}
	db, err := env.open(ctx, false)
	if err != nil {
		return nil, err
	}
	return &cmdEnv{cfg: cfg, now: now, db: db}, nil
}

// accountService sets up the activation service for one command run
// through channel.
func (env *Env) accountService(ctx context.Context, channel string) (*accountRun, error) {
	ce, err := env.setup(ctx)
	if err != nil {
		return nil, err
	}
	cfg, db := ce.cfg, ce.db
	// Provisioning on (cfg.Provision): the steps queue directory jobs,
	// tried right after the command's commit. A directory setting in error
	// does not stop the step: its job waits for provision run.
	if cfg.Provision {
		dir, derr := env.directoryConfig()
		env.afterCommit = func(login string) {
			if derr != nil {
				if jobs, err := db.ListProvisionJobs(ctx, "pending", cfg.LoginOf(login)); err != nil || len(jobs) == 0 {
					return
				}
				fmt.Fprintf(env.Stderr, "directory: not written now (%s): the job stays queued for scolpass provision run\n", messageOf(derr))
				return
			}
			env.provisionAfter(ctx, db, *dir, cfg.MailDomain, cfg.LoginOf(login))
		}
	}
	return &accountRun{
		svc: &activation.Service{Store: &postgres.AccountStore{DB: ce.db, Actor: env.actor(channel)}, Config: ce.cfg},
		now: ce.now,
		db:  ce.db,
	}, nil
}

// login accepts a login with or without the university domain.
func (r *accountRun) login(s string) string {
	return r.svc.Config.LoginOf(s)
}

// finish prints where a step left the account and turns a pause (a link to
// follow) into exit 3.
func (env *Env) finish(out *activation.Outcome, err error) error {
	paused := activation.ErrorCode(err) == activation.EPAUSED
	if out != nil && (err == nil || paused) {
		if perr := printOutcome(env, out); perr != nil {
			return perr
		}
		if env.afterCommit != nil {
			env.afterCommit(out.Login)
		}
	}
	if paused {
		fmt.Fprintf(env.Stderr, "paused: %s\n", termSafeText(activation.ErrorMessage(err)))
		return &silentError{code: ExitPaused}
	}
	return err
}

package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/postgres"
)

// accountRun is what a command acting on accounts needs: the activation
// service on the store (which records who acts, for the audit), the clock
// and the store's other views.
type accountRun struct {
	svc   *activation.Service
	now   time.Time
	store Store
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
	se, err := env.storeSetup(ctx)
	if err != nil {
		return nil, err
	}
	cfg := se.cfg
	// Provisioning on (cfg.Provision): the steps queue directory jobs,
	// tried right after the command's commit. A directory setting in error
	// does not stop the step: its job waits for provision run.
	if pg, ok := se.store.(pgStore); ok && cfg.Provision {
		db := pg.DB
		dir, derr := env.directoryConfig()
		env.afterCommit = func(login string) {
			if derr != nil {
				if jobs, err := db.ListProvisionJobs(ctx, "pending", cfg.LoginOf(login)); err != nil || len(jobs) == 0 {
					return
				}
				fmt.Fprintf(env.Stderr, "directory: not written now (%s): the job stays queued for scolpass provision run\n", messageOf(derr))
				return
			}
			env.provisionAfter(ctx, db, *dir, cfg, cfg.LoginOf(login))
		}
	}
	return &accountRun{
		svc:   &activation.Service{Store: se.store.Accounts(env.actor(channel)), Config: cfg},
		now:   se.now,
		store: se.store,
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

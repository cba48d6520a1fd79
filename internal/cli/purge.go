package cli

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/postgres"
)

// retentionEnv are the retention settings (README "Personal data").
var retentionEnv = []struct {
	Name string
	dst  func(*activation.Retention) *activation.Period
}{
	{"SCOLPASS_RETAIN_AUDIT", func(r *activation.Retention) *activation.Period { return &r.Audit }},
	{"SCOLPASS_RETAIN_MAIL", func(r *activation.Retention) *activation.Period { return &r.Mail }},
	{"SCOLPASS_RETAIN_FINISHED", func(r *activation.Retention) *activation.Period { return &r.Finished }},
	{"SCOLPASS_RETAIN_UNSEEN", func(r *activation.Retention) *activation.Period { return &r.Unseen }},
}

// retention reads the retention settings; a bad one is a usage error
// naming the setting.
func (env *Env) retention() (activation.Retention, error) {
	r := activation.DefaultRetention
	for _, s := range retentionEnv {
		v := strings.TrimSpace(env.Getenv(s.Name))
		if v == "" {
			continue
		}
		p, err := activation.ParsePeriod(v)
		if err != nil {
			return r, usagef("%s: %v", s.Name, err)
		}
		*s.dst(&r) = p
	}
	return r, nil
}

// PurgeOptions are the flags of scolpass purge.
type PurgeOptions struct {
	DryRun bool
	Batch  int
}

func newPurgeCmd(env *Env) *cobra.Command {
	o := &PurgeOptions{}
	cmd := &cobra.Command{
		Use:   "purge",
		Short: "Apply the retention settings: remove what scolpass no longer needs to keep",
		Long: `Remove what is past its retention (README "Personal data"):

  students         accounts never activated whose students have been absent from
                   every import for SCOLPASS_RETAIN_UNSEEN (default 13mo), with
                   everything attached to them (audit events, emails, links,
                   SCOL'PASS, sessions, directory jobs). Active accounts are never
                   removed by age. Nothing goes while no import came in that time.
  audit_events     audit events older than SCOLPASS_RETAIN_AUDIT (default 12mo)
  mail_bodies      bodies of emails delivered or given up more than
                   SCOLPASS_RETAIN_MAIL ago (default 30d); who, when and the kind stay
  links            emailed links used, revoked or expired,
  sessions         web sessions ended or idle, and
  directory_jobs   directory jobs done, more than SCOLPASS_RETAIN_FINISHED ago
                   (default 7d)

Lengths: a number and y, mo, w or d (12mo, 1y, 30d). It works in batches of
short transactions while serve is serving; an account in use is left for the
next run. Each real run writes one audit event (purge) with the counts. Run it
daily: serve does (--purge-every), or a timer.
--dry-run prints, by kind, what would go, and changes nothing.`,
		Example: `  scolpass purge --dry-run
  scolpass purge -o json
  SCOLPASS_RETAIN_AUDIT=6mo scolpass purge`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPurge(cmd.Context(), env, o)
		},
	}
	cmd.Flags().BoolVar(&o.DryRun, "dry-run", false, "count what would go, change nothing")
	cmd.Flags().IntVar(&o.Batch, "batch", 1000, "rows removed per transaction")
	return cmd
}

func runPurge(ctx context.Context, env *Env, o *PurgeOptions) error {
	if o.Batch < 1 {
		return usagef("--batch must be at least 1")
	}
	ret, err := env.retention()
	if err != nil {
		return err
	}
	ce, err := env.setup(ctx)
	if err != nil {
		return err
	}
	counts, err := ce.db.Purge(ctx, ret.Cutoffs(ce.now), postgres.PurgeOptions{DryRun: o.DryRun, Batch: o.Batch}, env.actor("script"), ce.now)
	if err != nil {
		return err
	}
	return writePurge(env, counts, o.DryRun)
}

// writePurge prints the counts: a table by kind, or JSON
// {"dry_run": bool, "counts": {kind: n}}.
func writePurge(env *Env, counts activation.PurgeCounts, dry bool) error {
	switch env.Output {
	case "json":
		return writeJSON(env.Stdout, struct {
			DryRun bool                   `json:"dry_run"`
			Counts activation.PurgeCounts `json:"counts"`
		}{dry, counts})
	}
	head := "removed"
	if dry {
		head = "would remove"
	}
	g := grid{Header: []string{"kind", head}}
	for _, k := range activation.PurgeKinds {
		g.Rows = append(g.Rows, []string{k, strconv.FormatInt(counts[k], 10)})
	}
	if env.Output == "csv" {
		return writeCSV(env.Stdout, g, false)
	}
	if err := writeTable(env.Stdout, g); err != nil {
		return err
	}
	if dry {
		fmt.Fprintln(env.Stderr, "dry run: nothing was removed")
	}
	return nil
}

// startPurge applies the retention settings an hour after the start (or
// after every, if shorter: a restart does not purge at once), then every
// interval until ctx ends (serve --purge-every; 0: never); the returned
// function waits for a purge in progress to end. Several instances may
// purge at once: each batch is its own short transaction and skips rows in
// use.
func (env *Env) startPurge(ctx context.Context, db *postgres.DB, every time.Duration, log *slog.Logger) (wait func()) {
	if every <= 0 {
		return func() {}
	}
	ret, err := env.retention()
	if err != nil {
		log.Error("purge off: bad retention setting", "err", messageOf(err))
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		first := time.NewTimer(min(every, time.Hour))
		defer first.Stop()
		select {
		case <-ctx.Done():
			return
		case <-first.C:
		}
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			now, _ := env.now()
			counts, err := db.Purge(ctx, ret.Cutoffs(now), postgres.PurgeOptions{}, env.actor("script"), now)
			if err != nil && ctx.Err() == nil {
				log.Error("purge", "err", activation.ErrorMessage(err))
			} else if err == nil {
				log.Info("purge", "counts", counts.Detail())
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return func() { <-done }
}

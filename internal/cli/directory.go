package cli

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/directory"
	"github.com/umontpellier/scolpass/internal/postgres"
)

// ldapEnv documents the directory settings (README "Directory (LDAP)").
var ldapEnv = []struct{ Name, Default, Meaning string }{
	{"SCOLPASS_LDAP_URL", "", "directory: ldap://host (StartTLS when offered), ldaps://host or ldapi://%2Fpath; unset: provisioning off"},
	{"SCOLPASS_LDAP_BIND_DN", "", "directory: account that writes the entries (unset with ldapi://: SASL EXTERNAL)"},
	{"SCOLPASS_LDAP_BIND_PASSWORD_FILE", "", "directory: file holding the bind password"},
	{"SCOLPASS_LDAP_BASE_DN", "", "directory: where the students' entries are searched (and created)"},
	{"SCOLPASS_LDAP_ATTRIBUTES", "built-in map", "directory: attribute mapping file"},
	{"SCOLPASS_LDAP_CONNECT_TIMEOUT", "5s", "directory: connection timeout (TLS included)"},
	{"SCOLPASS_LDAP_TIMEOUT", "10s", "directory: timeout of each LDAP operation"},
	{"SCOLPASS_LDAP_REQUIRE_STARTTLS", "0", "directory: 1 = refuse ldap:// in clear when StartTLS fails"},
	{"SCOLPASS_LDAP_CA_FILE", "system CAs", "directory: PEM file of the CAs to trust"},
	{"SCOLPASS_LDAP_CREATE", "0", "directory: 1 = create a missing entry"},
}

// provisioning reports whether a directory is configured (the steps then
// queue its jobs).
func (env *Env) provisioning() bool { return strings.TrimSpace(env.Getenv("SCOLPASS_LDAP_URL")) != "" }

// directoryConfig reads the directory settings; nil when SCOLPASS_LDAP_URL
// is unset (provisioning off). The bind password comes from a file only.
func (env *Env) directoryConfig() (*directory.Config, error) {
	get := func(name string) string { return strings.TrimSpace(env.Getenv(name)) }
	url := get("SCOLPASS_LDAP_URL")
	if url == "" {
		return nil, nil
	}
	c := &directory.Config{URL: url, BindDN: get("SCOLPASS_LDAP_BIND_DN"), BaseDN: get("SCOLPASS_LDAP_BASE_DN"),
		Map: directory.DefaultMapping(), CAFile: get("SCOLPASS_LDAP_CA_FILE"),
		ConnectTimeout: directory.DefaultConnectTimeout, Timeout: directory.DefaultTimeout}
	if c.BaseDN == "" {
		return nil, usagef("SCOLPASS_LDAP_BASE_DN is not set: where are the students' entries? (e.g. ou=people,dc=umontpellier,dc=fr)")
	}
	pw, ok, err := env.secret(secretLDAPBindPassword)
	if err != nil {
		return nil, err
	}
	if ok {
		c.BindPassword = pw
	} else if c.BindDN != "" {
		return nil, usagef("SCOLPASS_LDAP_BIND_DN is set but its password is not: give the credential ldap-bind-password or SCOLPASS_LDAP_BIND_PASSWORD_FILE")
	}
	if f := get("SCOLPASS_LDAP_ATTRIBUTES"); f != "" {
		m, err := directory.LoadMapping(f)
		if err != nil {
			return nil, usagef("SCOLPASS_LDAP_ATTRIBUTES: %v", err)
		}
		c.Map = m
	}
	for _, d := range []struct {
		name string
		dst  *time.Duration
	}{{"SCOLPASS_LDAP_CONNECT_TIMEOUT", &c.ConnectTimeout}, {"SCOLPASS_LDAP_TIMEOUT", &c.Timeout}} {
		if v := get(d.name); v != "" {
			t, err := time.ParseDuration(v)
			if err != nil || t <= 0 {
				return nil, usagef("%s=%q must be a duration such as 5s or 500ms", d.name, v)
			}
			*d.dst = t
		}
	}
	flag := func(name string, dst *bool) error {
		switch strings.ToLower(get(name)) {
		case "", "0", "false", "no":
		case "1", "true", "yes":
			*dst = true
		default:
			return usagef("%s must be 1 or 0", name)
		}
		return nil
	}
	if err := flag("SCOLPASS_LDAP_REQUIRE_STARTTLS", &c.RequireStartTLS); err != nil {
		return nil, err
	}
	if err := flag("SCOLPASS_LDAP_CREATE", &c.Create); err != nil {
		return nil, err
	}
	return c, nil
}

// runner sets up the job runner on the database for cfg; an account's
// university mailbox is its identifier (activation.Config.Identifier).
func (env *Env) runner(db *postgres.DB, cfg directory.Config, ids activation.Config) (*directory.Runner, error) {
	w, err := directory.NewWriter(cfg)
	if err != nil {
		return nil, usagef("%v", err)
	}
	r := &directory.Runner{Jobs: db.Provisioning, Writer: w, Mailbox: ids.Identifier}
	if env.Getenv("SCOLPASS_NOW") != "" {
		now, err := env.now()
		if err != nil {
			return nil, err
		}
		r.Now = func() time.Time { return now }
	}
	return r, nil
}

// provisionAfter tries, right after a step committed, the directory jobs
// it queued for the account: best effort, never failing the command; what
// is not written now is retried by `scolpass provision run`.
func (env *Env) provisionAfter(ctx context.Context, db *postgres.DB, cfg directory.Config, ids activation.Config, login string) {
	r, err := env.runner(db, cfg, ids)
	if err != nil {
		fmt.Fprintf(env.Stderr, "directory: %s\n", messageOf(err))
		return
	}
	defer r.Close()
	r.Report = func(j activation.Job) { reportJob(env, j) }
	if _, err := r.RunFor(ctx, login); err != nil {
		fmt.Fprintf(env.Stderr, "directory: not written now (%s): scolpass provision run will\n", messageOf(err))
	}
}

// reportJob tells on stderr what happened to a job just tried.
func reportJob(env *Env, j activation.Job) {
	switch j.Status() {
	case activation.JobDone:
		if j.Target != "" {
			fmt.Fprintf(env.Stderr, "directory: %s written to %s\n", j.Login, j.Target)
		} else {
			fmt.Fprintf(env.Stderr, "directory: %s %s\n", j.Login, j.LastError)
		}
	case activation.JobFailed:
		fmt.Fprintf(env.Stderr, "directory: %s REFUSED for good (job %d): %s\n", j.Login, j.ID, j.LastError)
	default:
		fmt.Fprintf(env.Stderr, "directory: %s not written yet (job %d, attempt %d), retry after %s: %s\n", j.Login, j.ID, j.Attempts,
			activation.ParisTime(j.NextAttemptAt), j.LastError)
	}
}

// directoryStatus is where an account stands in the directory, for show.
type directoryStatus struct {
	Status   string     `json:"status"` // "done", "pending", "failed" or "not queued"
	Job      int64      `json:"job,omitempty"`
	At       *time.Time `json:"at,omitempty"` // done or failed at
	DN       string     `json:"dn,omitempty"`
	Attempts int        `json:"attempts,omitempty"`
	Next     *time.Time `json:"next_attempt_at,omitempty"`
	Error    string     `json:"error,omitempty"`
}

func describeDirectory(j *activation.Job, active bool) *directoryStatus {
	if j == nil {
		if !active {
			return nil
		}
		return &directoryStatus{Status: "not queued"}
	}
	d := &directoryStatus{Status: string(j.Status()), Job: j.ID, DN: j.Target, Attempts: j.Attempts, Error: j.LastError}
	switch d.Status {
	case "done":
		d.At = j.DoneAt
	case "failed":
		d.At = j.FailedAt
	default:
		d.Next = &j.NextAttemptAt
	}
	return d
}

func (d *directoryStatus) String() string {
	f := activation.ParisTime
	switch d.Status {
	case "done":
		if d.DN == "" {
			return "done " + f(*d.At) + " (" + d.Error + ")"
		}
		return "done " + f(*d.At) + " (" + d.DN + ")"
	case "failed":
		return fmt.Sprintf("FAILED %s (job %d): %s — fix it, then scolpass provision retry %d", f(*d.At), d.Job, d.Error, d.Job)
	case "pending":
		s := "pending (job " + strconv.FormatInt(d.Job, 10)
		if d.Attempts > 0 {
			s += fmt.Sprintf(", %d attempt(s), next %s: %s", d.Attempts, f(*d.Next), d.Error)
		}
		return s + ")"
	}
	return "not in the directory: no job was ever queued"
}

// messageOf is the sentence of an error for a note on stderr.
func messageOf(err error) string {
	var ue *usageError
	if errors.As(err, &ue) {
		return ue.msg
	}
	return activation.ErrorMessage(err)
}

// startProvisioning applies the directory jobs in the background every
// `every` until ctx ends (provision run --watch; serve, whose web steps
// queue jobs like the command line: see directoryConfig for cfg). onRun,
// when set, hears each run's summary and database error; jobs not written
// are told on stderr. It returns a function that waits for the loop to
// end once ctx is done.
func (env *Env) startProvisioning(ctx context.Context, db *postgres.DB, cfg directory.Config, ids activation.Config, every time.Duration,
	onRun func(directory.Summary, error)) (wait func(), err error) {
	r, err := env.runner(db, cfg, ids)
	if err != nil {
		return nil, err
	}
	r.Report = func(j activation.Job) {
		if j.Status() != activation.JobDone {
			reportJob(env, j)
		}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer r.Close()
		_ = r.Watch(ctx, every, func(s directory.Summary, err error) {
			if ctx.Err() != nil {
				// Interrupted: not an error, but what the run did is told.
				if err = nil; s == (directory.Summary{}) {
					return
				}
			}
			if onRun != nil {
				onRun(s, err)
			} else if err != nil {
				fmt.Fprintf(env.Stderr, "directory: %s\n", messageOf(err))
			}
		})
	}()
	return func() { <-done }, nil
}

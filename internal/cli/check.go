package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/directory"
	"github.com/umontpellier/scolpass/internal/mail"
)

// CheckOptions are the flags of scolpass check.
type CheckOptions struct {
	Timeout time.Duration
}

// checkResult is one line of scolpass check.
type checkResult struct {
	Check  string `json:"check"`
	Status string `json:"status"` // "ok", "fail" or "off" (not configured, not needed)
	Detail string `json:"detail"`
	Fix    string `json:"fix,omitempty"`
}

// hashBudget is how long one new password may take to hash (step 7).
const hashBudget = time.Second

func newCheckCmd(env *Env) *cobra.Command {
	o := &CheckOptions{}
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Pre-flight: check the database, SMTP, directory, base URL, secrets, time zone and hashing cost",
		Long: `Check a set-up before the students come, one line per check with what to fix:

  database     reachable, and migrated to this scolpass's schema version
  smtp         SCOLPASS_SMTP_URL answers EHLO (STARTTLS when offered, login
               when the URL names a user); nothing is sent
  sender       SCOLPASS_MAIL_FROM is an address with a domain
  directory    (SCOLPASS_LDAP_URL set) binds as the service account, the base
               DN exists, an entry carries the search attribute (uid)
  base URL     SCOLPASS_BASE_URL (and SCOLPASS_ACTIVATION_URL) is https://, or
               loopback (rehearsals)
  secret NAME  each secret given (systemd credential or *_FILE) exists with
               mode 0600 or stricter; no password in clear in a URL
  time zone    the time zone database knows Europe/Paris (links end at 23:59 Paris)
  argon2       hashing a new password with the SCOLPASS_ARGON2_* settings takes
               under a second on this machine

Nothing is written anywhere. Exit 0 when every check passes, 1 when one
fails. The systemd unit runs it as ExecStartPre.`,
		Example: `  scolpass check
  scolpass check -o json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCheck(cmd.Context(), env, o)
		},
	}
	cmd.Flags().DurationVar(&o.Timeout, "timeout", 10*time.Second, "how long each network check may take")
	return cmd
}

func runCheck(ctx context.Context, env *Env, o *CheckOptions) error {
	var results []checkResult
	add := func(r checkResult) { results = append(results, r) }
	within := func(f func(ctx context.Context)) {
		c, cancel := context.WithTimeout(ctx, o.Timeout)
		defer cancel()
		f(c)
	}
	within(func(ctx context.Context) { add(env.checkDatabase(ctx)) })
	within(func(ctx context.Context) { add(env.checkSMTP(ctx, o.Timeout)) })
	add(env.checkSender())
	within(func(ctx context.Context) { add(env.checkDirectory(ctx)) })
	cfg, cfgErr := env.settings() // the secrets have their own lines below
	if cfgErr != nil {
		add(checkResult{Check: "settings", Status: "fail", Detail: messageOf(cfgErr), Fix: "correct the setting in /etc/scolpass/scolpass.env"})
	} else {
		add(checkBaseURL(cfg, env.Getenv("SCOLPASS_ACTIVATION_URL") != ""))
	}
	for _, s := range secretSpecs {
		add(env.checkSecret(s))
	}
	add(checkTimeZone(time.LoadLocation))
	if cfgErr == nil {
		add(checkArgon2(cfg.Argon2))
	}

	failed := 0
	for _, r := range results {
		if r.Status == "fail" {
			failed++
		}
	}
	switch env.Output {
	case "json":
		if err := writeJSON(env.Stdout, struct {
			Ready  bool          `json:"ready"`
			Checks []checkResult `json:"checks"`
		}{failed == 0, results}); err != nil {
			return err
		}
	default:
		g := grid{Header: []string{"CHECK", "RESULT", "DETAIL / WHAT TO DO"}}
		for _, r := range results {
			status, detail := r.Status, r.Detail
			if r.Status == "fail" {
				status = "FAIL"
				if r.Fix != "" {
					detail += " → " + r.Fix
				}
			}
			g.Rows = append(g.Rows, []string{r.Check, status, termSafe(detail)})
		}
		if env.Output == "csv" {
			if err := writeCSV(env.Stdout, g, false); err != nil {
				return err
			}
			break
		}
		// One line per check, however long its detail: no wrapped cells.
		for _, row := range append([][]string{g.Header}, g.Rows...) {
			fmt.Fprintf(env.Stdout, "%-26s %-6s %s\n", row[0], row[1], row[2])
		}
	}
	if failed > 0 {
		fmt.Fprintf(env.Stderr, "scolpass check: %d check(s) failed: not ready\n", failed)
		return &silentError{code: ExitError}
	}
	fmt.Fprintln(env.Stderr, "scolpass check: ready")
	return nil
}

func (env *Env) checkDatabase(ctx context.Context) checkResult {
	r := checkResult{Check: "database"}
	db, err := env.open(ctx, true)
	if err != nil {
		r.Status, r.Detail = "fail", messageOf(err)
		var ue *usageError
		if errors.As(err, &ue) {
			r.Fix = "see the secret lines below"
		} else {
			r.Fix = "set DATABASE_URL (postgres://scolpass@HOST/scolpass) in /etc/scolpass/scolpass.env, the password in the database-password credential"
		}
		return r
	}
	st, err := db.SchemaStatus(ctx)
	if err != nil {
		r.Status, r.Detail, r.Fix = "fail", messageOf(err), "give the scolpass role the right to read its database"
		return r
	}
	switch {
	case st.Dirty:
		r.Status, r.Detail, r.Fix = "fail", fmt.Sprintf("the schema is in a failed state (migration %d)", st.Current), "repair the failed migration, then run scolpass migrate"
	case st.Current == 0:
		r.Status, r.Detail, r.Fix = "fail", "reachable, but it has no scolpass schema", "run scolpass migrate"
	case st.Current < st.Latest:
		r.Status, r.Detail, r.Fix = "fail", fmt.Sprintf("schema at version %d, this scolpass needs %d", st.Current, st.Latest), "run scolpass migrate"
	case st.Current > st.Latest:
		r.Status, r.Detail, r.Fix = "fail", fmt.Sprintf("schema at version %d, newer than this scolpass (%d)", st.Current, st.Latest), "upgrade the scolpass package"
	default:
		r.Status, r.Detail = "ok", fmt.Sprintf("reachable, schema at version %d (this scolpass's)", st.Current)
	}
	return r
}

func (env *Env) checkSMTP(ctx context.Context, timeout time.Duration) checkResult {
	r := checkResult{Check: "smtp"}
	if strings.TrimSpace(env.Getenv("SCOLPASS_SMTP_URL")) == "" {
		r.Status, r.Detail, r.Fix = "fail", "SCOLPASS_SMTP_URL is not set: the emailed links would stay in the outbox",
			"set SCOLPASS_SMTP_URL=smtp://[USER@]HOST:587 in /etc/scolpass/scolpass.env"
		return r
	}
	u, _, err := env.mailSettings()
	if err != nil {
		r.Status, r.Detail, r.Fix = "fail", messageOf(err), "correct SCOLPASS_SMTP_URL or the smtp-password secret"
		return r
	}
	res, err := mail.Probe(ctx, u, nil, timeout)
	if err != nil {
		r.Status, r.Detail, r.Fix = "fail", err.Error(), "check SCOLPASS_SMTP_URL, the relay's firewall and the smtp-password secret"
		return r
	}
	r.Status, r.Detail = "ok", res.Where+" answers EHLO"
	if res.TLS {
		r.Detail += ", TLS"
	} else {
		r.Detail += ", no STARTTLS offered (in clear)"
	}
	if res.Authenticated {
		r.Detail += ", login accepted"
	}
	return r
}

func (env *Env) checkSender() checkResult {
	r := checkResult{Check: "sender"}
	from := strings.TrimSpace(env.Getenv("SCOLPASS_MAIL_FROM"))
	note := ""
	if from == "" {
		for _, c := range configEnv {
			if c.Name == "SCOLPASS_MAIL_FROM" {
				from = c.Default
			}
		}
		note = " (default)"
	}
	a, err := netmail.ParseAddress(from)
	if err != nil {
		r.Status, r.Detail, r.Fix = "fail", fmt.Sprintf("SCOLPASS_MAIL_FROM=%q is not an address: %v", from, err),
			`set SCOLPASS_MAIL_FROM="SCOL'PASS <no-reply@your-university.fr>"`
		return r
	}
	_, domain, _ := strings.Cut(a.Address, "@")
	if domain == "" || !strings.Contains(domain, ".") {
		r.Status, r.Detail, r.Fix = "fail", fmt.Sprintf("SCOLPASS_MAIL_FROM=%q has no domain", from),
			`set SCOLPASS_MAIL_FROM="SCOL'PASS <no-reply@your-university.fr>" (its domain must pass SPF/DKIM)`
		return r
	}
	r.Status, r.Detail = "ok", a.Address+note+", domain "+domain
	return r
}

func (env *Env) checkDirectory(ctx context.Context) checkResult {
	r := checkResult{Check: "directory"}
	if !env.provisioning() {
		r.Status, r.Detail = "off", "SCOLPASS_LDAP_URL is not set: provisioning off, nothing is written to the directory"
		return r
	}
	cfg, err := env.directoryConfig()
	if err != nil {
		r.Status, r.Detail, r.Fix = "fail", messageOf(err), "correct the SCOLPASS_LDAP_* settings"
		return r
	}
	w, err := directory.NewWriter(*cfg)
	if err != nil {
		r.Status, r.Detail, r.Fix = "fail", err.Error(), "correct the SCOLPASS_LDAP_* settings"
		return r
	}
	defer w.Close()
	dn, err := w.Probe(ctx)
	if err != nil {
		r.Status, r.Detail = "fail", err.Error()
		var pe *directory.ProbeError
		step := directory.ProbeBind
		if errors.As(err, &pe) {
			step = pe.Step
		}
		switch step {
		case directory.ProbeBind:
			r.Fix = "check SCOLPASS_LDAP_URL, SCOLPASS_LDAP_BIND_DN and the ldap-bind-password secret"
		case directory.ProbeBaseDN:
			r.Fix = "set SCOLPASS_LDAP_BASE_DN to the branch of the students' entries"
		default:
			r.Fix = "map the login attribute (search: in SCOLPASS_LDAP_ATTRIBUTES) or let the bind account read it"
		}
		return r
	}
	who := cfg.BindDN
	if who == "" {
		who = "anonymous"
		if strings.HasPrefix(cfg.URL, "ldapi://") {
			who = "SASL EXTERNAL"
		}
	}
	r.Status, r.Detail = "ok", fmt.Sprintf("%s: bound as %s, base %s, found %s", cfg.URL, who, cfg.BaseDN, dn)
	return r
}

// checkBaseURL: the session cookie is Secure, so students must reach the
// site over https; plain http is for loopback rehearsals only.
func checkBaseURL(cfg activation.Config, activationSet bool) checkResult {
	r := checkResult{Check: "base URL"}
	urls := []struct{ name, value string }{{"SCOLPASS_BASE_URL", cfg.BaseURL}}
	if activationSet {
		urls = append(urls, struct{ name, value string }{"SCOLPASS_ACTIVATION_URL", cfg.ActivationURL})
	}
	loopback := false
	for _, x := range urls {
		u, err := url.Parse(x.value)
		if err != nil || u.Host == "" {
			r.Status, r.Detail, r.Fix = "fail", fmt.Sprintf("%s=%q is not an absolute URL", x.name, x.value), "set it to https://HOST"
			return r
		}
		switch {
		case u.Scheme == "https":
		case u.Scheme == "http" && isLoopback(u.Hostname()):
			loopback = true
		default:
			r.Status, r.Detail, r.Fix = "fail", fmt.Sprintf("%s=%s is not https: the session cookie is Secure and the links carry secrets", x.name, x.value),
				"set it to the https:// address of the reverse proxy"
			return r
		}
	}
	r.Status, r.Detail = "ok", cfg.BaseURL
	if loopback {
		r.Detail += " (loopback, http: rehearsals only)"
	}
	return r
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (env *Env) checkSecret(s secretSpec) checkResult {
	r := checkResult{Check: "secret " + s.Name}
	// A password in clear in a URL defeats the credential.
	switch s {
	case secretDatabasePassword:
		dsn := env.DatabaseURL
		if dsn == "" {
			dsn = env.Getenv("DATABASE_URL")
		}
		if passwordInURL(dsn) || strings.Contains(dsn, "password=") || env.Getenv("PGPASSWORD") != "" {
			r.Status, r.Detail, r.Fix = "fail", "the database password is written in clear (in the URL or PGPASSWORD)",
				"remove it there and put it in the credential database-password (or SCOLPASS_DATABASE_PASSWORD_FILE)"
			return r
		}
	case secretSMTPPassword:
		if passwordInURL(env.Getenv("SCOLPASS_SMTP_URL")) {
			r.Status, r.Detail, r.Fix = "fail", "SCOLPASS_SMTP_URL holds the SMTP password in clear",
				"keep smtp://USER@HOST:PORT and put the password in the credential smtp-password (or SCOLPASS_SMTP_PASSWORD_FILE)"
			return r
		}
	}
	src := env.secretSource(s)
	if src.path == "" {
		r.Status, r.Detail = "off", "not given: "+s.Meaning
		if s == secretLDAPBindPassword && env.provisioning() && strings.TrimSpace(env.Getenv("SCOLPASS_LDAP_BIND_DN")) != "" {
			r.Status, r.Fix = "fail", "SCOLPASS_LDAP_BIND_DN is set: give its password as the credential ldap-bind-password (or SCOLPASS_LDAP_BIND_PASSWORD_FILE)"
		}
		return r
	}
	if _, err := src.read(); err != nil {
		r.Status, r.Detail, r.Fix = "fail", err.Error(), "chmod 600 the file, owned by root (LoadCredential=) or by the scolpass user (*_FILE)"
		return r
	}
	if s == secretProvisionalKey {
		if _, err := env.provisionalKey(); err != nil {
			r.Status, r.Detail, r.Fix = "fail", messageOf(err), "head -c 48 /dev/urandom | base64 > the file"
			return r
		}
	}
	r.Status, r.Detail = "ok", src.path+" ("+src.via+")"
	return r
}

// checkTimeZone: an emailed link is valid until 23:59 Paris time, DST
// included, whatever the server's zone.
func checkTimeZone(load func(string) (*time.Location, error)) checkResult {
	r := checkResult{Check: "time zone"}
	loc, err := load("Europe/Paris")
	if err != nil {
		r.Status, r.Detail, r.Fix = "fail", "Europe/Paris is unknown: "+err.Error(), "install the tzdata package"
		return r
	}
	winter, _ := time.Date(2026, 1, 15, 12, 0, 0, 0, loc).Zone()
	_, wOff := time.Date(2026, 1, 15, 12, 0, 0, 0, loc).Zone()
	summer, sOff := time.Date(2026, 7, 15, 12, 0, 0, 0, loc).Zone()
	if wOff != 3600 || sOff != 7200 {
		r.Status, r.Detail, r.Fix = "fail", fmt.Sprintf("Europe/Paris has the wrong rules (UTC%+d in January, UTC%+d in July)", wOff/3600, sOff/3600),
			"update the tzdata package"
		return r
	}
	r.Status, r.Detail = "ok", fmt.Sprintf("Europe/Paris known (%s/%s)", winter, summer)
	return r
}

// checkArgon2 hashes one password with the configured settings: step 7
// must stay quick on the rush morning.
func checkArgon2(p activation.Argon2Params) checkResult {
	r := checkResult{Check: "argon2"}
	start := time.Now()
	if _, err := activation.HashPassword("Vert-Galet-Orage-73", p); err != nil {
		r.Status, r.Detail, r.Fix = "fail", err.Error(), "correct SCOLPASS_ARGON2_*"
		return r
	}
	d := time.Since(start)
	desc := fmt.Sprintf("%d KiB, %d passes, %d lanes", p.Memory, p.Time, p.Threads)
	if d >= hashBudget {
		r.Status, r.Detail, r.Fix = "fail", fmt.Sprintf("%s: one hash took %s (budget %s)", desc, d.Round(time.Millisecond), hashBudget),
			"lower SCOLPASS_ARGON2_TIME (not below 1) or SCOLPASS_ARGON2_MEMORY_KIB (not below 19456, OWASP), or run on faster cores"
		return r
	}
	r.Status, r.Detail = "ok", fmt.Sprintf("%s: one hash in %s", desc, d.Round(time.Millisecond))
	return r
}

package cli

import (
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/mail"
	"github.com/umontpellier/scolpass/internal/web"
)

// configEnv documents every setting read from the environment; the README
// lists the same table.
var configEnv = []struct{ Name, Default, Meaning string }{
	{"SCOLPASS_MAIL_DOMAIN", "etu.umontpellier.fr", "domain of identifiers and university mailboxes"},
	{"SCOLPASS_BASE_URL", "https://scolpass.umontpellier.fr", "emailed links are BASE_URL/verify/TOKEN"},
	{"SCOLPASS_ACTIVATION_URL", "BASE_URL/activation", "address printed on the SCOL'PASS (text and QR code)"},
	{"SCOLPASS_LOCK_AFTER", "5", "wrong provisional passwords in a row before a lock"},
	{"SCOLPASS_LOCK_FOR", "15m", "how long a lock lasts"},
	{"SCOLPASS_LINKS_PER_DAY", "5", "emailed links per account, lost-login emails per address, per day (anti mail bombing)"},
	{"SCOLPASS_RESET_LINK_VALID_FOR", "1h", "how long a lost-password link works"},
	{"SCOLPASS_PASSWORD_POLICY", "cnil-1", "password policy: cnil-1 (CNIL 2022-100 case 1, 80 bits) or cnil-2 (its case 2: 12 characters, 3 kinds)"},
	{"SCOLPASS_PASSWORD_MIN_LENGTH", "12", "password policy: minimum length"},
	{"SCOLPASS_PASSWORD_MIN_CLASSES", "0 (3 with cnil-2)", "password policy: classes among lower, upper, digit, other"},
	{"SCOLPASS_ARGON2_MEMORY_KIB", "65536", "argon2id memory (RFC 9106)"},
	{"SCOLPASS_ARGON2_TIME", "3", "argon2id passes"},
	{"SCOLPASS_ARGON2_THREADS", "4", "argon2id lanes"},
	{"SCOLPASS_SMTP_URL", "", "smtp://[user:pass@]host:port (STARTTLS when offered) or smtps://host:port"},
	{"SCOLPASS_MAIL_FROM", "SCOL'PASS <no-reply@umontpellier.fr>", "sender of the emails"},
	{"SCOLPASS_OPERATOR", "the OS user", "who acts, when --operator is not given"},
	{"SCOLPASS_LISTEN", "127.0.0.1:8080", "address scolpass serve listens on (or --listen)"},
	{"SCOLPASS_RETAIN_AUDIT", "12mo", "purge: audit events kept this long (y, mo, w, d)"},
	{"SCOLPASS_RETAIN_MAIL", "30d", "purge: bodies of emails delivered or given up kept this long"},
	{"SCOLPASS_RETAIN_FINISHED", "7d", "purge: used or expired links, ended sessions, done directory jobs"},
	{"SCOLPASS_RETAIN_UNSEEN", "13mo", "purge: never-activated students absent from the imports this long"},
	{"SCOLPASS_CONTROLLER_NAME", "Université de Montpellier", "personal-data page: the controller"},
	{"SCOLPASS_CONTROLLER_CONTACT", "the university's postal address", "personal-data page: how to reach the controller"},
	{"SCOLPASS_DPO_EMAIL", "dpo@umontpellier.fr", "personal-data and accessibility pages: the DPO's address"},
	{"SCOLPASS_PAGES_DIR", "", "the university's own privacy.LANG.html, accessibility.LANG.html (README)"},
	{"SCOLPASS_A11Y_STATUS", "none", "accessibility page: RGAA conformance, full, partial or none"},
	{"SCOLPASS_A11Y_DATE", web.A11yTestedOn, "accessibility page: date of the declaration"},
	{"SCOLPASS_PREFAULT", "on", "0 turns off start-up prefaulting: the code mapped in one call, the heap on a huge page"},
	{"SCOLPASS_HUGEHEAP", "on", "0 keeps only the heap off transparent huge pages"},
}

// configHelp lists the settings for --help.
func configHelp() string {
	// Written by hand rather than with fmt: this runs at every start-up.
	var b strings.Builder
	b.Grow(8 << 10)
	for _, c := range append(configEnv[:len(configEnv):len(configEnv)], ldapEnv...) {
		def := c.Default
		if def == "" {
			def = "unset"
		}
		b.WriteString("  " + c.Name + strings.Repeat(" ", max(30-utf8.RuneCountInString(c.Name), 0)) +
			" " + c.Meaning + " (default: " + def + ")\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// config reads the institution's settings from the environment.
func (env *Env) config() (activation.Config, error) {
	c, err := env.settings()
	if err != nil {
		return c, err
	}
	// The server key of the provisional passwords (credential
	// provisional-key, or SCOLPASS_PROVISIONAL_KEY_FILE): new sheets are
	// hashed under it, and every process that checks them needs it too.
	c.ProvisionalKey, err = env.provisionalKey()
	return c, err
}

// settings is the configuration from the environment, without the
// secrets (check reports on those one by one).
func (env *Env) settings() (activation.Config, error) {
	c := activation.DefaultConfig()
	str := func(name string, dst *string) {
		if v := strings.TrimSpace(env.Getenv(name)); v != "" {
			*dst = v
		}
	}
	var err error
	num := func(name string, dst *int) {
		if v := strings.TrimSpace(env.Getenv(name)); v != "" && err == nil {
			n, perr := strconv.Atoi(v)
			if perr != nil || n < 1 {
				err = usagef("%s=%q must be a positive whole number", name, v)
				return
			}
			*dst = n
		}
	}
	dur := func(name string, dst *time.Duration) {
		if v := strings.TrimSpace(env.Getenv(name)); v != "" && err == nil {
			d, perr := parseDuration(v)
			if perr != nil || d <= 0 {
				err = usagef("%s=%q must be a duration such as 15m, 2h or 7d", name, v)
				return
			}
			*dst = d
		}
	}
	str("SCOLPASS_MAIL_DOMAIN", &c.MailDomain)
	str("SCOLPASS_BASE_URL", &c.BaseURL)
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	c.ActivationURL = c.BaseURL + "/activation"
	str("SCOLPASS_ACTIVATION_URL", &c.ActivationURL)
	num("SCOLPASS_LOCK_AFTER", &c.MaxFailures)
	dur("SCOLPASS_LOCK_FOR", &c.LockFor)
	num("SCOLPASS_LINKS_PER_DAY", &c.LinksPerDay)
	dur("SCOLPASS_RESET_LINK_VALID_FOR", &c.ResetLinkValidFor)
	if v := strings.TrimSpace(env.Getenv("SCOLPASS_PASSWORD_POLICY")); v != "" {
		p, ok := activation.PolicyByName(v)
		if !ok {
			return c, usagef("SCOLPASS_PASSWORD_POLICY=%q: the policies are cnil-1 (the default) and cnil-2", v)
		}
		c.Policy = p
	}
	num("SCOLPASS_PASSWORD_MIN_LENGTH", &c.Policy.MinLength)
	num("SCOLPASS_PASSWORD_MIN_CLASSES", &c.Policy.MinClasses)
	var mem, tm, th int = int(c.Argon2.Memory), int(c.Argon2.Time), int(c.Argon2.Threads)
	num("SCOLPASS_ARGON2_MEMORY_KIB", &mem)
	num("SCOLPASS_ARGON2_TIME", &tm)
	num("SCOLPASS_ARGON2_THREADS", &th)
	if err != nil {
		return c, err
	}
	if c.Policy.MinClasses > 4 {
		return c, usagef("SCOLPASS_PASSWORD_MIN_CLASSES must be between 1 and 4")
	}
	if th > 255 {
		th = 255
	}
	c.Argon2.Memory, c.Argon2.Time, c.Argon2.Threads = uint32(mem), uint32(tm), uint8(th)
	c.RenderMail = mail.ActivationRenderer(c.University)
	// A directory configured: the steps queue its jobs (every face).
	c.Provision = env.provisioning()
	return c, nil
}

// parseDuration accepts Go durations and a number of days ("7d").
func parseDuration(s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseFloat(d, 64)
		if err != nil {
			return 0, err
		}
		return time.Duration(n * 24 * float64(time.Hour)), nil
	}
	return time.ParseDuration(s)
}

// secretSettings are the settings that may carry a password: a
// connection URL or DSN (postgres://user:pass@host, smtp://user:pass@host,
// password=… of libpq) or a password itself (PGPASSWORD).
var secretSettings = []string{"DATABASE_URL", "SCOLPASS_SMTP_URL", "SCOLPASS_LDAP_URL", "PGPASSWORD"}

// redactSecrets hides, in a message about to be printed, every password
// of the database, SMTP and directory settings (whole or in the pieces a
// URL parser cuts it into: "invalid port \":Tr0ub4dor3xyz\"" quotes only
// the part before a "/"), and the password of any URL or key=value
// connection string it quotes. A message never shows a password.
func (env *Env) redactSecrets(msg string) string {
	var secrets []string
	add := func(dsn string) {
		for _, pw := range dsnPasswords(dsn) {
			secrets = append(secrets, pw)
			if u, err := url.PathUnescape(pw); err == nil && u != pw {
				secrets = append(secrets, u)
			}
			if esc := url.QueryEscape(pw); esc != pw {
				secrets = append(secrets, esc)
			}
			for _, piece := range strings.FieldsFunc(pw, func(r rune) bool { return strings.ContainsRune("/?#@:[]", r) }) {
				if len(piece) >= 3 {
					secrets = append(secrets, piece)
				}
			}
		}
	}
	add(env.DatabaseURL)
	if env.Getenv != nil {
		for _, name := range secretSettings {
			v := env.Getenv(name)
			if name == "PGPASSWORD" && v != "" {
				v = "password=" + v
			}
			add(v)
		}
	}
	sort.Slice(secrets, func(i, j int) bool { return len(secrets[i]) > len(secrets[j]) })
	for _, s := range secrets {
		msg = strings.ReplaceAll(msg, s, "xxxxx")
	}
	return redactQuotedDSNs(msg)
}

// dsnPasswords returns the passwords a connection string holds: the part
// after "user:" up to the last "@" of a URL (parsed by hand, since a
// password with a "/" is not a valid URL), and the value of password= in
// libpq's key=value form.
func dsnPasswords(dsn string) []string {
	var out []string
	if dsn = strings.TrimSpace(dsn); dsn == "" {
		return nil
	}
	if _, rest, ok := strings.Cut(dsn, "://"); ok {
		if at := strings.LastIndexByte(rest, '@'); at >= 0 {
			if _, pw, ok := strings.Cut(rest[:at], ":"); ok && pw != "" {
				out = append(out, pw)
			}
		}
	}
	for _, m := range keyPasswordRE().FindAllStringSubmatch(dsn, -1) {
		if v := strings.Trim(m[1], "'"); v != "" {
			out = append(out, v)
		}
	}
	return out
}

var (
	// keyPasswordRE is password=VALUE (compiled on first use, not at start-up) of a key=value string, quoted or not.
	keyPasswordRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?i)\bpassword\s*=\s*('(?:[^'\\]|\\.)*'|[^\s]+)`)
	})
	// urlCredentialsRE is scheme://user:password@ up to the last @ before
	// a space or a quote.
	urlCredentialsRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@"']*:)[^\s"']*@`)
	})
)

// redactQuotedDSNs hides the password of any URL or key=value connection
// string quoted in msg, known settings or not.
func redactQuotedDSNs(msg string) string {
	msg = urlCredentialsRE().ReplaceAllString(msg, "${1}xxxxx@")
	return keyPasswordRE().ReplaceAllStringFunc(msg, func(m string) string {
		k, _, _ := strings.Cut(m, "=")
		return k + "=xxxxx"
	})
}

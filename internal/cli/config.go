package cli

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/mail"
)

// configEnv documents every setting read from the environment; the README
// lists the same table.
var configEnv = []struct{ Name, Default, Meaning string }{
	{"SCOLPASS_MAIL_DOMAIN", "etu.umontpellier.fr", "domain of identifiers and university mailboxes"},
	{"SCOLPASS_BASE_URL", "https://scolpass.umontpellier.fr", "emailed links are BASE_URL/verify/TOKEN"},
	{"SCOLPASS_ACTIVATION_URL", "BASE_URL/activation", "address printed on the SCOL'PASS (text and QR code)"},
	{"SCOLPASS_LOCK_AFTER", "5", "wrong provisional passwords in a row before a lock"},
	{"SCOLPASS_LOCK_FOR", "15m", "how long a lock lasts"},
	{"SCOLPASS_LINKS_PER_DAY", "5", "emailed links per account per day (anti mail bombing)"},
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
}

// configHelp lists the settings for --help.
func configHelp() string {
	var b strings.Builder
	for _, c := range append(configEnv[:len(configEnv):len(configEnv)], ldapEnv...) {
		def := c.Default
		if def == "" {
			def = "unset"
		}
		fmt.Fprintf(&b, "  %-30s %s (default: %s)\n", c.Name, c.Meaning, def)
	}
	return strings.TrimRight(b.String(), "\n")
}

// config reads the institution's settings from the environment.
func (env *Env) config() (activation.Config, error) {
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

package activation

import (
	"strings"
	"time"
)

// MailData is what an email template needs.
type MailData struct {
	FirstName, LastName string
	Login               string // full identifier, prenom.nom@domain
	Mailbox             string
	RedirectTo          string
	KeepCopy            bool
	Link                string
	ValidUntil          time.Time
	ChangedAt           time.Time // password_changed: when the password changed
	Logins              []string  // login_reminder: one line each, as the sheet prints them
	PageURL             string    // reset_link, login_reminder, password_changed: the lost-password page
}

// MailRenderer turns an email kind (MailKinds) and its data into a subject
// and a body.
type MailRenderer func(kind string, d MailData) (subject, body string, err error)

// Config holds the rules an institution may tune. DefaultConfig gives the
// values of the product contract.
type Config struct {
	University          string
	MailDomain          string        // identifiers are login@MailDomain
	BaseURL             string        // emailed links are BaseURL + "/verify/" + token
	ActivationURL       string        // printed on the SCOL'PASS sheet
	MaxFailures         int           // wrong provisional passwords in a row before a lock
	LockFor             time.Duration // how long a lock lasts
	ProvisionalValidity time.Duration // provisional password lifetime
	LinksPerDay         int           // emailed links per account, and lost-login emails per address, per Paris day
	SessionIdle         time.Duration // a web session ends after this long without a request
	SessionLifetime     time.Duration // and this long after steps 1-2 whatever happens
	Policy              PasswordPolicy
	Argon2              Argon2Params
	RenderMail          MailRenderer
	Provision           bool            // queue a directory write when an account becomes active or its redirect changes
	ResetLinkValidFor   time.Duration   // a lost-password link works this long (default DefaultResetLinkValidFor)
	CheckPassword       PasswordChecker // the directory's word on a known password (nil: the stored hash)
	// ProvisionalKey is the server key the provisional passwords are
	// hashed under (HashProvisionalWith); nil: salted hashes alone.
	ProvisionalKey []byte
}

// DefaultConfig returns the contract's defaults.
func DefaultConfig() Config {
	return Config{
		University:          "Université de Montpellier",
		MailDomain:          "etu.umontpellier.fr",
		BaseURL:             "https://scolpass.umontpellier.fr",
		ActivationURL:       "https://scolpass.umontpellier.fr/activation",
		MaxFailures:         5,
		LockFor:             15 * time.Minute,
		ProvisionalValidity: 120 * 24 * time.Hour,
		LinksPerDay:         5,
		SessionIdle:         30 * time.Minute,
		SessionLifetime:     8 * time.Hour,
		Policy:              DefaultPolicy,
		Argon2:              DefaultArgon2,
		ResetLinkValidFor:   DefaultResetLinkValidFor,
	}
}

// Identifier returns the full identifier (and university mailbox) of a login.
func (c Config) Identifier(login string) string { return login + "@" + c.MailDomain }

// LoginOf is the login an identifier names: spaces around it and the
// university domain (any case) removed. "Jean.Dupont@ETU.umontpellier.fr "
// gives "Jean.Dupont": logins are stored in lower case and looked up as
// given.
func (c Config) LoginOf(identifier string) string {
	s := strings.TrimSpace(identifier)
	if at := strings.LastIndexByte(s, '@'); at >= 0 && strings.EqualFold(s[at+1:], c.MailDomain) {
		s = s[:at]
	}
	return s
}

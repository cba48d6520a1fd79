package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	netmail "net/mail"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// DefaultTimeout bounds connecting to the SMTP server and each command.
const DefaultTimeout = 10 * time.Second

// Option adjusts NewSMTPSender.
type Option func(*smtpOptions)

type smtpOptions struct {
	tls     *tls.Config
	timeout time.Duration
}

// WithTLSConfig sets the TLS configuration used for STARTTLS and smtps://
// (a private CA, a test server's certificate). Its ServerName defaults to the
// host of the URL.
func WithTLSConfig(c *tls.Config) Option { return func(o *smtpOptions) { o.tls = c } }

// WithTimeout replaces DefaultTimeout.
func WithTimeout(d time.Duration) Option { return func(o *smtpOptions) { o.timeout = d } }

// smtpSender delivers over one SMTP connection, opened at the first Send and
// kept for the following ones.
type smtpSender struct {
	mu        sync.Mutex
	client    *gomail.Client
	connected bool
	from      string
	idDomain  string // right-hand side of Message-IDs
	where     string // "smtp://host:port", for error messages: never the password
}

// NewSMTPSender returns a Sender that delivers through the server of rawURL:
//
//	smtp://[user:pass@]host[:port]   port 25 by default; STARTTLS is used
//	                                 whenever the server offers it
//	smtps://[user:pass@]host[:port]  implicit TLS, port 465 by default
//
// User and password are percent-encoded in the URL if they hold reserved
// characters. With a user, SMTP AUTH is negotiated (the strongest mechanism
// the server offers; PLAIN and LOGIN only over TLS). from is the From
// address of every message ("SCOL'PASS <noreply@umontpellier.fr>"); its
// domain names the Message-IDs.
//
// The connection is opened at the first Send, then reused by the next ones
// (one connection for a whole outbox run); it is reopened if the server
// dropped it. Connecting and each command time out after DefaultTimeout.
// Errors name the server as scheme://host:port and never contain the
// password. The Sender is safe for concurrent use; messages go one at a
// time.
func NewSMTPSender(rawURL, from string, opts ...Option) (Sender, error) {
	o := smtpOptions{timeout: DefaultTimeout}
	for _, opt := range opts {
		opt(&o)
	}
	t, err := parseSMTPURL(rawURL)
	if err != nil {
		return nil, err
	}
	fromAddr, err := netmail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("sender address %q: %v", from, err)
	}
	_, idDomain, _ := strings.Cut(fromAddr.Address, "@")

	copts := []gomail.Option{
		gomail.WithPort(t.port),
		gomail.WithTimeout(o.timeout),
	}
	if t.implicitTLS {
		copts = append(copts, gomail.WithSSL())
	} else {
		copts = append(copts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if o.tls != nil {
		c := o.tls.Clone()
		if c.ServerName == "" {
			c.ServerName = t.host
		}
		copts = append(copts, gomail.WithTLSConfig(c))
	}
	if t.user != "" {
		copts = append(copts,
			gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(t.user),
			gomail.WithPassword(t.pass),
		)
	}
	client, err := gomail.NewClient(t.host, copts...)
	if err != nil {
		return nil, fmt.Errorf("SMTP client for %s: %w", t.where, err)
	}
	return &smtpSender{client: client, from: from, idDomain: idDomain, where: t.where}, nil
}

type smtpTarget struct {
	host        string
	port        int
	implicitTLS bool
	user, pass  string
	where       string
}

// parseSMTPURL reads an SMTP URL. Its errors never quote the userinfo.
func parseSMTPURL(raw string) (smtpTarget, error) {
	var t smtpTarget
	shown := redactURL(raw)
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		if strings.Contains(raw, "@") {
			// url.Error repeats the URL and its parts: the password may be
			// among them.
			return t, fmt.Errorf("SMTP URL %q is not a valid URL (in the user name and password, reserved characters such as / ? # @ %% : must be percent-encoded)", shown)
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return t, fmt.Errorf("SMTP URL %q: %v", shown, err)
	}
	switch strings.ToLower(u.Scheme) {
	case "smtp":
		t.port = gomail.DefaultPort
	case "smtps":
		t.port, t.implicitTLS = gomail.DefaultPortSSL, true
	default:
		return t, fmt.Errorf("SMTP URL %q: scheme must be smtp:// or smtps://", shown)
	}
	if u.Opaque != "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return t, fmt.Errorf("SMTP URL %q: want %s://[user:pass@]host[:port], nothing after", shown, strings.ToLower(u.Scheme))
	}
	t.host = u.Hostname()
	if t.host == "" {
		return t, fmt.Errorf("SMTP URL %q: no host", shown)
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return t, fmt.Errorf("SMTP URL %q: port %q is not a port number", shown, p)
		}
		t.port = n
	}
	if u.User != nil {
		t.user = u.User.Username()
		t.pass, _ = u.User.Password()
		if t.user == "" {
			return t, fmt.Errorf("SMTP URL %q: a password without a user name", shown)
		}
	}
	hostport := t.host
	if strings.Contains(hostport, ":") {
		hostport = "[" + hostport + "]"
	}
	t.where = strings.ToLower(u.Scheme) + "://" + hostport + ":" + strconv.Itoa(t.port)
	return t, nil
}

// redactURL hides the user information of a URL that may not even parse:
// everything between "://" and the last "@" (a password holding an
// unescaped "/" or "#" must not leak either): "smtp://user:secret@host"
// gives "smtp://xxxxx@host".
func redactURL(raw string) string {
	raw = strings.TrimSpace(raw)
	at := strings.LastIndexByte(raw, '@')
	if at < 0 {
		return raw
	}
	scheme, _, ok := strings.Cut(raw[:at], "://")
	if !ok {
		return "xxxxx" + raw[at:]
	}
	return scheme + "://xxxxx" + raw[at:]
}

// Send delivers m. Invalid addresses are refused before any connection
// (IsPermanent is true for them). If the kept connection turns out to be
// dead, it reconnects once and sends again.
func (s *smtpSender) Send(ctx context.Context, m Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	msg, err := s.build(m)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for attempt := 0; ; attempt++ {
		if !s.connected {
			if err := s.client.DialWithContext(ctx); err != nil {
				return fmt.Errorf("SMTP %s: %w", s.where, err)
			}
			s.connected = true
		}
		err = s.client.Send(msg)
		if err == nil {
			return nil
		}
		var se *gomail.SendError
		isSendErr := errors.As(err, &se)
		if isSendErr && se.ErrorCode() != 0 {
			// The server answered (4xx/5xx): the session is still in step.
			return fmt.Errorf("SMTP %s: message %d to %s: %w", s.where, m.ID, m.To, err)
		}
		// No answer: a dead connection or a timeout. Start afresh next time.
		s.drop()
		if attempt == 0 && isSendErr && se.Reason == gomail.ErrConnCheck && ctx.Err() == nil {
			continue // the kept connection had died while idle; nothing was sent
		}
		return fmt.Errorf("SMTP %s: message %d to %s: %w", s.where, m.ID, m.To, err)
	}
}

func (s *smtpSender) drop() {
	_ = s.client.Close()
	s.connected = false
}

// build turns m into a go-mail message: UTF-8 plain text, quoted-printable,
// Message-ID derived from m.ID.
func (s *smtpSender) build(m Message) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(gomail.EncodingQP), gomail.WithNoDefaultUserAgent())
	from := m.From
	if from == "" {
		from = s.from
	}
	if err := msg.From(from); err != nil {
		return nil, &permanentError{fmt.Errorf("message %d: sender address %q: %v", m.ID, from, err)}
	}
	if err := msg.To(m.To); err != nil {
		return nil, &permanentError{fmt.Errorf("message %d: recipient address %q: %v", m.ID, m.To, err)}
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	if m.ID > 0 && s.idDomain != "" {
		msg.SetMessageIDWithValue(MessageID(m.ID, s.idDomain))
	} else {
		msg.SetMessageID()
	}
	msg.SetUserAgent("scolpass")
	msg.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	msg.SetGenHeader(gomail.HeaderXAutoResponseSuppress, "All")
	msg.SetBodyString(gomail.TypeTextPlain, m.Body)
	return msg, nil
}

// MessageID returns the Message-ID (without angle brackets) of the outbox
// message id: "scolpass.42@umontpellier.fr". Every attempt to deliver one
// message carries the same one, so a receiving server or a person can tell
// a retry from a new message.
func MessageID(id int64, domain string) string {
	return "scolpass." + strconv.FormatInt(id, 10) + "@" + domain
}

// Close ends the SMTP session, if one is open.
func (s *smtpSender) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.connected {
		return nil
	}
	s.connected = false
	if err := s.client.Close(); err != nil {
		return fmt.Errorf("SMTP %s: %w", s.where, err)
	}
	return nil
}

package mail_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/umontpellier/scolpass/internal/mail"
	"github.com/umontpellier/scolpass/internal/mail/smtptest"
)

func withUser(raw, user, pass string) string {
	u, _ := url.Parse(raw)
	u.User = url.UserPassword(user, pass)
	return u.String()
}

// TestProbe: EHLO, STARTTLS when offered, the login when the URL names a
// user; a refused login, a server without TLS for a password, and a
// server that is not there are errors that never quote the password.
func TestProbe(t *testing.T) {
	ctx := context.Background()
	plain := smtptest.Start(t)
	res, err := mail.Probe(ctx, plain.URL(), nil, 5*time.Second)
	if err != nil || res.TLS || res.Authenticated || !strings.HasPrefix(res.Where, "smtp://127.0.0.1:") {
		t.Fatalf("plain server: %+v, %v", res, err)
	}
	if plain.Sessions() != 1 || len(plain.Messages()) != 0 {
		t.Errorf("the probe sent something: %d sessions, %d messages", plain.Sessions(), len(plain.Messages()))
	}

	secured := smtptest.StartWith(t, smtptest.Options{StartTLS: true, Username: "relay", Password: "Secr3t-Relay-Pass"})
	res, err = mail.Probe(ctx, withUser(secured.URL(), "relay", "Secr3t-Relay-Pass"), secured.ClientTLSConfig(), 5*time.Second)
	if err != nil || !res.TLS || !res.Authenticated {
		t.Fatalf("STARTTLS and login: %+v, %v", res, err)
	}
	_, err = mail.Probe(ctx, withUser(secured.URL(), "relay", "wrong-pass-123"), secured.ClientTLSConfig(), 5*time.Second)
	if err == nil || !strings.Contains(err.Error(), `refused the login of "relay"`) || strings.Contains(err.Error(), "wrong-pass-123") {
		t.Errorf("wrong password: %v", err)
	}
	// An untrusted certificate fails STARTTLS: it is not skipped.
	if _, err = mail.Probe(ctx, withUser(secured.URL(), "relay", "Secr3t-Relay-Pass"), nil, 5*time.Second); err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Errorf("untrusted certificate: %v", err)
	}

	clear := smtptest.StartWith(t, smtptest.Options{Username: "relay", Password: "clear-pass-456"})
	_, err = mail.Probe(ctx, withUser(clear.URL(), "relay", "clear-pass-456"), nil, 5*time.Second)
	if err == nil || !strings.Contains(err.Error(), "would travel in clear") || strings.Contains(err.Error(), "clear-pass-456") {
		t.Errorf("password without TLS: %v", err)
	}
	if _, err = mail.Probe(ctx, "smtp://127.0.0.1:1", nil, 5*time.Second); err == nil || !strings.Contains(err.Error(), "cannot connect to smtp://127.0.0.1:1") {
		t.Errorf("nobody listening: %v", err)
	}
}

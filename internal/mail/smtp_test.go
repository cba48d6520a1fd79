package mail_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/umontpellier/scolpass/internal/mail"
	"github.com/umontpellier/scolpass/internal/mail/smtptest"
)

const from = "SCOL'PASS Université de Montpellier <noreply@umontpellier.fr>"

func message(id int64, to string) mail.Message {
	return mail.Message{
		ID:      id,
		To:      to,
		Subject: "SCOL'PASS – confirmez votre adresse de secours / confirm your recovery address",
		Body:    "Bonjour Héloïse,\n\nVotre identifiant : heloise.lefevre@etu.umontpellier.fr\n" + strings.Repeat("é", 100) + "\nhttps://scolpass.umontpellier.fr/verify/abc_DEF-123\n",
	}
}

func TestSendThroughTestServer(t *testing.T) {
	srv := smtptest.Start(t)
	s, err := mail.NewSMTPSender(srv.URL(), from)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	m := message(42, "heloise@example.org")
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got := srv.Messages()
	if len(got) != 1 {
		t.Fatalf("%d messages received, want 1", len(got))
	}
	r := got[0]
	if r.From != "noreply@umontpellier.fr" || len(r.To) != 1 || r.To[0] != "heloise@example.org" {
		t.Errorf("envelope %q → %q", r.From, r.To)
	}
	if r.Subject() != m.Subject {
		t.Errorf("subject %q, want %q", r.Subject(), m.Subject)
	}
	if r.Body() != m.Body {
		t.Errorf("body %q, want %q", r.Body(), m.Body)
	}
	if r.MessageID() != "<scolpass.42@umontpellier.fr>" {
		t.Errorf("Message-ID %q", r.MessageID())
	}
	for h, want := range map[string]string{
		"Content-Transfer-Encoding": "quoted-printable",
		"Auto-Submitted":            "auto-generated",
		"To":                        "<heloise@example.org>",
	} {
		if got := r.Header(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	if ct := r.Header("Content-Type"); !strings.Contains(ct, "text/plain") || !strings.Contains(strings.ToLower(ct), "utf-8") {
		t.Errorf("Content-Type %q", ct)
	}
	if !strings.Contains(r.Header("From"), "noreply@umontpellier.fr") {
		t.Errorf("From %q", r.Header("From"))
	}
	if r.Header("Date") == "" {
		t.Error("no Date header")
	}
	// Every line of a quoted-printable body stays short.
	for _, line := range strings.Split(r.Data, "\r\n") {
		if len(line) > 998 {
			t.Errorf("raw line of %d bytes", len(line))
		}
	}
}

func TestRetryKeepsMessageID(t *testing.T) {
	srv := smtptest.Start(t)
	s, err := mail.NewSMTPSender(srv.URL(), from)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for range 2 {
		if err := s.Send(context.Background(), message(7, "a@example.org")); err != nil {
			t.Fatal(err)
		}
	}
	got := srv.Messages()
	if len(got) != 2 || got[0].MessageID() != got[1].MessageID() || got[0].MessageID() != "<"+mail.MessageID(7, "umontpellier.fr")+">" {
		t.Fatalf("Message-IDs of two attempts: %q, %q", got[0].MessageID(), got[1].MessageID())
	}
}

func TestOneConnectionForManyMessages(t *testing.T) {
	srv := smtptest.Start(t)
	s, err := mail.NewSMTPSender(srv.URL(), from)
	if err != nil {
		t.Fatal(err)
	}
	const n = 1000
	for i := range n {
		if err := s.Send(context.Background(), message(int64(i+1), "student@example.org")); err != nil {
			t.Fatalf("message %d: %v", i+1, err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got := len(srv.Messages()); got != n {
		t.Fatalf("%d messages received, want %d", got, n)
	}
	if got := srv.Sessions(); got != 1 {
		t.Fatalf("%d SMTP sessions for %d messages, want 1", got, n)
	}
	// Closed, then used again: it reconnects.
	if err := s.Send(context.Background(), message(n+1, "student@example.org")); err != nil {
		t.Fatal(err)
	}
	if got := srv.Sessions(); got != 2 {
		t.Fatalf("%d sessions after a send following Close, want 2", got)
	}
	s.Close()
}

func TestOutage(t *testing.T) {
	srv := smtptest.Start(t)
	s, err := mail.NewSMTPSender(srv.URL(), from)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	srv.SetFailing(true)
	err = s.Send(context.Background(), message(1, "a@example.org"))
	if err == nil {
		t.Fatal("sent during an outage")
	}
	if mail.IsPermanent(err) {
		t.Errorf("a 451 is not permanent: %v", err)
	}
	if !strings.Contains(err.Error(), "451") {
		t.Errorf("error %q does not carry the server's reply", err)
	}
	if len(srv.Messages()) != 0 {
		t.Fatal("message stored during outage")
	}
	srv.SetFailing(false)
	if err := s.Send(context.Background(), message(1, "a@example.org")); err != nil {
		t.Fatalf("after the outage: %v", err)
	}
	if got := srv.Sessions(); got != 1 {
		t.Errorf("%d sessions: a refused message must not cost the connection", got)
	}
}

func TestServerGoneAndBack(t *testing.T) {
	srv := smtptest.Start(t)
	s, err := mail.NewSMTPSender(srv.URL(), from, mail.WithTimeout(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Send(context.Background(), message(1, "a@example.org")); err != nil {
		t.Fatal(err)
	}
	srv.Close()
	err = s.Send(context.Background(), message(2, "a@example.org"))
	if err == nil {
		t.Fatal("sent to a stopped server")
	}
	if mail.IsPermanent(err) {
		t.Errorf("a stopped server is not a permanent failure: %v", err)
	}
	if !strings.Contains(err.Error(), "smtp://127.0.0.1:") {
		t.Errorf("error %q does not name the server", err)
	}
}

func TestReconnectsAfterServerDroppedIdleConnection(t *testing.T) {
	// The connection is cut between two messages, as servers do with idle
	// clients: the next Send reconnects by itself.
	srv := smtptest.Start(t)
	proxy := newDroppingProxy(t, srv.Addr())
	s, err := mail.NewSMTPSender("smtp://"+proxy, from)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Send(context.Background(), message(1, "a@example.org")); err != nil {
		t.Fatal(err)
	}
	dropAll()
	if err := s.Send(context.Background(), message(2, "a@example.org")); err != nil {
		t.Fatalf("after the server dropped the connection: %v", err)
	}
	if n := len(srv.Messages()); n != 2 {
		t.Fatalf("%d messages, want 2", n)
	}
	if n := srv.Sessions(); n != 2 {
		t.Fatalf("%d sessions, want 2 (one reconnection)", n)
	}
}

func TestInvalidRecipientIsPermanent(t *testing.T) {
	srv := smtptest.Start(t)
	s, err := mail.NewSMTPSender(srv.URL(), from)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.Send(context.Background(), message(1, "not an address"))
	if err == nil || !mail.IsPermanent(err) {
		t.Fatalf("error %v, want a permanent one", err)
	}
	if srv.Sessions() != 0 {
		t.Error("connected for a message that cannot be sent")
	}
}

func TestCancelledContext(t *testing.T) {
	srv := smtptest.Start(t)
	s, _ := mail.NewSMTPSender(srv.URL(), from)
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Send(ctx, message(1, "a@example.org")); !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
}

func TestImplicitTLS(t *testing.T) {
	srv := smtptest.StartWith(t, smtptest.Options{ImplicitTLS: true, Username: "scolpass", Password: "p@ss w0rd/é"})
	if !strings.HasPrefix(srv.URL(), "smtps://127.0.0.1:") {
		t.Fatalf("URL %q", srv.URL())
	}
	url := strings.Replace(srv.URL(), "smtps://", "smtps://scolpass:p%40ss%20w0rd%2F%C3%A9@", 1)
	s, err := mail.NewSMTPSender(url, from, mail.WithTLSConfig(srv.ClientTLSConfig()))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Send(context.Background(), message(1, "a@example.org")); err != nil {
		t.Fatal(err)
	}
	r := srv.Messages()[0]
	if !r.TLS || r.User != "scolpass" {
		t.Fatalf("TLS %v, user %q: want an encrypted, authenticated session", r.TLS, r.User)
	}
}

func TestImplicitTLSUntrustedCertificate(t *testing.T) {
	srv := smtptest.StartWith(t, smtptest.Options{ImplicitTLS: true})
	s, err := mail.NewSMTPSender(srv.URL(), from, mail.WithTimeout(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Send(context.Background(), message(1, "a@example.org")); err == nil {
		t.Fatal("sent to a server whose certificate is not trusted")
	}
}

func TestStartTLSWhenOffered(t *testing.T) {
	srv := smtptest.StartWith(t, smtptest.Options{StartTLS: true, Username: "relay", Password: "Secr3t-Relay-Pass"})
	url := strings.Replace(srv.URL(), "smtp://", "smtp://relay:Secr3t-Relay-Pass@", 1)
	s, err := mail.NewSMTPSender(url, from, mail.WithTLSConfig(srv.ClientTLSConfig()))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Send(context.Background(), message(1, "a@example.org")); err != nil {
		t.Fatal(err)
	}
	if r := srv.Messages()[0]; !r.TLS || r.User != "relay" {
		t.Fatalf("TLS %v, user %q: STARTTLS was offered and not used", r.TLS, r.User)
	}
}

func TestPlainWhenStartTLSNotOffered(t *testing.T) {
	srv := smtptest.Start(t)
	s, _ := mail.NewSMTPSender(srv.URL(), from)
	defer s.Close()
	if err := s.Send(context.Background(), message(1, "a@example.org")); err != nil {
		t.Fatal(err)
	}
	if srv.Messages()[0].TLS {
		t.Fatal("TLS on a server without STARTTLS?")
	}
}

const secret = "Secr3t-Relay-Pass"

func TestPasswordNeverInErrors(t *testing.T) {
	// No password in clear over a connection without TLS.
	clear := smtptest.StartWith(t, smtptest.Options{Username: "relay", Password: secret})
	// Wrong password over TLS.
	tlsSrv := smtptest.StartWith(t, smtptest.Options{StartTLS: true, Username: "relay", Password: "another"})
	closedPort := freePort(t)

	cases := []struct {
		name string
		url  string
		opts []mail.Option
	}{
		{"refuses AUTH without TLS", strings.Replace(clear.URL(), "smtp://", "smtp://relay:"+secret+"@", 1), nil},
		{"authentication failed", strings.Replace(tlsSrv.URL(), "smtp://", "smtp://relay:"+secret+"@", 1), []mail.Option{mail.WithTLSConfig(tlsSrv.ClientTLSConfig())}},
		{"connection refused", "smtp://relay:" + secret + "@" + closedPort, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := mail.NewSMTPSender(c.url, from, append(c.opts, mail.WithTimeout(2*time.Second))...)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			err = s.Send(context.Background(), message(1, "a@example.org"))
			if err == nil {
				t.Fatal("sent")
			}
			t.Log(err)
			if strings.Contains(err.Error(), secret) {
				t.Fatalf("error contains the password: %v", err)
			}
		})
	}
	if n := len(clear.Messages()) + len(tlsSrv.Messages()); n != 0 {
		t.Fatalf("%d messages went through", n)
	}
}

func TestSMTPURL(t *testing.T) {
	tests := []struct {
		url  string
		ok   bool
		want string // piece of the error
	}{
		{"smtp://mail.umontpellier.fr:25", true, ""},
		{"smtp://mail.umontpellier.fr", true, ""},
		{"SMTP://mail.umontpellier.fr:587", true, ""},
		{"smtps://mail.umontpellier.fr", true, ""},
		{"smtps://user:" + secret + "@mail.umontpellier.fr:465", true, ""},
		{"smtp://user:" + secret + "@[::1]:2525", true, ""},
		{"smtp://user:" + secret + "@mail.umontpellier.fr:2525/", true, ""},
		{"http://mail.umontpellier.fr", false, "scheme must be smtp:// or smtps://"},
		{"mail.umontpellier.fr:25", false, "scheme"},
		{"smtp://", false, "no host"},
		{"smtp://user:" + secret + "@:25", false, "no host"},
		{"smtp://user:" + secret + "@host:0", false, "not a port number"},
		{"smtp://user:" + secret + "@host:99999", false, "not a port number"},
		{"smtp://user:" + secret + "@host:port", false, ""},
		{"smtp://user:" + secret + "@host:25/path", false, "nothing after"},
		{"smtp://user:" + secret + "@host:25?tls=no", false, "nothing after"},
		{"smtp://:" + secret + "@host:25", false, "without a user name"},
		{"smtp://user:" + secret + "%zz@host:25", false, ""},
		{"smtp://user:" + secret + "@host\x7f:25", false, ""},
		{"smtp ://user:" + secret + "@host:25", false, ""},
		{"smtp://user:Secr3t/Relay-Pass@host:25", false, "percent-encoded"},
		{"smtp://user:Secr3t#Relay-Pass@host:25", false, ""},
		{"smtp://user:Secr3t?Relay-Pass@host:25", false, ""},
		{"smtp://user:1234/Secr3t-Relay-Pass@host", false, ""},
	}
	for _, tt := range tests {
		s, err := mail.NewSMTPSender(tt.url, from)
		if tt.ok {
			if err != nil {
				t.Errorf("NewSMTPSender(%q): %v", strings.ReplaceAll(tt.url, secret, "…"), err)
			} else {
				s.Close()
			}
			continue
		}
		if err == nil {
			t.Errorf("NewSMTPSender(%q) accepted", tt.url)
			continue
		}
		t.Log(err)
		for _, piece := range []string{secret, "Secr3t", "Relay-Pass", "1234"} {
			if strings.Contains(err.Error(), piece) {
				t.Errorf("error contains (part of) the password: %v", err)
			}
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("NewSMTPSender: error %q, want %q", err, tt.want)
		}
	}
	if _, err := mail.NewSMTPSender("smtp://host:25", "not an address"); err == nil {
		t.Error("invalid From accepted")
	}
}

// freePort returns a local address nothing listens on.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

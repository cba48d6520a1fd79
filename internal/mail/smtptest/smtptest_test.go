package smtptest

import (
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

func send(t *testing.T, s *Server, data string) error {
	t.Helper()
	c, err := smtp.Dial(s.Addr())
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.SendMail("from@example.org", []string{"to@example.org", "cc@example.org"}, strings.NewReader(data)); err != nil {
		return err
	}
	return c.Quit()
}

const raw = "From: <from@example.org>\r\n" +
	"To: <to@example.org>\r\n" +
	"Subject: =?UTF-8?q?SCOL'PASS_=E2=80=93_activ=C3=A9?=\r\n" +
	"Message-ID: <scolpass.1@example.org>\r\n" +
	"Content-Type: text/plain; charset=UTF-8\r\n" +
	"Content-Transfer-Encoding: quoted-printable\r\n" +
	"\r\n" +
	"Bonjour H=C3=A9lo=C3=AFse,\r\n" +
	"une ligne tr=C3=A8s longue coup=\r\n" +
	"=C3=A9e en deux\r\n"

func TestServer(t *testing.T) {
	s := Start(t)
	if !strings.HasPrefix(s.URL(), "smtp://127.0.0.1:") {
		t.Fatalf("URL %q", s.URL())
	}
	if s.ClientTLSConfig() != nil {
		t.Error("a plain server has a TLS configuration")
	}
	if err := send(t, s, raw); err != nil {
		t.Fatal(err)
	}
	got, err := s.WaitFor(1, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	m := got[0]
	if m.From != "from@example.org" || len(m.To) != 2 || m.To[1] != "cc@example.org" {
		t.Errorf("envelope %q → %q", m.From, m.To)
	}
	if m.Subject() != "SCOL'PASS – activé" {
		t.Errorf("subject %q", m.Subject())
	}
	if want := "Bonjour Héloïse,\nune ligne très longue coupée en deux\n"; m.Body() != want {
		t.Errorf("body %q, want %q", m.Body(), want)
	}
	if m.MessageID() != "<scolpass.1@example.org>" {
		t.Errorf("Message-ID %q", m.MessageID())
	}
	if m.TLS || m.User != "" {
		t.Errorf("TLS %v, user %q", m.TLS, m.User)
	}
	if s.Sessions() != 1 {
		t.Errorf("%d sessions", s.Sessions())
	}
}

func TestBase64Body(t *testing.T) {
	m := Received{Data: "Content-Transfer-Encoding: base64\r\n\r\nQm9uam91ciBI\r\nw6lsb8Ovc2UK\r\n"}
	if m.Body() != "Bonjour Héloïse\n" {
		t.Errorf("body %q", m.Body())
	}
}

func TestFailing(t *testing.T) {
	s := Start(t)
	s.SetFailing(true)
	err := send(t, s, raw)
	if err == nil || !strings.Contains(err.Error(), "451") {
		t.Fatalf("error %v, want a 451", err)
	}
	if _, err := s.WaitFor(1, 50*time.Millisecond); err == nil {
		t.Fatal("a message arrived during the outage")
	}
	s.SetFailing(false)
	if err := send(t, s, raw); err != nil {
		t.Fatal(err)
	}
	if n := len(s.Messages()); n != 1 {
		t.Fatalf("%d messages", n)
	}
}

func TestWaitForConcurrent(t *testing.T) {
	s := Start(t)
	go func() {
		for range 3 {
			time.Sleep(10 * time.Millisecond)
			_ = send(t, s, raw)
		}
	}()
	got, err := s.WaitFor(3, 5*time.Second)
	if err != nil || len(got) != 3 {
		t.Fatalf("WaitFor: %d, %v", len(got), err)
	}
}

func TestAuthRequired(t *testing.T) {
	s := StartWith(t, Options{Username: "u", Password: "p"})
	if err := send(t, s, raw); err == nil {
		t.Fatal("accepted a message without AUTH")
	}
}

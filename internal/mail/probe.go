package mail

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/smtp"
	"os"
	"strconv"
	"time"
)

// ProbeResult is what Probe learnt of an SMTP server.
type ProbeResult struct {
	Where         string // smtp://host:port, never the password
	TLS           bool   // the session was encrypted (smtps:// or STARTTLS)
	Authenticated bool   // the URL's user logged in
}

// Probe connects to the server of rawURL (see NewSMTPSender), says EHLO,
// starts TLS when the server offers STARTTLS (smtps://: from the first
// byte), logs in when the URL names a user, and quits without sending
// anything: scolpass check's test of the mail settings. tlsConfig may be
// nil (the system's CAs). Errors name the server, never the password.
func Probe(ctx context.Context, rawURL string, tlsConfig *tls.Config, timeout time.Duration) (ProbeResult, error) {
	t, err := parseSMTPURL(rawURL)
	if err != nil {
		return ProbeResult{}, err
	}
	res := ProbeResult{Where: t.where}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if tlsConfig != nil {
		tc = tlsConfig.Clone()
	}
	if tc.ServerName == "" {
		tc.ServerName = t.host
	}
	addr := net.JoinHostPort(t.host, strconv.Itoa(t.port))
	d := &net.Dialer{Timeout: timeout}
	var conn net.Conn
	if t.implicitTLS {
		conn, err = (&tls.Dialer{NetDialer: d, Config: tc}).DialContext(ctx, "tcp", addr)
		res.TLS = err == nil
	} else {
		conn, err = d.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return res, fmt.Errorf("cannot connect to %s: %v", t.where, err)
	}
	deadline := time.Now().Add(timeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	_ = conn.SetDeadline(deadline)
	c, err := smtp.NewClient(conn, t.host)
	if err != nil {
		conn.Close()
		return res, fmt.Errorf("%s does not greet as an SMTP server: %v", t.where, err)
	}
	defer c.Close()
	if err := c.Hello(helloName()); err != nil {
		return res, fmt.Errorf("%s refused EHLO: %v", t.where, err)
	}
	if !t.implicitTLS {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(tc); err != nil {
				return res, fmt.Errorf("STARTTLS with %s failed: %v", t.where, err)
			}
			res.TLS = true
		}
	}
	if t.user != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return res, fmt.Errorf("%s offers no AUTH, but the URL names user %q", t.where, t.user)
		}
		if !res.TLS {
			return res, fmt.Errorf("%s offers no TLS: the password of %q would travel in clear", t.where, t.user)
		}
		if err := c.Auth(smtp.PlainAuth("", t.user, t.pass, t.host)); err != nil {
			return res, fmt.Errorf("%s refused the login of %q: %v", t.where, t.user, err)
		}
		res.Authenticated = true
	}
	_ = c.Quit()
	return res, nil
}

func helloName() string {
	if h, err := os.Hostname(); err == nil && h != "" {
		return h
	}
	return "localhost"
}

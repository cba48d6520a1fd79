// Package smtptest runs an SMTP server inside a test process, on
// 127.0.0.1, that keeps every message it accepts in memory. It can offer
// STARTTLS or speak implicit TLS with a throwaway certificate, require
// AUTH PLAIN, and simulate an outage (every message refused with a 451
// temporary error).
package smtptest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"mime"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Options choose what the server offers.
type Options struct {
	ImplicitTLS bool   // speak TLS from the first byte: URL() is smtps://
	StartTLS    bool   // offer STARTTLS on a plain connection
	Username    string // if set, AUTH PLAIN with Username/Password is required to send
	Password    string
}

// Server is a running test SMTP server.
type Server struct {
	opts      Options
	srv       *smtp.Server
	ln        net.Listener
	clientTLS *tls.Config

	mu       sync.Mutex
	messages []Received
	failing  bool
	sessions int
	arrived  chan struct{} // closed and replaced whenever a message arrives
	closed   bool
	stall    chan struct{} // non-nil: MAIL FROM waits until it is closed
	stalled  chan struct{} // closed when a session first waits on stall
	told     bool          // stalled is closed
}

// Received is one message the server accepted.
type Received struct {
	From string   // envelope sender (MAIL FROM)
	To   []string // envelope recipients (RCPT TO)
	Data string   // the raw message, headers and body, as sent
	TLS  bool     // the session was encrypted
	User string   // the user the session authenticated as, "" if none
}

// Start starts a plain server (no TLS, no AUTH) and stops it when the test
// ends.
func Start(t testing.TB) *Server { return StartWith(t, Options{}) }

// StartWith starts a server with the given options and stops it when the
// test ends.
func StartWith(t testing.TB, o Options) *Server {
	t.Helper()
	s := &Server{opts: o, arrived: make(chan struct{})}
	s.srv = smtp.NewServer(smtp.BackendFunc(s.newSession))
	s.srv.Domain = "smtptest.localhost"
	s.srv.ReadTimeout = 30 * time.Second
	s.srv.WriteTimeout = 30 * time.Second
	s.srv.MaxMessageBytes = 10 << 20
	s.srv.MaxRecipients = 50
	s.srv.AllowInsecureAuth = true // so that a client can be caught sending a password in clear
	s.srv.ErrorLog = log.New(io.Discard, "", 0)

	var serverTLS *tls.Config
	if o.ImplicitTLS || o.StartTLS {
		var err error
		serverTLS, s.clientTLS, err = selfSigned()
		if err != nil {
			t.Fatalf("smtptest: certificate: %v", err)
		}
	}
	if o.StartTLS {
		s.srv.TLSConfig = serverTLS
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtptest: listen: %v", err)
	}
	if o.ImplicitTLS {
		ln = tls.NewListener(ln, serverTLS)
	}
	s.ln = ln
	go func() { _ = s.srv.Serve(ln) }()
	t.Cleanup(s.Close)
	return s
}

// URL returns the server's address as scolpass expects it:
// "smtp://127.0.0.1:PORT" (or smtps://), without credentials.
func (s *Server) URL() string {
	scheme := "smtp"
	if s.opts.ImplicitTLS {
		scheme = "smtps"
	}
	return scheme + "://" + s.ln.Addr().String()
}

// Addr returns "127.0.0.1:PORT".
func (s *Server) Addr() string { return s.ln.Addr().String() }

// ClientTLSConfig returns a TLS configuration that trusts the server's
// throwaway certificate, or nil for a server without TLS.
func (s *Server) ClientTLSConfig() *tls.Config {
	if s.clientTLS == nil {
		return nil
	}
	return s.clientTLS.Clone()
}

// SetFailing makes the server refuse every message with "451 4.3.0"
// (a temporary failure, as during an outage) until called with false.
func (s *Server) SetFailing(failing bool) {
	s.mu.Lock()
	s.failing = failing
	s.mu.Unlock()
}

// Stall makes the server accept connections and commands but never answer
// MAIL FROM (a server that hangs), until the function it returns is
// called. stalled is closed as soon as a client waits on it.
func (s *Server) Stall() (stalled <-chan struct{}, release func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stall, s.stalled, s.told = make(chan struct{}), make(chan struct{}), false
	stall, once := s.stall, sync.Once{}
	return s.stalled, func() {
		once.Do(func() {
			s.mu.Lock()
			if s.stall == stall {
				s.stall = nil
			}
			s.mu.Unlock()
			close(stall)
		})
	}
}

// Messages returns a copy of the messages accepted so far, in order.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Received, len(s.messages))
	copy(out, s.messages)
	return out
}

// Sessions returns how many SMTP sessions (connections that said EHLO) the
// server has had: a client reusing its connection keeps it at 1.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions
}

// WaitFor waits until at least n messages have arrived or timeout passes,
// and returns the messages received so far with an error in the latter case.
func (s *Server) WaitFor(n int, timeout time.Duration) ([]Received, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		got, arrived := len(s.messages), s.arrived
		s.mu.Unlock()
		if got >= n {
			return s.Messages(), nil
		}
		select {
		case <-arrived:
		case <-deadline.C:
			return s.Messages(), fmt.Errorf("smtptest: %d message(s) after %s, want %d", got, timeout, n)
		}
	}
}

// Close stops the server and drops its connections. It is called when the
// test ends; calling it earlier simulates a server that went away.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.mu.Unlock()
	_ = s.srv.Close()
}

func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	s.mu.Lock()
	s.sessions++
	s.mu.Unlock()
	return &session{server: s, conn: c}, nil
}

var errOutage = &smtp.SMTPError{
	Code:         451,
	EnhancedCode: smtp.EnhancedCode{4, 3, 0},
	Message:      "Simulated outage, try again later",
}

type session struct {
	server *Server
	conn   *smtp.Conn
	user   string
	from   string
	to     []string
}

func (ss *session) AuthMechanisms() []string {
	if ss.server.opts.Username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain || ss.server.opts.Username == "" {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, username, password string) error {
		o := ss.server.opts
		if username != o.Username || password != o.Password || (identity != "" && identity != username) {
			return smtp.ErrAuthFailed
		}
		ss.user = username
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	ss.server.mu.Lock()
	failing, stall := ss.server.failing, ss.server.stall
	if stall != nil && !ss.server.told {
		close(ss.server.stalled)
		ss.server.told = true
	}
	ss.server.mu.Unlock()
	if stall != nil {
		<-stall
	}
	if failing {
		return errOutage
	}
	if ss.server.opts.Username != "" && ss.user == "" {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, isTLS := ss.conn.TLSConnectionState()
	m := Received{From: ss.from, To: append([]string(nil), ss.to...), Data: string(b), TLS: isTLS, User: ss.user}
	s := ss.server
	s.mu.Lock()
	if s.failing {
		s.mu.Unlock()
		return errOutage
	}
	s.messages = append(s.messages, m)
	close(s.arrived)
	s.arrived = make(chan struct{})
	s.mu.Unlock()
	return nil
}

func (ss *session) Reset() {
	ss.from, ss.to = "", nil
}

func (ss *session) Logout() error { return nil }

// Header returns the first value of the header name, RFC 2047 words
// decoded ("" if absent or if the message does not parse).
func (r Received) Header(name string) string {
	msg, err := netmail.ReadMessage(strings.NewReader(r.Data))
	if err != nil {
		return ""
	}
	v := msg.Header.Get(name)
	dec := new(mime.WordDecoder)
	if d, err := dec.DecodeHeader(v); err == nil {
		return d
	}
	return v
}

// Subject returns the decoded Subject header.
func (r Received) Subject() string { return r.Header("Subject") }

// MessageID returns the Message-ID header, angle brackets included.
func (r Received) MessageID() string { return r.Header("Message-Id") }

// Body returns the body of a single-part message, its transfer encoding
// (quoted-printable or base64) undone and CRLF turned into LF.
func (r Received) Body() string {
	body, err := r.DecodedBody()
	if err != nil {
		return ""
	}
	return body
}

// DecodedBody is Body with the decoding error, if any.
func (r Received) DecodedBody() (string, error) {
	msg, err := netmail.ReadMessage(strings.NewReader(r.Data))
	if err != nil {
		return "", err
	}
	var rd io.Reader = msg.Body
	switch strings.ToLower(strings.TrimSpace(msg.Header.Get("Content-Transfer-Encoding"))) {
	case "quoted-printable":
		rd = quotedprintable.NewReader(rd)
	case "base64":
		rd = base64.NewDecoder(base64.StdEncoding, newlineStripper{rd})
	case "", "7bit", "8bit", "binary":
	default:
		return "", errors.New("smtptest: unknown Content-Transfer-Encoding")
	}
	b, err := io.ReadAll(rd)
	if err != nil {
		return "", err
	}
	return strings.ReplaceAll(string(b), "\r\n", "\n"), nil
}

// newlineStripper drops CR and LF, which base64 bodies are wrapped with.
type newlineStripper struct{ r io.Reader }

func (n newlineStripper) Read(p []byte) (int, error) {
	k, err := n.r.Read(p)
	k = copy(p, bytes.Map(func(r rune) rune {
		if r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, p[:k]))
	return k, err
}

// selfSigned makes a throwaway certificate for 127.0.0.1 and localhost, and
// a client configuration that trusts it.
func selfSigned() (server, client *tls.Config, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "smtptest"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	server = &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}},
		MinVersion:   tls.VersionTLS12,
	}
	client = &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
	return server, client, nil
}

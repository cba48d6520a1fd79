// Command smtp-catcher is a tiny SMTP server for the demo: it accepts every
// message on a loopback port and writes each one, decoded, to a directory
// (one file per message), so that the demo can "click" the emailed links.
// It is not part of scolpass.
//
//	go run ./scripts/smtp-catcher -addr 127.0.0.1:2525 -dir /tmp/mails
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"log"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	"github.com/emersion/go-smtp"
)

type backend struct {
	dir string
	n   atomic.Int64
}

func (b *backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{b: b}, nil }

type session struct {
	b  *backend
	to []string
}

func (s *session) Mail(string, *smtp.MailOptions) error { return nil }
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *session) Reset()        { s.to = nil }
func (s *session) Logout() error { return nil }

func (s *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	var body io.Reader = msg.Body
	if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		body = quotedprintable.NewReader(msg.Body)
	}
	text, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	n := s.b.n.Add(1)
	for _, to := range s.to {
		name := filepath.Join(s.b.dir, fmt.Sprintf("%03d-%s.txt", n, strings.ReplaceAll(to, "/", "_")))
		out := fmt.Sprintf("To: %s\nSubject: %s\nMessage-Id: %s\n\n%s", to, subject, msg.Header.Get("Message-Id"), text)
		if err := os.WriteFile(name, []byte(out), 0o600); err != nil {
			return err
		}
		log.Printf("caught mail for %s: %s", to, subject)
	}
	return nil
}

func main() {
	addr := flag.String("addr", "127.0.0.1:2525", "loopback address to listen on")
	dir := flag.String("dir", "mails", "directory to write the messages to")
	flag.Parse()
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		log.Fatal(err)
	}
	s := smtp.NewServer(&backend{dir: *dir})
	s.Addr = *addr
	s.Domain = "localhost"
	s.AllowInsecureAuth = true
	log.Printf("smtp-catcher listening on %s, writing to %s", *addr, *dir)
	log.Fatal(s.ListenAndServe())
}

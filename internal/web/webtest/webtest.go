// Package webtest sets up what the site's fast tests run on: the real
// activation.Service over the in-memory store (memstore), with the real
// email templates, cheap argon2id and a charter in force. It holds no rule:
// every answer the pages get comes from the domain. It only adds students
// and reads back what the service did (accounts, links emailed).
package webtest

import (
	"context"
	"regexp"
	"strings"
	"time"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/activation/memstore"
	"github.com/umontpellier/scolpass/internal/mail"
)

// Charter is the charter version in force.
const Charter = "2026-1"

// Env is a service on an in-memory store.
type Env struct {
	Store   *memstore.Store
	Service *activation.Service
}

// New returns a service with no student, its links under
// http://127.0.0.1/verify/, the site's channel on its audit events.
func New() *Env {
	st := memstore.New(Charter)
	st.Actor = activation.Actor{Operator: "web", Channel: "web", Clock: "system"}
	cfg := activation.DefaultConfig()
	cfg.BaseURL = "http://127.0.0.1"
	cfg.Argon2 = activation.Argon2Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}
	cfg.RenderMail = mail.ActivationRenderer("")
	return &Env{Store: st, Service: &activation.Service{Store: st, Config: cfg}}
}

// AddIssued stores a student whose SCOL'PASS (provisional password
// provisional, valid 120 days) was issued the day before now.
func (e *Env) AddIssued(login, first, last, provisional string, now time.Time) *activation.Account {
	issued := now.Add(-24 * time.Hour)
	return e.Store.Add(activation.Account{FirstName: first, LastName: last, Login: login, StudentNo: "226" + login,
		State: activation.StateIssued, StateSince: issued,
		Provisional: &activation.Provisional{Hash: activation.HashProvisional(provisional), IssuedAt: issued,
			ExpiresAt: issued.Add(120 * 24 * time.Hour), Batch: "webtest"}})
}

// Account returns the stored account of login, or nil.
func (e *Env) Account(login string) *activation.Account {
	a, err := e.Store.Load(context.Background(), login)
	if err != nil {
		return nil
	}
	return a
}

var linkRE = regexp.MustCompile(`https?://\S+/verify/[A-Za-z0-9_-]+`)

// LastLink returns the link of the last email queued to addr, "" if none.
func (e *Env) LastLink(addr string) string {
	out := e.Store.Outbox()
	for i := len(out) - 1; i >= 0; i-- {
		if strings.EqualFold(out[i].To, addr) {
			if l := linkRE.FindString(out[i].Body); l != "" {
				return l
			}
		}
	}
	return ""
}

package activation_test

import (
	"strings"
	"testing"
	"time"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/activation/memstore"
	"github.com/umontpellier/scolpass/internal/activation/storetest"
)

// TestContractInMemory runs the rules of the guide on the in-memory store.
func TestContractInMemory(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Harness {
		st := memstore.New("2026-1")
		h := storetest.Harness{Service: &activation.Service{Store: st, Config: storetest.Config()}}
		logins := map[string]int64{}
		h.AddIssued = func(t *testing.T, first, last, login, pw string, issuedAt, expires time.Time) {
			a := st.Add(activation.Account{FirstName: first, LastName: last, Login: login, StudentNo: "2260" + login[:3],
				State: activation.StateIssued, StateSince: issuedAt,
				Provisional: &activation.Provisional{Hash: activation.HashProvisional(pw), IssuedAt: issuedAt, ExpiresAt: expires, Batch: "b1"}})
			logins[login] = a.StudentID
		}
		h.AddImported = func(t *testing.T, first, last, login string) {
			a := st.Add(activation.Account{FirstName: first, LastName: last, Login: login, StudentNo: "2261" + login[:3]})
			logins[login] = a.StudentID
		}
		h.Publish = func(t *testing.T, version string, at time.Time) { st.Publish(version) }
		h.Mails = func(t *testing.T) []activation.Email {
			var out []activation.Email
			for _, m := range st.Outbox() {
				out = append(out, m.Email)
			}
			return out
		}
		h.Actions = func(t *testing.T, login string) []string {
			var out []string
			for _, e := range st.Events(logins[login]) {
				out = append(out, strings.Join([]string{e.Action, e.Outcome, string(e.From) + ">" + string(e.To)}, ":"))
			}
			return out
		}
		h.Provisions = func(t *testing.T) []string {
			byID := map[int64]string{}
			for login, id := range logins {
				byID[id] = login
			}
			var out []string
			for _, p := range st.Provisions() {
				out = append(out, byID[p.StudentID]+":"+p.Reason)
			}
			return out
		}
		return h
	})
}

package web_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/activation/memstore"
	"github.com/umontpellier/scolpass/internal/activation/storetest"
	"github.com/umontpellier/scolpass/internal/web"
)

// BenchmarkForgotPasswordAnswer times the answer of the lost-password form
// for an active login (a link is made and mailed) and for an unknown one
// (nothing is): the work happens after the answer, so both answer in the
// same time. The work itself is not timed (WaitBackground, then a
// collection of its garbage, timer stopped).
// README "Performance" gives the figures.
func BenchmarkForgotPasswordAnswer(b *testing.B) {
	st := memstore.New("2026-1")
	hash, err := activation.HashPassword("Vert-Galet-Orage-73", storetest.Config().Argon2)
	if err != nil {
		b.Fatal(err)
	}
	st.Add(activation.Account{FirstName: "Jean", LastName: "Dupont", Login: "jean.dupont", StudentNo: "1", State: activation.StateActive,
		RecoveryEmail: "jean@example.org", PasswordHash: hash})
	cfg := storetest.Config()
	cfg.LinksPerDay = 1 << 30
	now := time.Date(2026, 9, 14, 10, 0, 0, 0, activation.Zone())
	h, err := web.New(web.Options{Engine: &activation.Service{Store: st, Config: cfg}, Now: func() time.Time { return now },
		LinkRate: web.Rate{PerMinute: 1e9, Burst: 1 << 30}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	for _, login := range []string{"jean.dupont", "nobody.here"} {
		b.Run(login, func(b *testing.B) {
			body := url.Values{"identifier": {login}}.Encode()
			for i := 0; i < b.N; i++ {
				// The time a client sees: until it has the whole page.
				res, err := srv.Client().Post(srv.URL+"/activation/forgot-password", "application/x-www-form-urlencoded", strings.NewReader(body))
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					b.Fatalf("status %d", res.StatusCode)
				}
				b.StopTimer()
				h.WaitBackground()
				runtime.GC() // the work's garbage is not the answer's
				b.StartTimer()
			}
		})
	}
	if n := len(st.Outbox()); n == 0 {
		b.Fatal("no link was mailed to the active login")
	}
}

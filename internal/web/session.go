package web

import (
	"net/http"
	"time"

	"github.com/umontpellier/scolpass/internal/activation"
)

// sessionCookie holds the session secret StartSession returns, and nothing
// else: the store keeps only its hash, bound to the account, with an idle
// timeout and an absolute lifetime (activation.Config.SessionIdle,
// SessionLifetime). __Host- makes the browser refuse it without Secure, with
// a Domain or with a Path other than /.
const sessionCookie = "__Host-scolpass"

// sessionSecret returns the secret the browser holds, "" for none or a
// value that cannot be one.
func sessionSecret(r *http.Request) string {
	c, err := r.Cookie(sessionCookie)
	if err != nil || len(c.Value) != activation.SessionSecretLength {
		return ""
	}
	for _, b := range []byte(c.Value) {
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-' || b == '_') {
			return ""
		}
	}
	return c.Value
}

func (s *Server) setSession(w http.ResponseWriter, secret string) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: secret, Path: "/",
		MaxAge: int(s.opt.SessionLifetime / time.Second), HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode})
}

func clearSession(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode})
}

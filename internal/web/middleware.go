package web

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/umontpellier/scolpass/internal/activation"
)

type ctxKey int

const (
	ctxLang ctxKey = iota
	ctxClientIP
)

// contentSecurityPolicy allows the site's own stylesheet and script file,
// no inline script, no framing, forms posted only to the site.
const contentSecurityPolicy = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// middleware wraps the route table, outermost first: the request id, panic recovery, the
// access log and metrics, security headers, the body cap, cross-origin
// protection on unsafe methods, the language, and error pages for unknown
// routes and wrong methods.
func (s *Server) middleware(mux *http.ServeMux) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.errorPage(w, r, http.StatusForbidden, "error.forbidden")
	}))
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern == "" {
			// No route: the mux would answer 404 or 405 in plain text.
			mux.ServeHTTP(&errorPageWriter{ResponseWriter: w, s: s, r: r}, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
	var h http.Handler = cop.Handler(inner)
	h = s.withLanguage(h)
	h = s.withBodyCap(h)
	h = withSecurityHeaders(h)
	h = s.withAccessLog(mux, h)
	h = s.withRecovery(h)
	h = s.withRequestID(h)
	return h
}

// withSecurityHeaders sets the headers every answer carries. Every page
// may hold a form or a secret: none is cached.
func withSecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if !strings.HasPrefix(r.URL.Path, "/static/") {
			h.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

// withBodyCap limits request bodies to MaxBodyBytes; a form past it gets
// 413 (see parseForm).
func (s *Server) withBodyCap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > s.opt.MaxBodyBytes {
			s.errorPage(w, r, http.StatusRequestEntityTooLarge, "error.too_large")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, s.opt.MaxBodyBytes)
		next.ServeHTTP(w, r)
	})
}

// withRecovery turns a panic into the error page; the stack goes to the
// log, never to the student.
func (s *Server) withRecovery(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.opt.Logger.ErrorContext(r.Context(), "panic", "route", routeOf(r), "panic", fmt.Sprint(v))
			s.errorPage(w, r, http.StatusInternalServerError, "error.internal")
		}()
		next.ServeHTTP(w, r)
	})
}

// statusWriter remembers the status written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// withAccessLog logs one line per request and counts it. The path is
// logged redacted (an emailed link's token is a secret), never the query,
// the body or a cookie.
func (s *Server) withAccessLog(mux *http.ServeMux, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ip := s.clientIP(r)
		r = r.WithContext(activation.WithClientAddr(context.WithValue(r.Context(), ctxClientIP, ip), ip)) // audit events record it
		_, pattern := mux.Handler(r)
		route := pattern
		if route == "" {
			route = "unmatched"
		}
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			d := time.Since(start)
			s.metrics.observe(route, status, d)
			s.opt.Logger.InfoContext(r.Context(), "request", "method", r.Method, "path", s.redactPath(r.URL.Path), "route", route,
				"status", status, "duration_ms", float64(d.Microseconds())/1000, "client", ip.String())
		}()
		next.ServeHTTP(sw, r)
	})
}

// redactPath hides the token of an emailed link (activation.RedactLinks,
// the same rule as mail show).
// Very long paths are cut.
func (s *Server) redactPath(p string) string {
	p = activation.RedactLinks(p)
	if len(p) > 200 {
		return p[:200] + "…"
	}
	return p
}

func routeOf(r *http.Request) string {
	if r.Pattern != "" {
		return r.Pattern
	}
	return "unmatched"
}

// clientIP is the address of the student's device: the peer, or, when the
// peer is a trusted proxy, the last address of X-Forwarded-For that is not
// a trusted proxy.
func (s *Server) clientIP(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	peer = peer.Unmap()
	if !s.trusted(peer) {
		return peer
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		a = a.Unmap()
		if !s.trusted(a) {
			return a
		}
		peer = a
	}
	return peer
}

// overTLS tells whether the browser reached the site over HTTPS: the
// connection itself, or, from a trusted proxy, the scheme it says in
// X-Forwarded-Proto (the nearest proxy's, the last value).
func (s *Server) overTLS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil || !s.trusted(peer.Unmap()) {
		return false
	}
	protos := strings.Split(strings.Join(r.Header.Values("X-Forwarded-Proto"), ","), ",")
	return strings.EqualFold(strings.TrimSpace(protos[len(protos)-1]), "https")
}

// rateKey is what the per-address limits count a client by: an IPv4
// address, or the IPv6Prefix-bit prefix of an IPv6 address (one /64 is one
// client, however many of its addresses it uses).
func (s *Server) rateKey(a netip.Addr) netip.Addr {
	if !a.Is6() || a.Is4In6() {
		return a
	}
	p, err := a.WithZone("").Prefix(s.opt.IPv6Prefix)
	if err != nil {
		return a
	}
	return p.Addr()
}

func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.opt.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func clientIPOf(r *http.Request) netip.Addr {
	a, _ := r.Context().Value(ctxClientIP).(netip.Addr)
	return a
}

// limit answers 429 with Retry-After when the client's address is past l.
func (s *Server) limit(l *limiter, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if wait, ok := l.allow(s.rateKey(clientIPOf(r)), time.Now()); !ok {
			secs := int(wait/time.Second) + 1
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			s.metrics.rateLimited.WithLabelValues(routeOf(r)).Inc()
			s.errorPage(w, r, http.StatusTooManyRequests, "error.rate_limited", secs)
			return
		}
		next(w, r)
	}
}

// errorPageWriter replaces the mux's plain-text 404 and 405 answers with
// the site's error page (keeping the Allow header of a 405).
type errorPageWriter struct {
	http.ResponseWriter
	s        *Server
	r        *http.Request
	replaced bool
}

func (w *errorPageWriter) WriteHeader(code int) {
	switch code {
	case http.StatusNotFound:
		w.replaced = true
		w.s.errorPage(w.ResponseWriter, w.r, code, "error.not_found")
	case http.StatusMethodNotAllowed:
		w.replaced = true
		w.s.errorPage(w.ResponseWriter, w.r, code, "error.method")
	default:
		w.ResponseWriter.WriteHeader(code)
	}
}

func (w *errorPageWriter) Write(b []byte) (int, error) {
	if w.replaced {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

// withLanguage picks the page language: ?lang= (kept in a cookie), else
// the cookie, else Accept-Language, else French.
func (s *Server) withLanguage(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lang := ""
		if q := r.URL.Query().Get("lang"); q != "" && catalogues()[q] != nil {
			lang = q
			http.SetCookie(w, &http.Cookie{Name: langCookie, Value: q, Path: "/", MaxAge: 365 * 24 * 3600,
				HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.overTLS(r)})
		} else if c, err := r.Cookie(langCookie); err == nil && catalogues()[c.Value] != nil {
			lang = c.Value
		} else {
			lang = fromAcceptLanguage(r.Header.Get("Accept-Language"))
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxLang, lang)))
	})
}

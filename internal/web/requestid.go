package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/netip"
)

// RequestIDHeader carries a request's id, in the answer (and, from a
// trusted proxy, in the request: nginx's $request_id, Apache's
// UNIQUE_ID), so that a student's report, the proxy's log and scolpass's
// log point to the same line.
const RequestIDHeader = "X-Request-Id"

type requestIDKey struct{}

// withRequestID gives every request an id: the trusted proxy's when it
// sent a plausible one, else 16 random bytes in hex. The id is in the
// X-Request-Id answer header and on every log line written with the
// request's context (see requestIDHandler).
func (s *Server) withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := ""
		if v := r.Header.Get(RequestIDHeader); v != "" && plausibleRequestID(v) && s.trusted(peerAddr(r)) {
			id = v
		}
		if id == "" {
			var b [16]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set(RequestIDHeader, id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
	})
}

// RequestID returns the id of the request ctx belongs to ("" outside one).
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// plausibleRequestID accepts 1 to 64 letters, digits, '-', '_', '.', '@'
// (nginx's hex, Apache's base64-like UNIQUE_ID): nothing that could forge
// a log line.
func plausibleRequestID(v string) bool {
	if len(v) > 64 {
		return false
	}
	for _, c := range []byte(v) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.', c == '@':
		default:
			return false
		}
	}
	return true
}

// requestIDHandler adds request_id to every record logged with a
// request's context.
type requestIDHandler struct{ slog.Handler }

// WithRequestIDs returns a handler that writes request_id=ID on each record
// logged with the context of a request of the site (Logger.InfoContext(r.Context(), …)).
func WithRequestIDs(h slog.Handler) slog.Handler {
	if _, ok := h.(requestIDHandler); ok {
		return h
	}
	return requestIDHandler{h}
}

func (h requestIDHandler) Handle(ctx context.Context, rec slog.Record) error {
	if id := RequestID(ctx); id != "" {
		rec.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, rec)
}

func (h requestIDHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(as)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}

// peerAddr is the address the request came from (the proxy, behind one).
func peerAddr(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

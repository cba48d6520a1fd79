package web_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/umontpellier/scolpass/internal/web"
	"github.com/umontpellier/scolpass/internal/web/webtest"
)

// BenchmarkActivationPage is the page a QR code opens, with the access log
// on.
func BenchmarkActivationPage(b *testing.B) {
	h, err := web.New(web.Options{Engine: webtest.New().Service, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, "/activation", nil)
	req.RemoteAddr = "192.0.2.1:1"
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
}

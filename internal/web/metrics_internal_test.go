package web

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// TestMetricsExposition: the registry writes the Prometheus text format:
// HELP and TYPE lines, label values escaped and sorted, cumulative
// histogram buckets ending with +Inf, _sum and _count.
func TestMetricsExposition(t *testing.T) {
	m := newMetrics()
	m.observe("GET /", 200, 3e6)  // 3 ms
	m.observe("GET /", 200, 70e6) // 70 ms
	m.observe("GET /", 404, 1e6)
	m.refusals.WithLabelValues("a\"b\\c\nd").Inc()
	m.lockouts.Inc()
	m.lockouts.Inc()
	rec := httptest.NewRecorder()
	m.handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type %q", ct)
	}
	for _, want := range []string{
		"# HELP scolpass_http_requests_total HTTP requests by route and status.\n# TYPE scolpass_http_requests_total counter\n" +
			`scolpass_http_requests_total{route="GET /",status="200"} 2` + "\n" +
			`scolpass_http_requests_total{route="GET /",status="404"} 1` + "\n",
		"# TYPE scolpass_http_request_duration_seconds histogram\n" +
			`scolpass_http_request_duration_seconds_bucket{route="GET /",le="0.005"} 2` + "\n",
		`scolpass_http_request_duration_seconds_bucket{route="GET /",le="0.05"} 2` + "\n" +
			`scolpass_http_request_duration_seconds_bucket{route="GET /",le="0.1"} 3` + "\n",
		`scolpass_http_request_duration_seconds_bucket{route="GET /",le="+Inf"} 3` + "\n" +
			`scolpass_http_request_duration_seconds_sum{route="GET /"} 0.074`,
		`scolpass_http_request_duration_seconds_count{route="GET /"} 3` + "\n",
		`scolpass_refusals_total{reason="a\"b\\c\nd"} 1` + "\n",
		"scolpass_lockouts_total 2\n",
		"scolpass_password_slot_wait_seconds_bucket{le=\"+Inf\"} 0\n",
		"# TYPE go_goroutines gauge\ngo_goroutines ",
		"process_resident_memory_bytes ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack\n%s\nin\n%s", want, body)
		}
	}
}

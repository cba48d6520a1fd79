package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the site's Prometheus series, in a registry of its own (two
// servers in one test process do not collide).
type metrics struct {
	reg         *prometheus.Registry
	requests    *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	steps       *prometheus.CounterVec
	links       *prometheus.CounterVec
	refusals    *prometheus.CounterVec
	rateLimited *prometheus.CounterVec
	hashWait    prometheus.Histogram
	lockouts    prometheus.Counter
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "scolpass_http_requests_total", Help: "HTTP requests by route and status.",
		}, []string{"route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "scolpass_http_request_duration_seconds", Help: "Time to answer, by route.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route"}),
		steps: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "scolpass_steps_completed_total", Help: "Steps of the guide completed on the site.",
		}, []string{"step"}),
		links: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "scolpass_links_sent_total", Help: "Emailed links queued from the site, by step (4 or 6-2).",
		}, []string{"step"}),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "scolpass_refusals_total", Help: "Answers refused by the activation service, by reason (auth_failed counts wrong passwords and locked accounts).",
		}, []string{"reason"}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "scolpass_rate_limited_total", Help: "Requests refused with 429 by the per-address limits, by route.",
		}, []string{"route"}),
		lockouts: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "scolpass_lockouts_total", Help: "Accounts locked on the site after too many wrong provisional passwords.",
		}),
		hashWait: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "scolpass_password_slot_wait_seconds", Help: "Time a final step waited for a password-hashing slot.",
			Buckets: []float64{.001, .01, .1, .5, 1, 2.5, 5, 10, 30},
		}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.steps, m.links, m.refusals, m.rateLimited, m.hashWait, m.lockouts,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) observe(route string, status int, d time.Duration) {
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route).Observe(d.Seconds())
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

package web

import (
	"bufio"
	"math"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// metrics are the site's series, in a registry of each server's own (two
// servers in one test process do not collide), served in the Prometheus
// text exposition format (version 0.0.4) that every scraper reads.
//
// The registry is written here rather than taken from the Prometheus client
// library: that library's package initialisation (default registry, Go and
// process collectors, protobuf descriptors) ran in every scolpass command,
// `scolpass version` included, and cost more than twice a whole Go
// program's start (README, "Performance"). Only serve builds a registry.
type metrics struct {
	series      []collector
	requests    *counterVec
	latency     *histogramVec
	steps       *counterVec
	links       *counterVec
	refusals    *counterVec
	rateLimited *counterVec
	hashWait    *histogram
	lockouts    *counter
}

func newMetrics() *metrics {
	m := &metrics{
		requests: newCounterVec("scolpass_http_requests_total", "HTTP requests by route and status.", "route", "status"),
		latency: newHistogramVec("scolpass_http_request_duration_seconds", "Time to answer, by route.",
			[]float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}, "route"),
		steps:       newCounterVec("scolpass_steps_completed_total", "Steps of the guide completed on the site.", "step"),
		links:       newCounterVec("scolpass_links_sent_total", "Emailed links queued from the site, by step (4 or 6-2).", "step"),
		refusals:    newCounterVec("scolpass_refusals_total", "Answers refused by the activation service, by reason (auth_failed counts wrong passwords and locked accounts).", "reason"),
		rateLimited: newCounterVec("scolpass_rate_limited_total", "Requests refused with 429 by the per-address limits, by route.", "route"),
	}
	hashWait := newHistogramVec("scolpass_password_slot_wait_seconds", "Time a final step waited for a password-hashing slot.",
		[]float64{.001, .01, .1, .5, 1, 2.5, 5, 10, 30})
	m.hashWait = hashWait.WithLabelValues()
	lockouts := newCounterVec("scolpass_lockouts_total", "Accounts locked on the site after too many wrong provisional passwords.")
	m.lockouts = lockouts.WithLabelValues()
	m.series = []collector{m.requests, m.latency, m.steps, m.links, m.refusals, m.rateLimited, hashWait, lockouts, runtimeSeries{}}
	return m
}

func (m *metrics) observe(route string, status int, d time.Duration) {
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route).Observe(d.Seconds())
}

func (m *metrics) handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		bw := bufio.NewWriter(w)
		for _, c := range m.series {
			c.write(bw)
		}
		bw.Flush()
	})
}

// A collector writes its series in the text exposition format.
type collector interface{ write(w *bufio.Writer) }

// family is what counters and histograms share: a name, a help text, label
// names, and one child per combination of label values.
type family[T any] struct {
	name, help, kind string
	labels           []string
	mu               sync.Mutex
	children         map[string]*T // by label values joined with \xff
	newChild         func() *T
}

func (f *family[T]) child(values []string) *T {
	if len(values) != len(f.labels) {
		panic("metrics: " + f.name + " takes " + strconv.Itoa(len(f.labels)) + " label values")
	}
	key := strings.Join(values, "\xff")
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.children[key]
	if !ok {
		c = f.newChild()
		f.children[key] = c
	}
	return c
}

// each calls fn with the label pairs of each child, sorted by label values.
func (f *family[T]) each(w *bufio.Writer, fn func(labels string, c *T)) {
	f.mu.Lock()
	keys := make([]string, 0, len(f.children))
	for k := range f.children {
		keys = append(keys, k)
	}
	children := make(map[string]*T, len(keys))
	for _, k := range keys {
		children[k] = f.children[k]
	}
	f.mu.Unlock()
	slices.Sort(keys)
	w.WriteString("# HELP " + f.name + " " + escapeHelp(f.help) + "\n# TYPE " + f.name + " " + f.kind + "\n")
	for _, k := range keys {
		var b strings.Builder
		if len(f.labels) > 0 {
			for i, v := range strings.Split(k, "\xff") {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(f.labels[i] + `="` + escapeLabel(v) + `"`)
			}
		}
		fn(b.String(), children[k])
	}
}

// counter is a float that only goes up.
type counter struct{ bits atomic.Uint64 }

func (c *counter) Inc() { c.Add(1) }

// Add adds v (v >= 0) to the counter.
func (c *counter) Add(v float64) {
	for {
		old := c.bits.Load()
		if c.bits.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
			return
		}
	}
}

func (c *counter) value() float64 { return math.Float64frombits(c.bits.Load()) }

type counterVec struct{ family[counter] }

func newCounterVec(name, help string, labels ...string) *counterVec {
	return &counterVec{family[counter]{name: name, help: help, kind: "counter", labels: labels,
		children: map[string]*counter{}, newChild: func() *counter { return new(counter) }}}
}

// WithLabelValues returns the counter of those label values, in the order
// of the label names; it panics on a wrong number of values.
func (v *counterVec) WithLabelValues(values ...string) *counter { return v.child(values) }

func (v *counterVec) write(w *bufio.Writer) {
	v.each(w, func(labels string, c *counter) {
		writeSample(w, v.name, labels, c.value())
	})
}

// histogram counts observations into cumulative buckets.
type histogram struct {
	mu     sync.Mutex
	bounds []float64
	counts []uint64 // per bucket, not cumulative; one more for +Inf
	sum    float64
}

// Observe records one value.
func (h *histogram) Observe(v float64) {
	i, _ := slices.BinarySearch(h.bounds, v)
	h.mu.Lock()
	h.counts[i]++
	h.sum += v
	h.mu.Unlock()
}

type histogramVec struct{ family[histogram] }

func newHistogramVec(name, help string, bounds []float64, labels ...string) *histogramVec {
	return &histogramVec{family[histogram]{name: name, help: help, kind: "histogram", labels: labels,
		children: map[string]*histogram{}, newChild: func() *histogram {
			return &histogram{bounds: bounds, counts: make([]uint64, len(bounds)+1)}
		}}}
}

// WithLabelValues returns the histogram of those label values.
func (v *histogramVec) WithLabelValues(values ...string) *histogram { return v.child(values) }

func (v *histogramVec) write(w *bufio.Writer) {
	v.each(w, func(labels string, h *histogram) {
		h.mu.Lock()
		counts, sum := slices.Clone(h.counts), h.sum
		h.mu.Unlock()
		sep := ""
		if labels != "" {
			sep = ","
		}
		var cum uint64
		for i, n := range counts {
			cum += n
			le := "+Inf"
			if i < len(h.bounds) {
				le = formatFloat(h.bounds[i])
			}
			writeSample(w, v.name+"_bucket", labels+sep+`le="`+le+`"`, float64(cum))
		}
		writeSample(w, v.name+"_sum", labels, sum)
		writeSample(w, v.name+"_count", labels, float64(cum))
	})
}

// runtimeSeries are the usual Go and process gauges, with the names the
// Prometheus client gives them so that existing dashboards keep working.
type runtimeSeries struct{}

var processStart = time.Now()

func (runtimeSeries) write(w *bufio.Writer) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	gauge := func(name, help, kind string, v float64) {
		w.WriteString("# HELP " + name + " " + help + "\n# TYPE " + name + " " + kind + "\n")
		writeSample(w, name, "", v)
	}
	gauge("go_goroutines", "Number of goroutines that currently exist.", "gauge", float64(runtime.NumGoroutine()))
	gauge("go_memstats_heap_alloc_bytes", "Number of heap bytes allocated and currently in use.", "gauge", float64(ms.HeapAlloc))
	gauge("go_memstats_sys_bytes", "Number of bytes obtained from system.", "gauge", float64(ms.Sys))
	gauge("go_gc_cycles_total", "Number of completed GC cycles.", "counter", float64(ms.NumGC))
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		gauge("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", "counter", cpu.Seconds())
	}
	if b, err := os.ReadFile("/proc/self/statm"); err == nil {
		if f := strings.Fields(string(b)); len(f) > 1 {
			if pages, err := strconv.ParseFloat(f[1], 64); err == nil {
				gauge("process_resident_memory_bytes", "Resident memory size in bytes.", "gauge", pages*float64(os.Getpagesize()))
			}
		}
	}
	if fds, err := os.ReadDir("/proc/self/fd"); err == nil {
		gauge("process_open_fds", "Number of open file descriptors.", "gauge", float64(len(fds)))
	}
	gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.", "gauge", float64(processStart.UnixNano())/1e9)
}

func writeSample(w *bufio.Writer, name, labels string, v float64) {
	w.WriteString(name)
	if labels != "" {
		w.WriteString("{" + labels + "}")
	}
	w.WriteString(" " + formatFloat(v) + "\n")
}

func formatFloat(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

var (
	labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	helpEscaper  = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
)

func escapeLabel(s string) string { return labelEscaper.Replace(s) }
func escapeHelp(s string) string  { return helpEscaper.Replace(s) }

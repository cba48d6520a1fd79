// Package web is the student face of scolpass (scolpass serve): the 8 steps
// of the activation guide as server-rendered pages, in French and English,
// over the same activation service as the command line. It decides no rule:
// forms are parsed into types (package form), handed to the Engine, and the
// Engine's outcome or error picks the page. One file per page action
// (<thing>_show.go, <thing>_submit.go), the route table in routes.go,
// headers, CSRF, rate limits and logging in middleware.go.
package web

import (
	"context"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime"
	"sync"
	"time"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/templates"
)

// Engine is what the pages need from the activation service;
// *activation.Service satisfies it. Every method takes the request's time.
type Engine interface {
	// StartSession is steps 1-2: identifier and provisional password. It
	// returns the session secret the browser keeps.
	StartSession(ctx context.Context, identifier, provisional string, now time.Time) (string, *activation.Outcome, error)
	// Resume tells where the session's account stands.
	Resume(ctx context.Context, secret string, now time.Time) (*activation.Outcome, error)
	// Continue runs the steps a form answers.
	Continue(ctx context.Context, secret string, ans activation.Answers, opts activation.ActivateOptions, now time.Time) (*activation.Outcome, error)
	// EndSession ends a session (leave).
	EndSession(ctx context.Context, secret string, now time.Time) error
	// InspectLink tells what an emailed link confirms without using it.
	InspectLink(ctx context.Context, token string, now time.Time) (*activation.LinkInfo, error)
	// VerifyToken follows an emailed link.
	VerifyToken(ctx context.Context, token string, now time.Time) (*activation.Outcome, error)
}

// Options configure the site. Zero values take the defaults said on each
// field.
type Options struct {
	Engine Engine
	// Now is the clock (default time.Now); SCOLPASS_NOW fixes it in rehearsals.
	Now func() time.Time
	// Ready reports whether the database is reachable and its schema
	// current (GET /readyz); nil: always ready.
	Ready func(ctx context.Context) error
	// ActivationPath is the path printed on the sheet (default /activation);
	// VerifyPath the prefix of emailed links (default /verify).
	ActivationPath string
	VerifyPath     string
	// MailDomain is the domain of identifiers (shown as the form's hint).
	MailDomain string
	// Policy is the password policy shown at step 7.
	Policy activation.PasswordPolicy
	// SessionLifetime is the cookie's Max-Age (the store enforces it).
	SessionLifetime time.Duration
	// TrustedProxies are the addresses whose X-Forwarded-For is believed.
	TrustedProxies []netip.Prefix
	// IPv6Prefix is how many leading bits of an IPv6 client's address the
	// per-address limits key it by (default 64: a home or a phone gets a
	// whole /64 and can pick any address in it; 128 keys each address).
	// IPv4 clients are keyed by their address.
	IPv6Prefix int
	// LoginRate and LinkRate are per-client-IP limits: at most Burst
	// requests at once, refilled at PerMinute (defaults 30/min burst 20 and
	// 10/min burst 5). A campus NAT shares one address: keep them generous.
	LoginRate, LinkRate Rate
	// HashSlots bounds the final steps hashing a password at once (argon2id,
	// 64 MiB each); default runtime.NumCPU().
	HashSlots int
	// HashWait is how long a final step may wait for a slot before the
	// student is told the site is busy (503, Retry-After); default 2 minutes.
	HashWait time.Duration
	// MaxBodyBytes caps request bodies (default 16 KiB).
	MaxBodyBytes int64
	// Logger receives the access log and errors (default slog.Default()).
	Logger *slog.Logger
	// Charters are the charter texts by version (default: the embedded ones).
	Charters map[string]string
	// Legal is what the personal-data and accessibility pages say
	// (default: DefaultLegal).
	Legal *Legal
}

// Rate is a token-bucket limit.
type Rate struct {
	PerMinute float64
	Burst     int
}

// Server is the site: an http.Handler.
type Server struct {
	opt     Options
	handler http.Handler
	pages   *pageSet
	metrics *metrics
	hash    chan struct{}
	login   *limiter
	links   *limiter
	legal   legalTexts // the personal-data and accessibility texts
	// loginBytes is the blank steps 1-2 page by language (showLogin).
	loginBytes sync.Map
}

// New builds the site.
func New(o Options) (*Server, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.ActivationPath == "" {
		o.ActivationPath = "/activation"
	}
	if o.VerifyPath == "" {
		o.VerifyPath = "/verify"
	}
	if o.MailDomain == "" {
		o.MailDomain = activation.DefaultConfig().MailDomain
	}
	if o.Policy == (activation.PasswordPolicy{}) {
		o.Policy = activation.DefaultPolicy
	}
	if o.SessionLifetime == 0 {
		o.SessionLifetime = activation.DefaultConfig().SessionLifetime
	}
	if o.IPv6Prefix <= 0 || o.IPv6Prefix > 128 {
		o.IPv6Prefix = 64
	}
	if o.LoginRate == (Rate{}) {
		o.LoginRate = Rate{PerMinute: 30, Burst: 20}
	}
	if o.LinkRate == (Rate{}) {
		o.LinkRate = Rate{PerMinute: 10, Burst: 5}
	}
	if o.HashSlots <= 0 {
		o.HashSlots = runtime.NumCPU()
	}
	if o.HashWait <= 0 {
		o.HashWait = 2 * time.Minute
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = 16 << 10
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	o.Logger = slog.New(WithRequestIDs(o.Logger.Handler()))
	if o.Charters == nil {
		cs, err := templates.Charters()
		if err != nil {
			return nil, err
		}
		o.Charters = map[string]string{}
		for _, c := range cs {
			o.Charters[c.Version] = c.Text
		}
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	if o.Legal == nil {
		d := DefaultLegal()
		o.Legal = &d
	}
	legal, err := loadLegal(o.Legal.PagesDir)
	if err != nil {
		return nil, err
	}
	s := &Server{
		legal:   legal,
		opt:     o,
		pages:   pages,
		metrics: newMetrics(),
		hash:    make(chan struct{}, o.HashSlots),
		login:   newLimiter(o.LoginRate),
		links:   newLimiter(o.LinkRate),
	}
	s.handler = s.routes()
	return s, nil
}

// Metrics is the Prometheus exposition of the site's series (GET
// /metrics), for a listener of the operators: the students' site does not
// serve it, since counters such as lockouts tell which logins exist.
func (s *Server) Metrics() http.Handler { return s.metrics.handler() }

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// staticFS is the CSS and the small script of progressive enhancement.
func staticFS() fs.FS {
	sub, err := fs.Sub(assets, "templates/static")
	if err != nil {
		panic(err)
	}
	return sub
}

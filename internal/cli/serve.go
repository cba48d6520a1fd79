package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/directory"
	"github.com/umontpellier/scolpass/internal/mail"
	"github.com/umontpellier/scolpass/internal/postgres"
	"github.com/umontpellier/scolpass/internal/web"
)

// ServeOptions are the flags of scolpass serve.
type ServeOptions struct {
	Listen         string
	TrustedProxies []string
	IPv6Prefix     int
	MetricsListen  string
	NoMail         bool
	MailEvery      time.Duration
	NoProvision    bool
	ProvisionEvery time.Duration
	LoginRate      float64
	LinkRate       float64
	DBConns        int
	HashSlots      int
	Drain          time.Duration
	AuditLog       string        // serve --audit-log FILE|-
	PurgeEvery     time.Duration // serve --purge-every (0: never)
	LogFormat      string
}

func newServeCmd(env *Env) *cobra.Command {
	o := &ServeOptions{}
	cmd := &cobra.Command{
		Use: `serve [--listen ADDR] [--trusted-proxy CIDR]… [--no-mail | --mail-every 3s]
               [--no-provision | --provision-every 5s] [--login-rate 30] [--link-rate 10]
               [--db-conns 16] [--hash-slots N] [--drain 30s]
               [--metrics-listen 127.0.0.1:9464] [--ipv6-prefix 64]
               [--audit-log FILE|-] [--purge-every 24h] [--log-format text|json]`,
		Short: "Serve the student activation site (the address on the sheet and the emailed links)",
		Long: `Serve the 8 steps of the activation guide as web pages, in French and English:
the activation page printed on the SCOL'PASS (the path of SCOLPASS_ACTIVATION_URL,
/activation by default) and the emailed links (BASE_URL/verify/TOKEN).

Plain HTTP: put it behind a reverse proxy that terminates TLS (the session
cookie is Secure) and name the proxy with --trusted-proxy, so that the
per-address limits see the students' addresses (X-Forwarded-For). Several
instances may share one database. GET /healthz (up), /readyz (database
reachable and migrated). Metrics (Prometheus, GET /metrics) are served on
another listener, --metrics-listen (loopback by default): counters such as
lockouts tell which logins exist, so they are not for students. SIGTERM or Ctrl-C: requests in
flight finish, then exit 0.

With SCOLPASS_SMTP_URL set, the outbox is delivered every --mail-every
(off with --no-mail); several instances never send one email twice. With
SCOLPASS_LDAP_URL set, the directory jobs of activated accounts are written
every --provision-every (off with --no-provision); several instances never
apply one job twice at once.
Audit events of the site carry channel "web".`,
		Example: `  scolpass serve
  SCOLPASS_LISTEN=0.0.0.0:8080 scolpass serve --trusted-proxy 10.0.0.5
  SCOLPASS_SMTP_URL=smtp://mail.umontpellier.fr:587 scolpass serve --listen 127.0.0.1:8080`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if v := env.Getenv("SCOLPASS_LOG_FORMAT"); v != "" && !cmd.Flags().Changed("log-format") {
				o.LogFormat = v
			}
			if v := env.Getenv("SCOLPASS_TRUSTED_PROXY"); v != "" && !cmd.Flags().Changed("trusted-proxy") {
				o.TrustedProxies = []string{v}
			}
			if !cmd.Flags().Changed("listen") {
				if v := env.Getenv("SCOLPASS_LISTEN"); v != "" {
					o.Listen = v
				}
			}
			return runServe(cmd.Context(), env, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Listen, "listen", "127.0.0.1:8080", "address to listen on (also SCOLPASS_LISTEN)")
	f.StringArrayVar(&o.TrustedProxies, "trusted-proxy", nil, "address or CIDR of a reverse proxy whose X-Forwarded-For is believed (repeatable; also SCOLPASS_TRUSTED_PROXY, comma-separated)")
	f.IntVar(&o.IPv6Prefix, "ipv6-prefix", 64, "IPv6 clients are counted by this many leading bits of their address for the per-address limits (64: one home or phone; 128: each address)")
	f.StringVar(&o.MetricsListen, "metrics-listen", "127.0.0.1:9464", "address of the operators' listener serving GET /metrics (Prometheus); empty: no metrics. Never the students' address")
	f.BoolVar(&o.NoMail, "no-mail", false, "do not deliver the outbox (another process does: scolpass mail send --watch)")
	f.DurationVar(&o.MailEvery, "mail-every", 3*time.Second, "how often the outbox is delivered")
	f.BoolVar(&o.NoProvision, "no-provision", false, "do not write the directory (another process does: scolpass provision run --watch)")
	f.DurationVar(&o.ProvisionEvery, "provision-every", 5*time.Second, "how often queued directory jobs are written (with SCOLPASS_LDAP_URL)")
	f.Float64Var(&o.LoginRate, "login-rate", 30, "sign-in attempts per minute per client address (bursts of 2/3 of it)")
	f.Float64Var(&o.LinkRate, "link-rate", 10, "emailed-link requests per minute per client address")
	f.IntVar(&o.DBConns, "db-conns", 16, "database connections of this instance")
	f.IntVar(&o.HashSlots, "hash-slots", 0, "new passwords hashed at once (argon2id, 64 MiB each; default: the number of cores); the others queue")
	f.DurationVar(&o.Drain, "drain", 30*time.Second, "on SIGTERM, how long requests in flight may take to finish")
	f.StringVar(&o.AuditLog, "audit-log", "", "append the site's audit events as JSON lines to FILE (- for stdout), as they happen")
	f.DurationVar(&o.PurgeEvery, "purge-every", 24*time.Hour, "how often the retention settings are applied (scolpass purge); 0: never")
	f.StringVar(&o.LogFormat, "log-format", "text", "log lines on stderr: text or json (slog's JSON, for a SIEM; also SCOLPASS_LOG_FORMAT)")
	return cmd
}

func parseProxies(in []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range in {
		for _, part := range strings.Split(s, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			if p, err := netip.ParsePrefix(part); err == nil {
				out = append(out, p.Masked())
				continue
			}
			a, err := netip.ParseAddr(part)
			if err != nil {
				return nil, usagef("--trusted-proxy %q is neither an address nor a CIDR", part)
			}
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
		}
	}
	return out, nil
}

func rateOf(perMinute float64) web.Rate {
	return web.Rate{PerMinute: perMinute, Burst: max(1, int(perMinute*2/3))}
}

func pathOf(raw, def string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Path == "" || u.Path == "/" {
		return def
	}
	return strings.TrimRight(u.Path, "/")
}

func runServe(ctx context.Context, env *Env, o *ServeOptions) error {
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM)
	defer stop()
	log, err := serveLogger(env.Stderr, o.LogFormat)
	if err != nil {
		return err
	}
	proxies, err := parseProxies(o.TrustedProxies)
	if err != nil {
		return err
	}
	if o.IPv6Prefix < 1 || o.IPv6Prefix > 128 {
		return usagef("--ipv6-prefix %d must be between 1 and 128", o.IPv6Prefix)
	}
	ce, err := env.setup(ctx)
	if err != nil {
		return err
	}
	if ce.cfg.CheckPassword, err = env.passwordChecker(ce.cfg); err != nil {
		log.Error("change of password checked against the stored hash: bad SCOLPASS_LDAP_* settings", "err", messageOf(err))
	}
	if o.DBConns > 0 {
		ce.db.SetMaxOpenConns(o.DBConns)
		ce.db.SetMaxIdleConns(o.DBConns)
	}
	legal, err := env.legal()
	if err != nil {
		return err
	}
	legal.SiteURL = ce.cfg.BaseURL
	store, closeAudit, err := env.webStore(ce.db, o.AuditLog, log)
	if err != nil {
		return err
	}
	defer closeAudit()
	site, err := newSite(env, ce, o, proxies, log, store, legal)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.Listen)
	if err != nil {
		return usagef("cannot listen on %s: %v", o.Listen, err)
	}
	srv := &http.Server{
		Handler:           site,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      3 * time.Minute, // a final step may queue for a hashing slot (web.Options.HashWait)
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    32 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	metricsSrv := serveMetrics(o.MetricsListen, site, env, log)
	workersDone := startWorkers(ctx, env, ce, o, log)
	log.Info("serving", "address", "http://"+ln.Addr().String(), "activation", pathOf(ce.cfg.ActivationURL, "/activation"))
	fmt.Fprintf(env.Stderr, "scolpass serve: listening on http://%s\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight")
	sctx, cancel := context.WithTimeout(context.Background(), o.Drain)
	defer cancel()
	err = srv.Shutdown(sctx)
	if metricsSrv != nil {
		_ = metricsSrv.Shutdown(sctx)
	}
	site.WaitBackground() // lost-password and lost-login requests answered, not yet done
	workersDone()
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

// newSite is the students' site over the activation service of the
// database.
func newSite(env *Env, ce *cmdEnv, o *ServeOptions, proxies []netip.Prefix, log *slog.Logger, store activation.Store, legal *web.Legal) (*web.Server, error) {
	cfg, db := ce.cfg, ce.db
	return web.New(web.Options{
		Engine: &activation.Service{Store: store, Config: cfg},
		Now: func() time.Time {
			t, _ := env.now()
			return t
		},
		Ready:           db.CheckSchema,
		ActivationPath:  pathOf(cfg.ActivationURL, "/activation"),
		VerifyPath:      pathOf(cfg.BaseURL, "") + "/verify",
		MailDomain:      cfg.MailDomain,
		Policy:          cfg.Policy,
		SessionLifetime: cfg.SessionLifetime,
		TrustedProxies:  proxies,
		IPv6Prefix:      o.IPv6Prefix,
		LoginRate:       rateOf(o.LoginRate),
		LinkRate:        rateOf(o.LinkRate),
		HashSlots:       o.HashSlots,
		Logger:          log,
		Legal:           legal,
	})
}

// serveMetrics serves GET /metrics on addr, the operators' listener, and
// returns its server (nil when addr is empty or cannot be listened on).
// The students' site does not depend on it: an address in use is logged
// and the site is served without metrics.
func serveMetrics(addr string, site *web.Server, env *Env, log *slog.Logger) *http.Server {
	if addr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		log.Error("metrics off: cannot listen on --metrics-listen", "address", addr, "err", err.Error())
		return nil
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", site.Metrics())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	go func() { _ = srv.Serve(ln) }()
	fmt.Fprintf(env.Stderr, "scolpass serve: metrics on http://%s/metrics\n", ln.Addr())
	return srv
}

// startWorkers starts the outbox delivery (SCOLPASS_SMTP_URL set) and the
// directory writes (SCOLPASS_LDAP_URL set) in the background, unless the
// flags turn them off, and returns a function that waits for both to end
// once ctx is done.
func startWorkers(ctx context.Context, env *Env, ce *cmdEnv, o *ServeOptions, log *slog.Logger) (wait func()) {
	cfg, db := ce.cfg, ce.db
	mailDone := make(chan struct{})
	if smtpURL := env.Getenv("SCOLPASS_SMTP_URL"); smtpURL != "" && !o.NoMail {
		go func() {
			defer close(mailDone)
			mailLoop(ctx, env, db, o.MailEvery, log)
		}()
	} else {
		close(mailDone)
		if !o.NoMail {
			log.Warn("SCOLPASS_SMTP_URL is not set: emails stay in the outbox (scolpass mail send delivers them)")
		}
	}
	// The directory (SCOLPASS_LDAP_URL set): the jobs the web steps queue
	// are written within seconds, like the outbox.
	provisionDone := func() {}
	if cfg.Provision && !o.NoProvision {
		dir, derr := env.directoryConfig()
		if derr != nil {
			log.Error("directory writes off: bad SCOLPASS_LDAP_* settings (jobs stay queued for scolpass provision run)", "err", messageOf(derr))
		} else if wait, err := env.startProvisioning(ctx, db, *dir, cfg, o.ProvisionEvery, func(sum directory.Summary, err error) {
			if err != nil {
				log.Error("directory", "err", messageOf(err))
			}
		}); err != nil {
			log.Error("directory writes off", "err", messageOf(err))
		} else {
			provisionDone = wait
		}
	}
	purgeDone := env.startPurge(ctx, db, o.PurgeEvery, log)
	return func() {
		<-mailDone
		provisionDone()
		purgeDone()
	}
}

// mailLoop delivers the outbox every interval until ctx ends.
func mailLoop(ctx context.Context, env *Env, db *postgres.DB, every time.Duration, log *slog.Logger) {
	smtpURL, from, _ := env.mailSettings()
	sender, err := mail.NewSMTPSender(smtpURL, from)
	if err != nil {
		log.Error("mail delivery off: bad SCOLPASS_SMTP_URL", "err", err.Error())
		return
	}
	defer sender.Close()
	report := func(format string, args ...any) { log.Warn(fmt.Sprintf(format, args...)) }
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		now, _ := env.now()
		r, err := deliverOutbox(ctx, db, sender, from, now, report)
		if err != nil && ctx.Err() == nil {
			log.Error("mail delivery", "err", activation.ErrorMessage(err))
		}
		if r.sent+r.retry+r.failed > 0 {
			log.Info("mail delivered", "sent", r.sent, "retry", r.retry, "failed", r.failed)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

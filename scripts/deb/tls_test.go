package deb

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/umontpellier/scolpass/internal/cli"
	"github.com/umontpellier/scolpass/internal/cli/servetest"
	"github.com/umontpellier/scolpass/internal/mail/smtptest"
	"github.com/umontpellier/scolpass/internal/postgres/pgtest"
)

// The whole stack as a university runs it: Debian's nginx, or Apache,
// with the site file the package ships (only the certificate paths, the
// ports and the upstream address swapped), TLS with a certificate made
// here, in front of scolpass serve --trusted-proxy 127.0.0.1/32 on a real
// PostgreSQL and SMTP server; Chromium walks an activation over https.

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// lookTool finds a command or, outside CI, skips the test: make test
// installs them (scripts/ensure-tools.sh).
func lookTool(t *testing.T, names ...string) string {
	t.Helper()
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
		for _, dir := range []string{"/usr/sbin", "/sbin"} {
			if p := filepath.Join(dir, n); fileExists(p) {
				return p
			}
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is not installed: make test installs it (scripts/ensure-tools.sh)", names[0])
	}
	t.Skipf("%s is not installed: the TLS stack test is skipped (make test installs it)", names[0])
	return ""
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// certPair writes a self-signed certificate for localhost and 127.0.0.1
// and returns the files, a client configuration trusting it, and the
// base64 SHA-256 of its public key (for Chromium).
func certPair(t *testing.T, dir string) (certFile, keyFile string, client *tls.Config, spki string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "localhost"},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	sum := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	return certFile, keyFile, &tls.Config{RootCAs: pool, ServerName: "localhost"}, base64.StdEncoding.EncodeToString(sum[:])
}

// swap replaces each old string of the shipped file by its new one, and
// fails if one is missing: the test runs the file as shipped, nothing else.
func swap(t *testing.T, file string, pairs ...string) string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for i := 0; i < len(pairs); i += 2 {
		if !strings.Contains(s, pairs[i]) {
			t.Fatalf("%s no longer holds %q: update the test with the site", file, pairs[i])
		}
		s = strings.ReplaceAll(s, pairs[i], pairs[i+1])
	}
	return s
}

// stack is scolpass on its own database and SMTP server, its students
// imported and their sheets printed, serve running behind a proxy.
type stack struct {
	t         *testing.T
	vars      map[string]string
	smtp      *smtptest.Server
	passwords map[string]string
	serveAddr string
	logs      *servetest.Logs
}

var (
	provisionalRE = regexp.MustCompile(`\b[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{2}\b`)
	loginRE       = regexp.MustCompile(`\b([a-z0-9-]+\.[a-z0-9-]+\d*)@etu\.umontpellier\.fr\b`)
	linkRE        = regexp.MustCompile(`https?://\S+/verify/[A-Za-z0-9_-]+`)
)

func (s *stack) run(args ...string) string {
	s.t.Helper()
	var out strings.Builder
	env := &cli.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out, Getenv: func(k string) string { return s.vars[k] }}
	if code := cli.Run(context.Background(), env, args); code != 0 {
		s.t.Fatalf("scolpass %v: exit %d\n%s", args, code, out.String())
	}
	return out.String()
}

func newStack(t *testing.T, baseURL string) *stack {
	t.Helper()
	s := &stack{t: t, smtp: smtptest.Start(t), passwords: map[string]string{}, logs: &servetest.Logs{}}
	s.serveAddr = fmt.Sprintf("127.0.0.1:%d", freePort(t))
	s.vars = map[string]string{
		"DATABASE_URL": pgtest.NewDatabase(t), "SCOLPASS_SMTP_URL": s.smtp.URL(), "SCOLPASS_BASE_URL": baseURL,
		"SCOLPASS_OPERATOR": "test", "SCOLPASS_ARGON2_MEMORY_KIB": "1024", "SCOLPASS_ARGON2_TIME": "1", "SCOLPASS_ARGON2_THREADS": "1",
	}
	dir := t.TempDir()
	csv := filepath.Join(dir, "students.csv")
	if err := os.WriteFile(csv, []byte("numero_etudiant;nom;prenom;formation\n22600001;Dupont;Jean;L1INFO\n22600002;Martin;Léa;L1MATH\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s.run("migrate")
	s.run("import-students", csv)
	s.run("issue-scolpass", "--all", "--out", filepath.Join(dir, "sheets.pdf"))
	out, err := exec.Command("pdftotext", "-layout", "-enc", "UTF-8", filepath.Join(dir, "sheets.pdf"), "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v (scripts/ensure-tools.sh installs poppler-utils)", err)
	}
	for _, page := range strings.Split(string(out), "\f") {
		if l, p := loginRE.FindStringSubmatch(page), provisionalRE.FindString(page); l != nil && p != "" {
			s.passwords[l[1]] = p
		}
	}

	// serve, as the unit runs it, with a small sign-in limit for the test.
	servetest.Start(t, s.logs, func(k string) string { return s.vars[k] },
		"--listen", s.serveAddr, "--trusted-proxy", "127.0.0.1/32", "--mail-every", "100ms", "--login-rate", "6", "--log-format", "json")
	return s
}

// lastLink waits for an email to addr and returns its link.
func (s *stack) lastLink(addr string) string {
	s.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		for _, m := range s.smtp.Messages() {
			for _, to := range m.To {
				if strings.EqualFold(to, addr) {
					body, err := m.DecodedBody()
					if err != nil {
						s.t.Fatal(err)
					}
					if l := linkRE.FindString(body); l != "" {
						return l
					}
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatalf("no link received by %s", addr)
	return ""
}

// proxy is a running nginx or Apache.
type proxy struct {
	name              string
	httpsURL, httpURL string
	accessLog         string
}

// startProc runs a server in the foreground until the test ends, and
// waits until addr accepts TLS connections.
func startProc(t *testing.T, name string, addr string, tc *tls.Config, errLog string, argv ...string) {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	var out servetest.Logs
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := tls.DialWithDialer(&net.Dialer{Timeout: time.Second}, "tcp", addr, tc)
		if err == nil {
			c.Close()
			return
		}
		select {
		case err := <-exited:
			log, _ := os.ReadFile(errLog)
			t.Fatalf("%s exited: %v\n%s\n%s", name, err, out.String(), log)
		default:
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(errLog)
			t.Fatalf("%s does not answer TLS on %s: %v\n%s\n%s", name, addr, err, out.String(), log)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// startNginx runs Debian's nginx with the shipped site.
func startNginx(t *testing.T, dir, cert, key, upstream string, httpsPort, httpPort int, tc *tls.Config) *proxy {
	t.Helper()
	bin := lookTool(t, "nginx")
	site := swap(t, "nginx/scolpass.conf",
		"listen 80;", fmt.Sprintf("listen 127.0.0.1:%d;", httpPort),
		"listen [::]:80;", "",
		"listen 443 ssl http2;", fmt.Sprintf("listen 127.0.0.1:%d ssl http2;", httpsPort),
		"listen [::]:443 ssl http2;", "",
		"/etc/ssl/certs/scolpass.pem", cert,
		"/etc/ssl/private/scolpass.key", key,
		"server 127.0.0.1:8080;", "server "+upstream+";",
		"/var/log/nginx/scolpass.access.log", filepath.Join(dir, "access.log"))
	must(t, os.WriteFile(filepath.Join(dir, "site.conf"), []byte(site), 0o644))
	conf := fmt.Sprintf(`worker_processes 1;
daemon off;
master_process on;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 128; }
http {
    client_body_temp_path %[1]s/body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
    include %[1]s/site.conf;
}
`, dir)
	must(t, os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(conf), 0o644))
	startProc(t, "nginx", fmt.Sprintf("127.0.0.1:%d", httpsPort), tc, filepath.Join(dir, "error.log"), bin, "-c", filepath.Join(dir, "nginx.conf"), "-p", dir)
	return &proxy{name: "nginx", httpsURL: fmt.Sprintf("https://localhost:%d", httpsPort), httpURL: fmt.Sprintf("http://127.0.0.1:%d", httpPort),
		accessLog: filepath.Join(dir, "access.log")}
}

// startApache runs Debian's apache2 with the shipped site.
func startApache(t *testing.T, dir, cert, key, upstream string, httpsPort, httpPort int, tc *tls.Config) *proxy {
	t.Helper()
	bin := lookTool(t, "apache2")
	site := swap(t, "apache2/scolpass.conf",
		"<VirtualHost *:80>", fmt.Sprintf("<VirtualHost 127.0.0.1:%d>", httpPort),
		"<VirtualHost *:443>", fmt.Sprintf("<VirtualHost 127.0.0.1:%d>", httpsPort),
		"/etc/ssl/certs/scolpass.pem", cert,
		"/etc/ssl/private/scolpass.key", key,
		"http://127.0.0.1:8080/", "http://"+upstream+"/")
	must(t, os.WriteFile(filepath.Join(dir, "site.conf"), []byte(site), 0o644))
	mods := "/usr/lib/apache2/modules"
	var load strings.Builder
	for _, m := range []string{"mpm_event", "authz_core", "authz_host", "alias", "headers", "proxy", "proxy_http", "ssl", "socache_shmcb", "http2"} {
		fmt.Fprintf(&load, "LoadModule %s_module %s/mod_%s.so\n", m, mods, m)
	}
	user := ""
	if os.Geteuid() == 0 {
		user = "User nobody\nGroup nogroup\n"
	}
	conf := fmt.Sprintf(`ServerRoot %[1]s
DefaultRuntimeDir %[1]s
PidFile %[1]s/apache2.pid
Mutex posixsem default
ErrorLog %[1]s/error.log
LogLevel warn
ServerName localhost
%[2]s%[3]sDefine APACHE_LOG_DIR %[1]s
Listen 127.0.0.1:%[4]d
Listen 127.0.0.1:%[5]d
Include %[1]s/site.conf
`, dir, load.String(), user, httpPort, httpsPort)
	must(t, os.WriteFile(filepath.Join(dir, "apache2.conf"), []byte(conf), 0o644))
	startProc(t, "apache2", fmt.Sprintf("127.0.0.1:%d", httpsPort), tc, filepath.Join(dir, "error.log"), bin, "-f", filepath.Join(dir, "apache2.conf"), "-DFOREGROUND")
	return &proxy{name: "apache2", httpsURL: fmt.Sprintf("https://localhost:%d", httpsPort), httpURL: fmt.Sprintf("http://127.0.0.1:%d", httpPort),
		accessLog: filepath.Join(dir, "scolpass.access.log")}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// clientFrom is a student's device at a loopback address of its own
// (127.0.0.2, …): the proxy sees it as that client.
func clientFrom(src string, tc *tls.Config) *http.Client {
	d := &net.Dialer{Timeout: 10 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
	return &http.Client{
		Transport:     &http.Transport{DialContext: d.DialContext, TLSClientConfig: tc, ForceAttemptHTTP2: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}
}

func do(t *testing.T, c *http.Client, method, u string, body string, hdr map[string]string) *http.Response {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, u, r)
	must(t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res
}

func TestTLSProxies(t *testing.T) {
	lookTool(t, "nginx")
	lookTool(t, "apache2")
	chromium := lookTool(t, "chromium", "chromium-browser", "google-chrome")
	for _, name := range []string{"nginx", "apache2"} {
		t.Run(name, func(t *testing.T) {
			dir, err := os.MkdirTemp("", "scolpass-"+name+"-")
			must(t, err)
			t.Cleanup(func() { os.RemoveAll(dir) })
			must(t, os.Chmod(dir, 0o755)) // the workers run as nobody
			cert, key, tc, spki := certPair(t, dir)
			httpsPort, httpPort := freePort(t), freePort(t)
			base := fmt.Sprintf("https://localhost:%d", httpsPort)
			s := newStack(t, base)
			var p *proxy
			if name == "nginx" {
				p = startNginx(t, dir, cert, key, s.serveAddr, httpsPort, httpPort, tc)
			} else {
				p = startApache(t, dir, cert, key, s.serveAddr, httpsPort, httpPort, tc)
			}
			walkOverHTTPS(t, chromium, spki, s, p)
			checkProxyRules(t, s, p, tc)
		})
	}
}

// walkOverHTTPS: Chromium walks Jean's activation through the proxy; the
// __Host- cookie is set Secure and sent back, the emailed link is https.
func walkOverHTTPS(t *testing.T, chromium, spki string, s *stack, p *proxy) {
	profile := t.TempDir()
	alloc, cancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium), chromedp.UserDataDir(profile),
		chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("no-first-run", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("accept-lang", "fr-FR,fr"),
		chromedp.Flag("ignore-certificate-errors-spki-list", spki),
	)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(alloc)
	t.Cleanup(cancel2)
	ctx, cancel3 := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(cancel3)
	runB := func(actions ...chromedp.Action) {
		t.Helper()
		if err := chromedp.Run(ctx, actions...); err != nil {
			t.Fatalf("chromium: %v", err)
		}
	}
	text := func() string {
		var s string
		_ = chromedp.Run(ctx, chromedp.Evaluate(`document.body ? document.body.innerText : ""`, &s))
		return s
	}
	expect := func(want string) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for !strings.Contains(text(), want) {
			if time.Now().After(deadline) {
				t.Fatalf("the page does not say %q:\n%s", want, text())
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	submit := func(form string) {
		t.Helper()
		var ig any
		runB(chromedp.Evaluate(`window.__stale = true; setTimeout(() => document.querySelector(`+fmt.Sprintf("%q", form+" button[type=submit]")+`).click(), 0); true`, &ig))
		deadline := time.Now().Add(20 * time.Second)
		for {
			var ok bool
			if err := chromedp.Run(ctx, chromedp.Evaluate(`!window.__stale && document.readyState === 'complete'`, &ok)); err == nil && ok {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("no page after submitting %s", form)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	runB(chromedp.Navigate(p.httpsURL + "/activation"))
	expect("Étapes 1 et 2 sur 8")
	runB(chromedp.SetValue("#identifier", "jean.dupont@etu.umontpellier.fr", chromedp.ByID),
		chromedp.SetValue("#password", s.passwords["jean.dupont"], chromedp.ByID))
	submit("form")
	expect("Étape 3 sur 8")

	var cookies []*network.Cookie
	runB(chromedp.ActionFunc(func(ctx context.Context) error {
		var err error
		cookies, err = network.GetCookies().WithURLs([]string{p.httpsURL + "/"}).Do(ctx)
		return err
	}))
	var session *network.Cookie
	for _, c := range cookies {
		if c.Name == "__Host-scolpass" {
			session = c
		}
	}
	if session == nil {
		t.Fatalf("%s: Chromium holds no __Host-scolpass cookie after steps 1-2 over https: %+v", p.name, cookies)
	}
	if !session.Secure || !session.HTTPOnly || session.Path != "/" || session.Domain != "localhost" {
		t.Errorf("%s: the session cookie is %+v, want Secure, HttpOnly, Path=/, host-only", p.name, session)
	}

	runB(chromedp.SetValue("#email", "jean@example.org", chromedp.ByID))
	submit("form[action$=recovery]")
	expect("jean@example.org")
	link := s.lastLink("jean@example.org")
	if !strings.HasPrefix(link, p.httpsURL+"/verify/") {
		t.Errorf("%s: the emailed link is %s, want %s/verify/…", p.name, link, p.httpsURL)
	}
	runB(chromedp.Navigate(link))
	submit("form")
	expect("confirmé")
	// The same tab, on the activation page again: the cookie is sent back
	// through the proxy and the session goes on at step 5.
	runB(chromedp.Navigate(p.httpsURL + "/activation"))
	expect("Étape 5 sur 8")
	runB(chromedp.Click("#accept", chromedp.ByID))
	submit("form[action$=charter]")
	expect("Étape 6-1 sur 8")
	submit("form[action$=mailbox]")
	expect("Étape 7 sur 8")
	runB(chromedp.SetValue("#new_password", "Vert-Galet-Orage-73", chromedp.ByID), chromedp.SetValue("#confirm_password", "Vert-Galet-Orage-73", chromedp.ByID))
	submit("form[action$=password]")
	expect("Étape 8 sur 8")
}

// checkProxyRules: HSTS, the http→https redirect, the body cap, /metrics
// kept off the public site, and the per-address limit counting each
// student's address (from the header the proxy sets), not the proxy's.
func checkProxyRules(t *testing.T, s *stack, p *proxy, tc *tls.Config) {
	a := clientFrom("127.0.0.2", tc)
	b := clientFrom("127.0.0.3", tc)
	same := map[string]string{"Origin": p.httpsURL, "Sec-Fetch-Site": "same-origin"}

	r := do(t, a, "GET", p.httpsURL+"/activation", "", nil)
	if r.StatusCode != 200 || !strings.HasPrefix(r.Header.Get("Strict-Transport-Security"), "max-age=") {
		t.Errorf("%s: GET /activation: %d, HSTS %q", p.name, r.StatusCode, r.Header.Get("Strict-Transport-Security"))
	}
	if r.Header.Get("X-Request-Id") == "" {
		t.Errorf("%s: no X-Request-Id in the answer", p.name)
	}
	if r := do(t, a, "GET", p.httpURL+"/activation", "", nil); r.StatusCode != http.StatusMovedPermanently || !strings.HasPrefix(r.Header.Get("Location"), "https://") {
		t.Errorf("%s: plain http: %d → %q, want a 301 to https", p.name, r.StatusCode, r.Header.Get("Location"))
	}
	big := "identifier=" + strings.Repeat("x", 20<<10)
	if r := do(t, a, "POST", p.httpsURL+"/activation/login", big, same); r.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("%s: a 20 KiB form: %d, want 413", p.name, r.StatusCode)
	}

	// /metrics: not on the students' listener of scolpass (it has its own,
	// --metrics-listen), and refused by the proxy too, however spelt.
	if r := do(t, a, "GET", "http://"+s.serveAddr+"/metrics", "", nil); r.StatusCode != 404 {
		t.Fatalf("serve's students' listener answers /metrics: %d", r.StatusCode)
	}
	for _, path := range []string{"/metrics", "/%6detrics", "/metrics?x=1", "//metrics"} {
		if r := do(t, a, "GET", p.httpsURL+path, "", nil); r.StatusCode != 403 && r.StatusCode != 404 {
			t.Errorf("%s: GET %s through the proxy: %d, want 403 or 404", p.name, path, r.StatusCode)
		}
	}

	// Student A signs in wrongly until the limit answers 429; a forged
	// X-Forwarded-For changes nothing; student B, another address behind
	// the same proxy, is not limited.
	wrong := url.Values{"identifier": {"nobody.here"}, "password": {"AAAA-BBBB-CCCC-DD"}}.Encode()
	limited := false
	for i := 0; i < 12 && !limited; i++ {
		limited = do(t, a, "POST", p.httpsURL+"/activation/login", wrong, same).StatusCode == http.StatusTooManyRequests
	}
	if !limited {
		t.Fatalf("%s: 12 wrong sign-ins from one address never got 429", p.name)
	}
	forged := map[string]string{"Origin": p.httpsURL, "Sec-Fetch-Site": "same-origin", "X-Forwarded-For": "198.51.100.7", "X-Real-IP": "198.51.100.7"}
	if r := do(t, a, "POST", p.httpsURL+"/activation/login", wrong, forged); r.StatusCode != http.StatusTooManyRequests {
		t.Errorf("%s: a forged X-Forwarded-For escaped the limit: %d", p.name, r.StatusCode)
	}
	if r := do(t, b, "POST", p.httpsURL+"/activation/login", wrong, same); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("%s: another student behind the same proxy got %d, want 401", p.name, r.StatusCode)
	}
	logs := s.logs.String()
	for _, want := range []string{`"client":"127.0.0.2"`, `"client":"127.0.0.3"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("%s: serve's log never names %s:\n%s", p.name, want, logs)
		}
	}
	if strings.Contains(logs, `"client":"198.51.100.7"`) {
		t.Errorf("%s: serve believed a forged X-Forwarded-For", p.name)
	}
	// Neither log keeps the link's token.
	link := s.lastLink("jean@example.org")
	token := link[strings.LastIndex(link, "/")+1:]
	access, _ := os.ReadFile(p.accessLog)
	if len(access) == 0 {
		t.Errorf("%s: no access log at %s", p.name, p.accessLog)
	}
	if strings.Contains(string(access), token) || strings.Contains(logs, token) {
		t.Errorf("%s: a log holds the emailed link's token", p.name)
	}
}

// Command bench-serve is the load generator of scripts/bench-serve.sh.
//
//	bench-serve floor -addr 127.0.0.1:PORT -page FILE
//	    serves FILE's bytes at every path: a bare net/http handler, the floor
//	bench-serve creds -domain D < sheets.txt
//	    prints "identifier password" per page of pdftotext -layout's output
//	bench-serve run -url URL -floor URL -creds FILE -mails DIR [-c 200] [-r 25]
//	    1. ordinary pages: -c clients each GET the floor -r times, then the
//	       same against URL/activation; p50/p99 of both
//	    2. the flow: -c students at once, each from the sheet to step 8 (the
//	       link of step 4 read from the mails scripts/smtp-catcher writes in
//	       DIR); p50/p99 of ordinary pages under that load, step-7 throughput,
//	       answers by status
//
// Requests only go to the addresses given (loopback); every loop is bounded.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: bench-serve floor|run [flags]")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "floor":
		floor(os.Args[2:])
	case "creds":
		if err := readSheets(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "bench-serve:", err)
			os.Exit(1)
		}
	case "run":
		if err := run(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "bench-serve:", err)
			os.Exit(1)
		}
	default:
		fmt.Fprintln(os.Stderr, "usage: bench-serve floor|run [flags]")
		os.Exit(2)
	}
}

func floor(args []string) {
	fs := flag.NewFlagSet("floor", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:0", "loopback address")
	page := fs.String("page", "", "file whose bytes every answer carries")
	_ = fs.Parse(args)
	b, err := os.ReadFile(*page)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(b)
	})
	fmt.Fprintln(os.Stderr, http.ListenAndServe(*addr, nil))
	os.Exit(1)
}

type sample struct {
	kind   string
	status int
	d      time.Duration
	start  time.Time
}

type recorder struct {
	mu      sync.Mutex
	samples []sample
}

func (r *recorder) add(s sample) {
	r.mu.Lock()
	r.samples = append(r.samples, s)
	r.mu.Unlock()
}

func pct(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	i := int(p*float64(len(ds))+0.5) - 1
	return ds[max(0, min(i, len(ds)-1))]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

var client = &http.Client{
	Transport:     &http.Transport{MaxIdleConns: 1000, MaxIdleConnsPerHost: 1000, IdleConnTimeout: time.Minute},
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Timeout:       2 * time.Minute,
}

// student is one browser: its cookies by name.
type student struct {
	base    string
	cookies map[string]string
	rec     *recorder
}

func (s *student) do(kind, method, path string, form url.Values) (int, string, string, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, s.base+path, body)
	if err != nil {
		return 0, "", "", err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range s.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	t0 := time.Now()
	res, err := client.Do(req)
	if err != nil {
		return 0, "", "", err
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	s.rec.add(sample{kind: kind, status: res.StatusCode, d: time.Since(t0), start: t0})
	for _, c := range res.Cookies() {
		s.cookies[c.Name] = c.Value
	}
	return res.StatusCode, res.Header.Get("Location"), string(b), nil
}

// step posts a form and gets the page it leads to; want is what that page
// must say.
func (s *student) step(kind, path string, form url.Values, want string) error {
	code, loc, body, err := s.do(kind, http.MethodPost, path, form)
	if err != nil {
		return err
	}
	if code != http.StatusSeeOther {
		return fmt.Errorf("%s: status %d: %.300s", kind, code, body)
	}
	_, _, body, err = s.do("page", http.MethodGet, loc, nil)
	if err != nil {
		return err
	}
	if !strings.Contains(body, want) {
		return fmt.Errorf("%s: the next page does not say %q", kind, want)
	}
	return nil
}

// mailbox reads the links the catcher writes, by recipient.
type mailbox struct {
	dir   string
	mu    sync.Mutex
	links map[string]string
	seen  map[string]bool
}

var linkRE = regexp.MustCompile(`https?://\S+/verify/([A-Za-z0-9_-]+)`)

func (m *mailbox) scan() {
	entries, _ := os.ReadDir(m.dir)
	for _, e := range entries {
		if m.seen[e.Name()] {
			continue
		}
		b, err := os.ReadFile(filepath.Join(m.dir, e.Name()))
		if err != nil {
			continue
		}
		to := strings.TrimPrefix(strings.SplitN(string(b), "\n", 2)[0], "To: ")
		if l := linkRE.FindStringSubmatch(string(b)); l != nil {
			m.mu.Lock()
			m.links[to] = "/verify/" + l[1]
			m.mu.Unlock()
			m.seen[e.Name()] = true
		}
	}
}

func (m *mailbox) wait(to string, timeout time.Duration) (string, error) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		m.mu.Lock()
		l := m.links[to]
		m.mu.Unlock()
		if l != "" {
			return l, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return "", fmt.Errorf("no link for %s after %s", to, timeout)
}

func hammer(base string, c, r int) []time.Duration {
	rec := &recorder{}
	var wg sync.WaitGroup
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := &student{base: base, cookies: map[string]string{}, rec: rec}
			for range r {
				if _, _, _, err := s.do("page", http.MethodGet, "", nil); err != nil {
					rec.add(sample{kind: "page", status: 0})
				}
			}
		}()
	}
	wg.Wait()
	var ds []time.Duration
	for _, s := range rec.samples {
		ds = append(ds, s.d)
	}
	return ds
}

func run(args []string) error {
	fs := flag.NewFlagSet("run", flag.ExitOnError)
	base := fs.String("url", "", "scolpass serve, http://127.0.0.1:PORT")
	floorURL := fs.String("floor", "", "the bare handler, http://127.0.0.1:PORT")
	credsFile := fs.String("creds", "", `file of "login password" lines`)
	dir := fs.String("mails", "", "directory where smtp-catcher writes the mails")
	c := fs.Int("c", 200, "concurrent clients (students)")
	r := fs.Int("r", 25, "requests per client in the ordinary-page phase")
	_ = fs.Parse(args)

	// 1. Ordinary pages, alone: the floor, then the site.
	fmt.Printf("ordinary pages, %d clients x %d GET:\n", *c, *r)
	fl := hammer(*floorURL+"/activation", *c, *r)
	fmt.Printf("  bare net/http, same bytes   p50 %s  p99 %s\n", ms(pct(fl, .5)), ms(pct(fl, .99)))
	st := hammer(*base+"/activation", *c, *r)
	fmt.Printf("  scolpass serve /activation  p50 %s  p99 %s  (p99 %.2fx the floor)\n", ms(pct(st, .5)), ms(pct(st, .99)),
		float64(pct(st, .99))/float64(max(1, pct(fl, .99))))

	// 2. The flow.
	f, err := os.Open(*credsFile)
	if err != nil {
		return err
	}
	var creds [][2]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		p := strings.Fields(sc.Text())
		if len(p) == 2 {
			creds = append(creds, [2]string{p[0], p[1]})
		}
	}
	f.Close()
	if len(creds) < *c {
		return fmt.Errorf("%d students in %s, %d wanted", len(creds), *credsFile, *c)
	}
	mb := &mailbox{dir: *dir, links: map[string]string{}, seen: map[string]bool{}}
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
				mb.scan()
			}
		}
	}()
	rec := &recorder{}
	var wg sync.WaitGroup
	errs := make(chan error, *c)
	t0 := time.Now()
	for i := range *c {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			s := &student{base: *base, cookies: map[string]string{}, rec: rec}
			addr := fmt.Sprintf("student%d@example.org", i)
			pw := fmt.Sprintf("Zephyr-Quartz-%d-Plume!", 1000+i)
			err := func() error {
				if _, _, _, err := s.do("page", http.MethodGet, "/activation", nil); err != nil {
					return err
				}
				if err := s.step("login", "/activation/login", url.Values{"identifier": {creds[i][0]}, "password": {creds[i][1]}}, "tape 3 sur 8"); err != nil {
					return err
				}
				if err := s.step("recovery", "/activation/recovery", url.Values{"email": {addr}}, "tape 4 sur 8"); err != nil {
					return err
				}
				link, err := mb.wait(addr, 90*time.Second)
				if err != nil {
					return err
				}
				phone := &student{base: *base, cookies: map[string]string{}, rec: rec}
				if code, _, _, err := phone.do("page", http.MethodGet, link, nil); err != nil || code != 200 {
					return fmt.Errorf("GET link: %d %v", code, err)
				}
				if code, _, _, err := phone.do("verify", http.MethodPost, link, url.Values{}); err != nil || code != 200 {
					return fmt.Errorf("POST link: %d %v", code, err)
				}
				if _, _, _, err := s.do("page", http.MethodGet, "/activation", nil); err != nil {
					return err
				}
				if err := s.step("charter", "/activation/charter", url.Values{"accept": {"yes"}}, "tape 6-1 sur 8"); err != nil {
					return err
				}
				if err := s.step("mailbox", "/activation/mailbox", url.Values{}, "tape 7 sur 8"); err != nil {
					return err
				}
				return s.step("password", "/activation/password", url.Values{"new_password": {pw}, "confirm_password": {pw}}, "tape 8 sur 8")
			}()
			if err != nil {
				errs <- fmt.Errorf("%s: %w", creds[i][0], err)
			}
		}(i)
	}
	wg.Wait()
	close(stop)
	total := time.Since(t0)
	close(errs)
	nerr := 0
	for err := range errs {
		if nerr < 5 {
			fmt.Fprintln(os.Stderr, "  failed:", err)
		}
		nerr++
	}
	byKind := map[string][]time.Duration{}
	byStatus := map[int]int{}
	var first7, last7 time.Time
	n7 := 0
	for _, s := range rec.samples {
		byKind[s.kind] = append(byKind[s.kind], s.d)
		byStatus[s.status]++
		if s.kind == "password" && s.status == http.StatusSeeOther {
			n7++
			if first7.IsZero() || s.start.Before(first7) {
				first7 = s.start
			}
			if end := s.start.Add(s.d); end.After(last7) {
				last7 = end
			}
		}
	}
	fmt.Printf("the flow, %d students at once (login, recovery, link over SMTP, verify, charter, mailbox, step 7, step 8): %s, %d failed\n",
		*c, total.Round(time.Millisecond), nerr)
	kinds := []string{"page", "login", "recovery", "verify", "charter", "mailbox", "password"}
	for _, k := range kinds {
		ds := byKind[k]
		fmt.Printf("  %-9s n=%-5d p50 %-10s p99 %s\n", k, len(ds), ms(pct(ds, .5)), ms(pct(ds, .99)))
	}
	if n7 > 0 {
		fmt.Printf("  step 7 throughput: %d in %s = %.1f/s\n", n7, last7.Sub(first7).Round(time.Millisecond), float64(n7)/last7.Sub(first7).Seconds())
	}
	var codes []string
	fivexx := 0
	for code, n := range byStatus {
		codes = append(codes, fmt.Sprintf("%d:%d", code, n))
		if code >= 500 || code == 0 {
			fivexx += n
		}
	}
	sort.Strings(codes)
	fmt.Printf("  answers by status: %s (5xx or no answer: %d)\n", strings.Join(codes, " "), fivexx)
	if nerr > 0 || fivexx > 0 {
		return fmt.Errorf("%d students failed, %d 5xx", nerr, fivexx)
	}
	return nil
}

var provisionalRE = regexp.MustCompile(`\b[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{2}\b`)

func readSheets(args []string) error {
	fs := flag.NewFlagSet("creds", flag.ExitOnError)
	domain := fs.String("domain", "etu.umontpellier.fr", "identifiers' domain")
	_ = fs.Parse(args)
	text, err := io.ReadAll(os.Stdin)
	if err != nil {
		return err
	}
	loginRE := regexp.MustCompile(`[a-z0-9.-]+@` + regexp.QuoteMeta(*domain))
	for _, page := range strings.Split(string(text), "\f") {
		l, p := loginRE.FindString(page), provisionalRE.FindString(page)
		if l != "" && p != "" {
			fmt.Println(l, p)
		}
	}
	return nil
}

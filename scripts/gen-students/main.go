// Command gen-students writes a synthetic but realistic student export, as a
// scolarité office gets it from its student information system, for load
// tests and benchmarks of `scolpass import-students`.
//
//	go run ./scripts/gen-students -n 100000 [-seed 1] [-delim ';'] > students.csv
//
// Each row has the columns student_no;last_name;first_name;birth_date;program;
// component;year;ine;email: French and international names with accents,
// particles, apostrophes and compound given names, homonyms at about the rate
// of a large French university, unique 8-digit student numbers, DD/MM/YYYY
// birth dates consistent with the year of study, about 40 programmes in 9
// components, unique 11-character INE, and a personal email (some empty).
//
// With -homonym-groups G -homonym-size S, G groups of S students share a
// first and a last name (spread through the file), for the worst case of the
// login numbering. With -login, a last column holds the login each student
// gets when the file is imported into an empty database (internal/login), so
// that a bare bulk load can be given the same keys as the import.
//
// The output depends only on the flags: the same seed gives the same file.
// With -stats, a summary (homonym rate, programmes) is printed to stderr.
package main

import (
	"bufio"
	"encoding/csv"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/login"
)

// header names, in column order.
var (
	plainHeader  = []string{"student_no", "last_name", "first_name", "birth_date", "program", "component", "year", "ine", "email"}
	apogeeHeader = []string{"COD_ETU", "LIB_NOM_PAT_IND", "LIB_PR1_IND", "DATE_NAI_IND", "COD_ETP", "COD_CMP", "COD_ANU", "COD_NNE_IND", "EMAIL_PERSO"}
)

type options struct {
	n          int
	seed       uint64
	delim      rune
	year       int
	header     []string
	bom        bool
	stats      bool
	emptyEmail float64
	groups     int  // -homonym-groups
	groupSize  int  // -homonym-size
	login      bool // -login
}

func main() {
	opts, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen-students:", err)
		os.Exit(2)
	}
	if err := run(opts); err != nil {
		fmt.Fprintln(os.Stderr, "gen-students:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (options, error) {
	fs := flag.NewFlagSet("gen-students", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: go run ./scripts/gen-students [flags] > students.csv")
		fs.PrintDefaults()
	}
	n := fs.Int("n", 100000, "number of students (rows)")
	seed := fs.Uint64("seed", 1, "random seed: the same seed gives the same file")
	delim := fs.String("delim", ";", "field delimiter: ';', ',' or tab (also \"tab\", \"\\t\")")
	year := fs.Int("year", 2026, "academic year (year column; birth dates and student numbers follow it)")
	header := fs.String("header", "plain", "header names: plain (student_no;…) or apogee (COD_ETU;…)")
	bom := fs.Bool("bom", false, "start with a UTF-8 byte order mark, as spreadsheet exports do")
	stats := fs.Bool("stats", false, "print a summary (homonym rate, programmes) to stderr")
	emptyEmail := fs.Float64("empty-email", 0.08, "share of students without a personal email")
	groups := fs.Int("homonym-groups", 0, "groups of students sharing a first and a last name (with -homonym-size)")
	groupSize := fs.Int("homonym-size", 0, "students in each -homonym-groups group")
	withLogin := fs.Bool("login", false, "add a login column: the login of each student after an import into an empty database")
	if err := fs.Parse(args); err != nil {
		return options{}, err
	}
	if fs.NArg() > 0 {
		return options{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	o := options{n: *n, seed: *seed, year: *year, bom: *bom, stats: *stats, emptyEmail: *emptyEmail,
		groups: *groups, groupSize: *groupSize, login: *withLogin}
	if o.groups < 0 || o.groupSize < 0 || o.groups*o.groupSize > o.n {
		return o, fmt.Errorf("-homonym-groups %d × -homonym-size %d: want at most -n students in all", o.groups, o.groupSize)
	}
	if (o.groups == 0) != (o.groupSize == 0) {
		return o, fmt.Errorf("-homonym-groups and -homonym-size go together")
	}
	if o.groups > len(origins[0].female) || o.groups > len(origins[0].last) {
		return o, fmt.Errorf("-homonym-groups %d: at most %d", o.groups, min(len(origins[0].female), len(origins[0].last)))
	}
	if o.n < 0 || o.n > 5_000_000 {
		return o, fmt.Errorf("-n %d: want 0 to 5000000", o.n)
	}
	if o.year < 2000 || o.year > 2099 {
		return o, fmt.Errorf("-year %d: want 2000 to 2099", o.year)
	}
	switch *delim {
	case ";", "semicolon":
		o.delim = ';'
	case ",", "comma":
		o.delim = ','
	case "\t", "\\t", "tab", "TAB":
		o.delim = '\t'
	default:
		return o, fmt.Errorf("-delim %q: want ';', ',' or tab", *delim)
	}
	switch *header {
	case "plain":
		o.header = plainHeader
	case "apogee":
		o.header = apogeeHeader
	default:
		return o, fmt.Errorf("-header %q: want plain or apogee", *header)
	}
	return o, nil
}

func run(o options) error {
	g := newGenerator(o)
	out := bufio.NewWriterSize(os.Stdout, 1<<20)
	if o.bom {
		out.WriteString("\uFEFF")
	}
	w := csv.NewWriter(out)
	w.Comma = o.delim
	header := o.header
	if o.login {
		header = append(header[:len(header):len(header)], "login")
	}
	if err := w.Write(header); err != nil {
		return err
	}
	rec := make([]string, len(header))
	taken := activation.Homonyms{} // -login: numbered as the import numbers them
	for i := 0; i < o.n; i++ {
		s := g.next()
		rec[0] = strconv.Itoa(s.studentNo)
		rec[1] = s.last
		rec[2] = s.first
		rec[3] = s.birth.Format("02/01/2006")
		rec[4] = s.program
		rec[5] = s.component
		rec[6] = strconv.Itoa(o.year)
		rec[7] = s.ine
		rec[8] = s.email
		if o.login {
			base, err := login.Derive(s.first, s.last)
			if err != nil {
				return fmt.Errorf("row %d: %w", i+1, err)
			}
			rec[9], _ = taken.Next(base)
		}
		if err := w.Write(rec); err != nil {
			return err
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	if err := out.Flush(); err != nil {
		return fmt.Errorf("writing the output: %w", err)
	}
	if o.stats {
		g.printStats(os.Stderr)
	}
	return nil
}

type student struct {
	studentNo int
	last      string
	first     string
	birth     time.Time
	program   string
	component string
	ine       string
	email     string
}

// picker draws an index with probability proportional to its weight.
type picker struct{ cum []float64 }

func newPicker(weights []float64) picker {
	cum := make([]float64, len(weights))
	t := 0.0
	for i, w := range weights {
		t += w
		cum[i] = t
	}
	return picker{cum}
}

// zipf weighs the i-th item (0-based) of a list ordered by frequency as 1/(i+1)^s.
func zipf(n int, s float64) picker {
	w := make([]float64, n)
	for i := range w {
		w[i] = 1 / math.Pow(float64(i+1), s)
	}
	return newPicker(w)
}

func (p picker) pick(r *rand.Rand) int {
	x := r.Float64() * p.cum[len(p.cum)-1]
	i := sort.SearchFloat64s(p.cum, x)
	if i >= len(p.cum) {
		i = len(p.cum) - 1
	}
	return i
}

// How much more common the first names of a list are than the last ones
// (Zipf exponents); with the share of synthesized family names they set the
// homonym rate: about 6% of the students need a login suffix at 100,000.
const (
	firstNameSkew = 0.4
	lastNameSkew  = 0.6
)

type programRef struct {
	component string
	program
}

type generator struct {
	o        options
	r        *rand.Rand
	origins  picker
	female   []picker // per origin
	male     []picker
	last     []picker
	progs    []programRef
	progPick picker
	domains  picker

	row     int         // rows drawn so far
	seq     map[int]int // entry year → last sequence number used
	usedNo  map[int]bool
	usedINE map[string]bool

	logins     map[string]int // approximate login → students holding it
	homonyms   int
	perOrigin  []struct{ rows, homonyms int }
	perProgram map[string]int
	noEmail    int
}

func newGenerator(o options) *generator {
	g := &generator{
		o:          o,
		r:          rand.New(rand.NewPCG(o.seed, 0x5c01_da55_2026)),
		seq:        map[int]int{},
		usedNo:     map[int]bool{},
		usedINE:    map[string]bool{},
		logins:     map[string]int{},
		perProgram: map[string]int{},
		perOrigin:  make([]struct{ rows, homonyms int }, len(origins)),
	}
	var ow []float64
	for _, og := range origins {
		ow = append(ow, og.weight)
		g.female = append(g.female, zipf(len(og.female), firstNameSkew))
		g.male = append(g.male, zipf(len(og.male), firstNameSkew))
		g.last = append(g.last, zipf(len(og.last), lastNameSkew))
	}
	g.origins = newPicker(ow)
	var pw []float64
	for _, c := range components {
		for _, p := range c.programs {
			g.progs = append(g.progs, programRef{c.code, p})
			pw = append(pw, p.size)
		}
	}
	g.progPick = newPicker(pw)
	var dw []float64
	for _, d := range emailDomains {
		dw = append(dw, d.weight)
	}
	g.domains = newPicker(dw)
	return g
}

func (g *generator) chance(p float64) bool { return g.r.Float64() < p }

func (g *generator) next() student {
	var s student
	oi := g.origins.pick(g.r)
	og := &origins[oi]

	// Given name: from the family's pool, sometimes a French one.
	female := g.chance(0.56)
	src, si := og, oi
	if oi != 0 && g.chance(og.frenchGiven) {
		src, si = &origins[0], 0
	}
	if female {
		s.first = src.female[g.female[si].pick(g.r)]
	} else {
		s.first = src.male[g.male[si].pick(g.r)]
	}
	if src.given != nil {
		s.first = src.given(g.r, s.first, female)
	}
	// Family name: a common one from the list, or a rarer one.
	if og.synth == nil || g.chance(og.listShare) {
		s.last = og.last[g.last[oi].pick(g.r)]
		if g.chance(og.double) {
			s.last += " " + og.last[g.last[oi].pick(g.r)]
		}
	} else {
		s.last = og.synth(g.r)
	}
	if female && og.feminine != nil {
		s.last = og.feminine(s.last)
	}
	// -homonym-groups: the rows where row*inGroups/n steps up take the
	// names of the next group, round robin, so each group is spread over the file.
	if in := g.o.groups * g.o.groupSize; in > 0 {
		i := g.row
		if (i+1)*in/g.o.n > i*in/g.o.n {
			k := (i * in / g.o.n) % g.o.groups
			s.first, s.last = origins[0].female[k], origins[0].last[k]
		}
	}
	g.row++
	// Many exports keep family names in capitals.
	if g.chance(0.25) {
		s.last = strings.ToUpper(s.last)
	}

	pr := g.progs[g.progPick.pick(g.r)]
	s.program, s.component = pr.code, pr.component

	// Years behind the straight path: repeated years, gaps, late starts.
	late := 0
	switch x := g.r.Float64(); {
	case x < 0.70:
	case x < 0.87:
		late = 1
	case x < 0.94:
		late = 2
	default:
		late = 3 + g.r.IntN(8)
	}
	entry := g.o.year - (pr.level - 1) - min(late, 2)*g.r.IntN(2)
	s.studentNo = g.studentNo(entry)

	youngest := g.o.year - 18 // born 2008 for 2026
	oldest := g.o.year - 31   // born 1995 for 2026
	by := youngest - (pr.level - 1) - late
	by = max(oldest, min(youngest, by))
	start := time.Date(by, 1, 1, 0, 0, 0, 0, time.UTC)
	days := start.AddDate(1, 0, 0).Sub(start).Hours() / 24
	s.birth = start.AddDate(0, 0, g.r.IntN(int(days)))

	s.ine = g.ine(by)
	if g.chance(g.o.emptyEmail) {
		g.noEmail++
	} else {
		s.email = g.email(s.first, s.last, by)
	}

	key := loginKey(s.first) + "." + loginKey(s.last)
	g.perOrigin[oi].rows++
	if g.logins[key] > 0 {
		g.homonyms++
		g.perOrigin[oi].homonyms++
	}
	g.logins[key]++
	g.perProgram[s.program]++
	return s
}

// studentNo gives a unique 8-digit number "2YYNNNNN": 2, the two digits of the
// year of first enrolment, a sequence; random unique numbers once a year's
// sequence is full.
func (g *generator) studentNo(entry int) int {
	yy := entry % 100
	next := g.seq[entry]
	if next == 0 {
		next = g.r.IntN(400)
	}
	next += 1 + g.r.IntN(2)*g.r.IntN(2) // mostly consecutive, a few gaps
	g.seq[entry] = next
	if next <= 99999 {
		no := 20_000_000 + yy*100_000 + next
		if !g.usedNo[no] {
			g.usedNo[no] = true
			return no
		}
	}
	for {
		no := 10_000_000 + g.r.IntN(90_000_000)
		if !g.usedNo[no] {
			g.usedNo[no] = true
			return no
		}
	}
}

const (
	digits  = "0123456789"
	letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
	alnum   = digits + letters
)

// ine gives a unique 11-character INE in one of the national formats.
func (g *generator) ine(birthYear int) string {
	for {
		var b strings.Builder
		switch x := g.r.Float64(); {
		case x < 0.70: // 10 digits and a key letter, starting with the year of the first record
			fmt.Fprintf(&b, "%02d", (birthYear+6)%100)
			for range 8 {
				b.WriteByte(digits[g.r.IntN(10)])
			}
			b.WriteByte(letters[g.r.IntN(len(letters))])
		case x < 0.90: // 9 digits and 2 letters
			for range 9 {
				b.WriteByte(digits[g.r.IntN(10)])
			}
			b.WriteByte(letters[g.r.IntN(len(letters))])
			b.WriteByte(letters[g.r.IntN(len(letters))])
		default: // alphanumeric, as given to students who came from abroad
			for range 11 {
				b.WriteByte(alnum[g.r.IntN(len(alnum))])
			}
		}
		s := b.String()
		if !g.usedINE[s] {
			g.usedINE[s] = true
			return s
		}
	}
}

func (g *generator) email(first, last string, birthYear int) string {
	f, l := mailPart(first), mailPart(last)
	if f == "" || l == "" {
		return ""
	}
	var local string
	switch g.r.IntN(9) {
	case 0, 1, 2:
		local = f + "." + l
	case 3:
		local = f + l
	case 4:
		local = f + "." + l + strconv.Itoa(g.r.IntN(100))
	case 5:
		local = f + "_" + l
	case 6:
		local = l + "." + f
	case 7:
		local = f[:1] + "." + l
	default:
		local = f + fmt.Sprintf("%02d", birthYear%100)
	}
	return local + "@" + emailDomains[g.domains.pick(g.r)].domain
}

// foldASCII lower-cases s and folds letters to ASCII; other runes are kept.
func foldASCII(s string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(s) {
		if f, ok := fold[c]; ok {
			b.WriteString(f)
		} else {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// mailPart keeps only ASCII letters and digits: "N'Diaye" → "ndiaye".
func mailPart(s string) string {
	var b strings.Builder
	for _, c := range foldASCII(s) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// loginKey approximates the login rule (for -stats only): ASCII, lower case,
// apostrophes dropped, spaces and hyphens as one hyphen.
func loginKey(s string) string {
	var b strings.Builder
	sep := false
	for _, c := range foldASCII(s) {
		switch {
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
			if sep && b.Len() > 0 {
				b.WriteByte('-')
			}
			sep = false
			b.WriteRune(c)
		case c == ' ' || c == '-':
			sep = true
		}
	}
	return b.String()
}

func (g *generator) printStats(f *os.File) {
	n := g.o.n
	pct := func(k int) float64 {
		if n == 0 {
			return 0
		}
		return 100 * float64(k) / float64(n)
	}
	largest, largestKey := 0, ""
	for k, c := range g.logins {
		if c > largest || c == largest && k < largestKey {
			largest, largestKey = c, k
		}
	}
	fmt.Fprintf(f, "rows: %d\n", n)
	fmt.Fprintf(f, "distinct logins: %d; rows that get a homonym suffix: %d (%.1f%%); largest group: %s ×%d\n",
		len(g.logins), g.homonyms, pct(g.homonyms), largestKey, largest)
	fmt.Fprintf(f, "without personal email: %d (%.1f%%)\n", g.noEmail, pct(g.noEmail))
	nonASCII := 0
	for k := range g.logins {
		if !isASCII(k) {
			nonASCII++
		}
	}
	if nonASCII > 0 {
		fmt.Fprintf(f, "warning: %d login keys are not ASCII (fold table incomplete)\n", nonASCII)
	}
	fmt.Fprintln(f, "name pools: rows, rows with a homonym suffix")
	for i, og := range origins {
		c := g.perOrigin[i]
		fmt.Fprintf(f, "  %-24s %7d %7d (%.1f%%)\n", og.name, c.rows, c.homonyms,
			100*float64(c.homonyms)/float64(max(c.rows, 1)))
	}
	var progs []string
	for p := range g.perProgram {
		progs = append(progs, p)
	}
	sort.Strings(progs)
	fmt.Fprintf(f, "programmes: %d\n", len(progs))
	for _, p := range progs {
		fmt.Fprintf(f, "  %-9s %d\n", p, g.perProgram[p])
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

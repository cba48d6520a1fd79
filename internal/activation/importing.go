package activation

import (
	"strconv"
	"strings"
	"time"
	"unicode"
)

// ImportRecord is a student as an import hands it to the store: one row of
// the student file, read and checked (internal/roster), with the base of
// its login (internal/login). The store upserts records by StudentNo,
// numbering the logins of new students with Homonyms and listing possible
// duplicates with SamePerson.
type ImportRecord struct {
	Line      int       // 1-based line of the file where the row starts
	StudentNo string    // never empty
	LastName  string    // never empty
	FirstName string    // never empty
	BirthDate time.Time // midnight UTC of the birth day; zero when unknown
	Program   string
	Component string
	Year      string
	INE       string
	Email     string
	LoginBase string // prenom.nom, before any homonym number
}

// LoginWithSuffix is the homonym rule of logins: the n-th student sharing a
// login base gets the base itself for n <= 1, then base+"2", base+"3", …
// (jean.dupont, jean.dupont2). The store keeps the base, the number and
// this login.
func LoginWithSuffix(base string, n int) string {
	if n <= 1 {
		return base
	}
	return base + strconv.Itoa(n)
}

// Homonyms hands out homonym numbers. Students sharing a login base are
// numbered 1, 2, 3, … in the order they come, each taking the lowest
// number no stored student holds (Taken): without gaps, unless the
// retention purge removed a student who never activated, whose login is
// then free again (a student removed as gone and imported again gets the
// same login when nobody took it since). A known student keeps the login
// it has: re-importing never changes a login.
type Homonyms map[string]*homonymNumbers

// homonymNumbers are the numbers of one base: those above low are in
// above; low is the highest number such that 1…low are all taken.
type homonymNumbers struct {
	low   int
	above map[int]bool
}

// Taken records that number n of base is already given (a stored student).
func (h Homonyms) Taken(base string, n int) {
	if n < 1 {
		return
	}
	u := h.of(base)
	if n > u.low {
		if u.above == nil {
			u.above = map[int]bool{}
		}
		u.above[n] = true
		u.settle()
	}
}

// Next takes the lowest free number of base and returns it with the login
// it gives (LoginWithSuffix).
func (h Homonyms) Next(base string) (login string, n int) {
	u := h.of(base)
	n = u.low + 1 // free: settle keeps low+1 out of above
	u.low = n
	u.settle()
	return LoginWithSuffix(base, n), n
}

func (h Homonyms) of(base string) *homonymNumbers {
	u := h[base]
	if u == nil {
		u = &homonymNumbers{}
		h[base] = u
	}
	return u
}

// settle moves low past the numbers taken right above it.
func (u *homonymNumbers) settle() {
	for u.above[u.low+1] {
		delete(u.above, u.low+1)
		u.low++
	}
}

// SamePerson is the possible-duplicate rule of imports: two students with
// different numbers are possibly one person when their last names and
// first names are equal, case ignored, and their birth dates are equal. A
// student with no birth date is nobody's duplicate. Such students are
// imported all the same, and listed.
func SamePerson(a, b *ImportRecord) bool {
	return a.StudentNo != b.StudentNo && !a.BirthDate.IsZero() && personKey(a) == personKey(b)
}

// personKey is what SamePerson compares.
func personKey(r *ImportRecord) string {
	return strings.ToLower(r.LastName) + "\x00" + strings.ToLower(r.FirstName) + "\x00" + r.BirthDate.Format("2006-01-02")
}

// personHash is an FNV-1a hash of personKey(r), computed without building
// it: records with equal keys have equal hashes.
func personHash(r *ImportRecord) uint64 {
	h := uint64(14695981039346656037)
	add := func(c uint64) { h = (h ^ c) * 1099511628211 }
	for _, s := range [2]string{r.LastName, r.FirstName} {
		for _, c := range s {
			add(uint64(unicode.ToLower(c)))
		}
		add(0)
	}
	y, m, d := r.BirthDate.Date()
	add(uint64(y)<<9 | uint64(m)<<5 | uint64(d))
	return h
}

// Twins applies SamePerson within one file: for each row, the first
// earlier row that is possibly the same person, or -1. It takes one pass
// over the rows (a hash of each, its key built only on a collision).
func Twins(rows []ImportRecord) []int {
	out := make([]int, len(rows))
	first := make(map[uint64]int, len(rows)) // hash → first row with it
	var collided map[string]int              // key → first row, for rows whose hash is another key's
	for i := range rows {
		out[i] = -1
		r := &rows[i]
		if r.BirthDate.IsZero() {
			continue
		}
		h := personHash(r)
		j, ok := first[h]
		switch {
		case !ok:
			first[h] = i
		case SamePerson(&rows[j], r):
			out[i] = j
		default:
			if collided == nil {
				collided = map[string]int{}
			}
			k := personKey(r)
			if j, ok := collided[k]; ok {
				out[i] = j
			} else {
				collided[k] = i
			}
		}
	}
	return out
}

// People finds, among students already known (stored before an import),
// the first that is possibly the same person (SamePerson) as a record.
type People struct {
	known  []ImportRecord
	byHash map[uint64][]int
}

// IndexPeople indexes known, in their order (the store gives them oldest
// first, so that the oldest of several matches is named).
func IndexPeople(known []ImportRecord) *People {
	p := &People{known: known, byHash: make(map[uint64][]int, len(known))}
	for i := range known {
		if !known[i].BirthDate.IsZero() {
			h := personHash(&known[i])
			p.byHash[h] = append(p.byHash[h], i)
		}
	}
	return p
}

// SameAs returns the first known student that is possibly the same person
// as r, if any.
func (p *People) SameAs(r *ImportRecord) (*ImportRecord, bool) {
	if r.BirthDate.IsZero() {
		return nil, false
	}
	for _, i := range p.byHash[personHash(r)] {
		if SamePerson(&p.known[i], r) {
			return &p.known[i], true
		}
	}
	return nil, false
}

package activation

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

func TestLoginWithSuffix(t *testing.T) {
	for n, want := range map[int]string{0: "jean.dupont", 1: "jean.dupont", 2: "jean.dupont2", 10: "jean.dupont10"} {
		if got := LoginWithSuffix("jean.dupont", n); got != want {
			t.Errorf("LoginWithSuffix(jean.dupont, %d) = %q, want %q", n, got, want)
		}
	}
}

// TestHomonyms: students sharing a base are numbered in the order they
// come, each with the lowest number nobody holds, never one held.
func TestHomonyms(t *testing.T) {
	h := Homonyms{}
	h.Taken("jean.dupont", 2) // jean.dupont and jean.dupont2 stored
	h.Taken("jean.dupont", 1)
	var got []string
	for _, base := range []string{"jean.dupont", "anne.roy", "jean.dupont", "anne.roy", "jean.dupont"} {
		l, n := h.Next(base)
		if l != LoginWithSuffix(base, n) {
			t.Errorf("Next(%q) = %q, %d: the login is not LoginWithSuffix of the number", base, l, n)
		}
		got = append(got, l)
	}
	if want := "[jean.dupont3 anne.roy jean.dupont4 anne.roy2 jean.dupont5]"; fmt.Sprint(got) != want {
		t.Errorf("logins = %v, want %s", got, want)
	}
	// jean.dupont purged (gone, never activated), jean.dupont2 and 4
	// stored: the next Jean Dupont gets jean.dupont again, then 3, then 5.
	h = Homonyms{}
	h.Taken("jean.dupont", 4)
	h.Taken("jean.dupont", 2)
	got = nil
	for range 3 {
		l, _ := h.Next("jean.dupont")
		got = append(got, l)
	}
	if want := "[jean.dupont jean.dupont3 jean.dupont5]"; fmt.Sprint(got) != want {
		t.Errorf("logins after a purge = %v, want %s", got, want)
	}
}

func TestSamePerson(t *testing.T) {
	born := time.Date(2007, 3, 12, 0, 0, 0, 0, time.UTC)
	lea := ImportRecord{StudentNo: "1", LastName: "Martin", FirstName: "Léa", BirthDate: born}
	for _, tc := range []struct {
		other ImportRecord
		want  bool
	}{
		{ImportRecord{StudentNo: "2", LastName: "MARTIN", FirstName: "LÉA", BirthDate: born}, true},
		{ImportRecord{StudentNo: "1", LastName: "Martin", FirstName: "Léa", BirthDate: born}, false}, // the same student
		{ImportRecord{StudentNo: "2", LastName: "Martin", FirstName: "Lea", BirthDate: born}, false}, // accents count
		{ImportRecord{StudentNo: "2", LastName: "Martin", FirstName: "Léa", BirthDate: born.AddDate(0, 0, 1)}, false},
		{ImportRecord{StudentNo: "2", LastName: "Martin", FirstName: "Léa"}, false}, // no birth date: cannot tell
	} {
		if got := SamePerson(&tc.other, &lea); got != tc.want {
			t.Errorf("SamePerson(%+v, Léa Martin) = %v, want %v", tc.other, got, tc.want)
		}
	}
	if SamePerson(&ImportRecord{StudentNo: "1", LastName: "X", FirstName: "Y"}, &ImportRecord{StudentNo: "2", LastName: "X", FirstName: "Y"}) {
		t.Error("two students without a birth date are no duplicates")
	}
}

// TestTwins: Twins finds what SamePerson says, pair by pair, on names whose
// case folding differs (Ærø, İlker) and many hash buckets.
func TestTwins(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	names := []string{"Léa", "LÉA", "léa", "Ærø", "ÆRØ", "İlker", "ilker", "Dupont", "DUPONT", "Ngô"}
	rows := make([]ImportRecord, 600)
	for i := range rows {
		rows[i] = ImportRecord{StudentNo: fmt.Sprint(i), LastName: names[r.IntN(len(names))], FirstName: names[r.IntN(len(names))]}
		if r.IntN(10) > 0 {
			rows[i].BirthDate = time.Date(2000+r.IntN(3), time.Month(1+r.IntN(2)), 1+r.IntN(2), 0, 0, 0, 0, time.UTC)
		}
	}
	got := Twins(rows)
	for i := range rows {
		want := -1
		for j := 0; j < i; j++ {
			if SamePerson(&rows[j], &rows[i]) {
				want = j
				break
			}
		}
		if got[i] != want {
			t.Fatalf("row %d (%q %q %v): twin %d, want %d", i, rows[i].FirstName, rows[i].LastName, rows[i].BirthDate, got[i], want)
		}
	}
}

// TestPeopleSameAs: the first known student that SamePerson accepts, in
// the order given; none for a record without a birth date.
func TestPeopleSameAs(t *testing.T) {
	born := time.Date(2007, 3, 12, 0, 0, 0, 0, time.UTC)
	p := IndexPeople([]ImportRecord{
		{StudentNo: "1", LastName: "Durant", FirstName: "Paul", BirthDate: born}, // same lengths, another name
		{StudentNo: "2", LastName: "Martin", FirstName: "Léa", BirthDate: born},
		{StudentNo: "3", LastName: "MARTIN", FirstName: "LÉA", BirthDate: born},
		{StudentNo: "4", LastName: "Durand", FirstName: "Paul"},
	})
	for _, tc := range []struct {
		r    ImportRecord
		want string
	}{
		{ImportRecord{StudentNo: "9", LastName: "martin", FirstName: "léa", BirthDate: born}, "2"},
		{ImportRecord{StudentNo: "2", LastName: "Martin", FirstName: "Léa", BirthDate: born}, "3"}, // not itself
		{ImportRecord{StudentNo: "9", LastName: "Durand", FirstName: "Paul", BirthDate: born}, ""},
		{ImportRecord{StudentNo: "9", LastName: "Durand", FirstName: "Paul"}, ""},
	} {
		got := ""
		if k, ok := p.SameAs(&tc.r); ok {
			got = k.StudentNo
		}
		if got != tc.want {
			t.Errorf("SameAs(%+v) = %q, want %q", tc.r, got, tc.want)
		}
	}
}

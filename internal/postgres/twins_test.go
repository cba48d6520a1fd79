package postgres

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/umontpellier/scolpass/internal/roster"
)

// twins must find what a map keyed by twinKey finds.
func TestTwinsMatchesTwinKey(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	names := []string{"Léa", "LÉA", "léa", "Ærø", "ÆRØ", "İlker", "ilker", "Dupont", "DUPONT", "Ngô"}
	rows := make([]roster.Student, 5000)
	for i := range rows {
		rows[i] = roster.Student{LastName: names[r.IntN(len(names))], FirstName: names[r.IntN(len(names))]}
		if r.IntN(10) > 0 {
			rows[i].BirthDate = time.Date(2000+r.IntN(3), time.Month(1+r.IntN(2)), 1+r.IntN(2), 0, 0, 0, 0, time.UTC)
		}
	}
	got := twins(rows)
	seen := map[string]int{}
	for i := range rows {
		want := -1
		if !rows[i].BirthDate.IsZero() {
			k := twinKey(&rows[i])
			if j, ok := seen[k]; ok {
				want = j
			} else {
				seen[k] = i
			}
		}
		if got[i] != want {
			t.Fatalf("row %d (%q %q %v): twin %d, want %d", i, rows[i].FirstName, rows[i].LastName, rows[i].BirthDate, got[i], want)
		}
	}
}

package passpdf

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

var reportStates = []string{"imported", "issued", "authenticated", "recovery_pending", "recovery_verified",
	"charter_accepted", "redirect_pending", "mailbox_ready", "active"}

// sampleReport makes a report of n programmes with made-up counts.
func sampleReport(n int) Report {
	keys := []string{"L1INFO", "L2MATH", "M1DROIT", "L3 Physique-Chimie parcours international et européen", "DUT-GEA"}
	total := ReportGroup{States: map[string]int{}}
	var groups []ReportGroup
	for i := 0; i < n; i++ {
		g := ReportGroup{Key: fmt.Sprintf("%s-%02d", keys[i%len(keys)], i), States: map[string]int{}}
		for j, s := range reportStates {
			c := (i*7 + j*13) % 40
			g.States[s] = c
			g.Students += c
			if j > 0 {
				g.Issued += c
			}
			total.States[s] += c
		}
		g.Locked = (i % 4) * 9
		g.ActivationRate = float64(g.States["active"]) / float64(g.Students)
		total.Students += g.Students
		total.Issued += g.Issued
		total.Locked += g.Locked
		groups = append(groups, g)
	}
	if total.Students > 0 {
		total.ActivationRate = float64(total.States["active"]) / float64(total.Students)
	}
	return Report{
		Title:       "Activation des comptes — rentrée 2025",
		GeneratedAt: time.Date(2025, 10, 1, 8, 30, 0, 0, time.UTC),
		By:          "program",
		States:      reportStates,
		Groups:      groups,
		Total:       total,
	}
}

func TestWriteReport(t *testing.T) {
	for _, n := range []int{0, 1, 3, 40} {
		t.Run(fmt.Sprint(n, " groups"), func(t *testing.T) {
			rep := sampleReport(n)
			var buf bytes.Buffer
			if err := renderer(t).WriteReport(&buf, rep); err != nil {
				t.Fatalf("WriteReport: %v", err)
			}
			pages := pdfPages(t, writePDF(t, "report.pdf", buf.Bytes()))
			all := flat(strings.Join(pages, "\n"))
			for _, want := range []string{rep.Title, "01/10/2025 10:30", "Total", "Actifs", "Bloqués", fmt.Sprint(rep.Total.Students), percent(rep.Total.ActivationRate)} {
				if !strings.Contains(all, flat(want)) {
					t.Errorf("%q not found in the report", want)
				}
			}
			for _, g := range rep.Groups {
				if !strings.Contains(all, g.Key) {
					t.Errorf("group %q not found in the report", g.Key)
				}
			}
			if n == 0 && !strings.Contains(all, "Aucun étudiant") {
				t.Error("an empty report does not say so")
			}
			// Every page is numbered out of the total.
			for i, p := range pages {
				if want := fmt.Sprintf("%d / %d", i+1, len(pages)); !strings.Contains(p, want) {
					t.Errorf("page %d: %q not found", i+1, want)
				}
			}
			if n == 40 && len(pages) < 3 {
				t.Errorf("40 groups on %d pages: the table or the funnels do not break pages", len(pages))
			}
		})
	}
}

func TestPercent(t *testing.T) {
	for rate, want := range map[float64]string{0: "0,0\u00a0%", 0.125: "12,5\u00a0%", 1: "100,0\u00a0%", 2.0 / 3: "66,7\u00a0%"} {
		if got := percent(rate); got != want {
			t.Errorf("percent(%v) = %q, want %q", rate, got, want)
		}
	}
}

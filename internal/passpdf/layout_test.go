package passpdf

import (
	"strings"
	"testing"
)

func TestWrapCharsPrefersSeparators(t *testing.T) {
	pdf := renderer(t).newPDF("P", true)
	pdf.SetFont(fontMono, "B", 10)
	login := "marie-christine.dupont-montesquieu-de-la-rochefoucauld@etu.umontpellier.fr"
	lines := wrapChars(pdf, login, 90) // 42 characters a line
	want := []string{"marie-christine.", "dupont-montesquieu-de-la-rochefoucauld", "@etu.umontpellier.fr"}
	if strings.Join(lines, "|") != strings.Join(want, "|") {
		t.Errorf("got %q, want %q", lines, want)
	}
	for _, l := range lines {
		if pdf.GetStringWidth(l) > 90 {
			t.Errorf("line %q is wider than 90 mm", l)
		}
	}
	// No separator at all: cut between characters, never lose one.
	long := strings.Repeat("x", 200)
	if got := strings.Join(wrapChars(pdf, long, 30), ""); got != long {
		t.Errorf("lost characters")
	}
}

func TestFitTextShrinksThenWraps(t *testing.T) {
	pdf := renderer(t).newPDF("P", true)
	size, lines := fitText(pdf, fontSans, "B", 18, 11, 170, "Jean DUPONT", false)
	if size != 18 || len(lines) != 1 {
		t.Errorf("short name: size %v, %d lines", size, len(lines))
	}
	name := "Marie-Christine Adélaïde DUPONT-MONTESQUIEU DE LA ROCHEFOUCAULD"
	size, lines = fitText(pdf, fontSans, "B", 18, 11, 170, name, false)
	if size >= 18 || size < 11 || len(lines) != 1 || lines[0] != name {
		t.Errorf("60-character name: size %v, lines %q", size, lines)
	}
	size, lines = fitText(pdf, fontSans, "B", 18, 11, 170, name+" "+name, false)
	if size < 11 || len(lines) != 2 || strings.Join(lines, " ") != name+" "+name {
		t.Errorf("name of 120 characters: size %v, lines %q; want two lines", size, lines)
	}
	size, lines = fitText(pdf, fontSans, "B", 18, 11, 170, "Jean-Pierre DUPONT DE LA ROCHEFOUCAULD-MONTESQUIEU DE SAINT-EXUPÉRY", false)
	if size <= 11 || len(lines) != 2 {
		t.Errorf("name a bit too long for one line: size %v, lines %q; want two lines above 11 pt", size, lines)
	}
	huge := strings.Repeat(name+" ", 5)
	size, lines = fitText(pdf, fontSans, "B", 18, 11, 170, huge, false)
	if size != 11 || len(lines) < 3 || strings.Join(lines, " ") != strings.TrimSpace(huge) {
		t.Errorf("name of 300 characters: size %v, %d lines", size, len(lines))
	}
}

package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestAppendJSONString(t *testing.T) {
	for _, s := range []string{"", "plain", `quote " and \ backslash`, "tab\tnewline\n\x00\x1f", "Łukasz Wałęsa, Nguyễn Thị", "<a&b>", "\u2028"} {
		b := appendJSONString(nil, s)
		var back string
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("%q gave invalid JSON %s: %v", s, b, err)
		}
		if back != s {
			t.Errorf("%q came back as %q", s, back)
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	f.Add("Héloïse \"x\" \\ \n")
	f.Fuzz(func(t *testing.T, s string) {
		var back string
		if err := json.Unmarshal(appendJSONString(nil, s), &back); err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		want, _ := json.Marshal(s)
		var w string
		_ = json.Unmarshal(want, &w)
		if back != w {
			t.Errorf("%q came back as %q, encoding/json gives %q", s, back, w)
		}
	})
}

func TestWriteCSVNeutralisesFormulas(t *testing.T) {
	g := grid{
		Header: []string{"program", "students"},
		Rows: [][]string{
			{"=HYPERLINK(\"http://evil.example\")", "1"},
			{"+33 6 12", "2"},
			{"-2+3", "3"},
			{"@SUM(A1:A9)", "4"},
			{"\t=1+1", "5"},
			{"\r=1+1", "6"},
			{"L1INFO", "7"},
			{"", "8"},
			{"a=b, c-d", "9"},
			{"'=already", "10"},
		},
		Footer: []string{"TOTAL", "55"},
	}
	var b strings.Builder
	if err := writeCSVSep(&b, g, false, ';'); err != nil {
		t.Fatal(err)
	}
	want := "program;students\n" +
		"\"'=HYPERLINK(\"\"http://evil.example\"\")\";1\n" +
		"'+33 6 12;2\n" +
		"'-2+3;3\n" +
		"'@SUM(A1:A9);4\n" +
		"'\t=1+1;5\n" +
		"\"'\r=1+1\";6\n" +
		"L1INFO;7\n" +
		";8\n" +
		"a=b, c-d;9\n" +
		"'=already;10\n" +
		"TOTAL;55\n"
	if got := b.String(); got != want {
		t.Errorf("got:\n%q\nwant:\n%q", got, want)
	}
}

func TestTermSafe(t *testing.T) {
	tests := []struct{ in, cell, text string }{
		{"Dupont", "Dupont", "Dupont"},
		{"Héloïse Lefèvre, Łukasz", "Héloïse Lefèvre, Łukasz", "Héloïse Lefèvre, Łukasz"},
		{"Dup\x1b[2J\x1b[31mont", `Dup\x1b[2J\x1b[31mont`, `Dup\x1b[2J\x1b[31mont`},
		{"bell\a del\x7f nul\x00", `bell\x07 del\x7f nul\x00`, `bell\x07 del\x7f nul\x00`},
		{"two\nlines\tand\rcr", `two\x0alines\x09and\x0dcr`, "two\nlines\tand\\x0dcr"},
		{"c1 \u009b2J \u0085", `c1 \u009b2J \u0085`, `c1 \u009b2J \u0085`},
		{"abc\u202edcba \u2066x\u2069", `abc\u202edcba \u2066x\u2069`, `abc\u202edcba \u2066x\u2069`},
		{"Du\u200bpont\u200c\u200d\u2060\ufeff", `Du\u200bpont\u200c\u200d\u2060\ufeff`, `Du\u200bpont\u200c\u200d\u2060\ufeff`},
		{"sep\u2028\u2029", `sep\u2028\u2029`, `sep\u2028\u2029`},
		{"tag\U000e0041", `tag\U000e0041`, `tag\U000e0041`},
		{"bad \xff\xfe utf8 \x9b", `bad \xff\xfe utf8 \x9b`, `bad \xff\xfe utf8 \x9b`},
	}
	for _, tt := range tests {
		if got := termSafe(tt.in); got != tt.cell {
			t.Errorf("termSafe(%q) = %q, want %q", tt.in, got, tt.cell)
		}
		if got := termSafeText(tt.in); got != tt.text {
			t.Errorf("termSafeText(%q) = %q, want %q", tt.in, got, tt.text)
		}
	}
}

// TestTablesEscapeControls: no table or list writer lets a control byte or
// a bidirectional override through.
func TestTablesEscapeControls(t *testing.T) {
	g := grid{
		Header: []string{"LOGIN", "NAME"},
		Rows:   [][]string{{"jean.dupont", "Dup\x1b[2J\x1b[31mont Jean\a"}, {"x", "abc\u202efed \u009b"}},
		Footer: []string{"TOTAL", "2"},
	}
	for name, write := range map[string]func(*strings.Builder) error{
		"table":   func(b *strings.Builder) error { return writeTable(b, g) },
		"compact": func(b *strings.Builder) error { return writeCompactTable(b, g) },
		"list":    func(b *strings.Builder) error { return writeList(b, g) },
	} {
		var b strings.Builder
		if err := write(&b); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		if strings.ContainsAny(out, "\x1b\a\u202e\u009b") {
			t.Errorf("%s printed a raw control character:\n%q", name, out)
		}
		if !strings.Contains(out, `Dup\x1b[2J\x1b[31mont Jean\x07`) {
			t.Errorf("%s does not show the escaped name:\n%s", name, out)
		}
	}
}

// TestTableLayout pins the layout of the boxed and compact tables, byte for
// byte as scripts and people have seen them (headings centred, footers right
// aligned, trimmed cells, wide and combining characters measured by display
// width, separators only around what is there).
func TestTableLayout(t *testing.T) {
	tests := []struct {
		name           string
		g              grid
		boxed, compact string
	}{
		{"rejects", grid{Header: []string{"LINE", "STUDENT_NO", "REASON"}, Rows: [][]string{{"3", "", "first name \"!!!\" has no letters"}, {"14", "2100", "Héloïse Lefèvre"}}, Footer: []string{"TOTAL", "9", "z"}},
			"┌───────┬────────────┬─────────────────────────────────┐\n│ LINE  │ STUDENT_NO │             REASON              │\n├───────┼────────────┼─────────────────────────────────┤\n│ 3     │            │ first name \"!!!\" has no letters │\n│ 14    │ 2100       │ Héloïse Lefèvre                 │\n├───────┼────────────┼─────────────────────────────────┤\n│ TOTAL │          9 │                               z │\n└───────┴────────────┴─────────────────────────────────┘\n",
			"LINE  STUDENT_NO                          REASON\n------------------------------------------------\n3                first name \"!!!\" has no letters\n14          2100                 Héloïse Lefèvre\n------------------------------------------------\nTOTAL          9                               z\n"},
		{"footer", grid{Header: []string{"VERSION", "NAME", "APPLIED"}, Rows: [][]string{{"1", "init", "yes"}}, Footer: []string{"", "TOTAL", "1"}},
			"┌─────────┬───────┬─────────┐\n│ VERSION │ NAME  │ APPLIED │\n├─────────┼───────┼─────────┤\n│ 1       │ init  │ yes     │\n├─────────┼───────┼─────────┤\n│         │ TOTAL │       1 │\n└─────────┴───────┴─────────┘\n",
			"VERSION  NAME APPLIED\n---------------------\n1        init     yes\n---------------------\n        TOTAL       1\n"},
		{"empty", grid{Header: []string{"A", "B"}},
			"┌───┬───┐\n│ A │ B │\n└───┴───┘\n",
			"A B\n---\n---\n"},
		{"empty with footer", grid{Header: []string{"A", "B"}, Footer: []string{"T", ""}},
			"┌───┬───┐\n│ A │ B │\n├───┼───┤\n├───┼───┤\n│ T │   │\n└───┴───┘\n",
			"A B\n---\n---\nT  \n"},
		{"widths", grid{Header: []string{"A", "B"}, Rows: [][]string{{"日本語", "x"}, {" x ", "e\u0301"}, {"", "  "}}, Footer: []string{"T", ""}},
			"┌────────┬───┐\n│   A    │ B │\n├────────┼───┤\n│ 日本語 │ x │\n│ x      │ e\u0301 │\n│        │   │\n├────────┼───┤\n│      T │   │\n└────────┴───┘\n",
			"A      B\n--------\n日本語 x\nx      e\u0301\n        \n--------\nT       \n"},
	}
	for _, tt := range tests {
		var b strings.Builder
		if err := writeTable(&b, tt.g); err != nil {
			t.Fatal(err)
		}
		if b.String() != tt.boxed {
			t.Errorf("%s: boxed table\n%s\nwant\n%s", tt.name, b.String(), tt.boxed)
		}
		b.Reset()
		if err := writeCompactTable(&b, tt.g); err != nil {
			t.Fatal(err)
		}
		if b.String() != tt.compact {
			t.Errorf("%s: compact table\n%q\nwant\n%q", tt.name, b.String(), tt.compact)
		}
	}
}

// failAfter accepts n bytes, then fails every write, as a pipe whose
// reader went away.
type failAfter struct{ n int }

func (f *failAfter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		k := f.n
		f.n = 0
		return k, errors.New("broken pipe")
	}
	f.n -= len(p)
	return len(p), nil
}

// TestJSONArray: the array is laid out as writeJSON lays one out, and the
// first error of the output comes back from add, so that the list being
// read can stop there.
func TestJSONArray(t *testing.T) {
	var buf bytes.Buffer
	a := newJSONArray(&buf)
	for _, s := range []string{"a", "b\"c"} {
		if err := a.add(func(b []byte) []byte { return appendJSONString(b, s) }); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.close(); err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := writeJSON(&want, []string{"a", "b\"c"}); err != nil {
		t.Fatal(err)
	}
	if buf.String() != want.String() {
		t.Errorf("got %q, want %q", buf.String(), want.String())
	}
	buf.Reset()
	a = newJSONArray(&buf)
	if err := a.close(); err != nil || buf.String() != "[]\n" {
		t.Errorf("empty array: %q, %v", buf.String(), err)
	}

	a = newJSONArray(&failAfter{n: 100 << 10})
	element := strings.Repeat("x", 1000)
	for i := 0; ; i++ {
		err := a.add(func(b []byte) []byte { return appendJSONString(b, element) })
		if err != nil {
			if i > 200 {
				t.Errorf("the output's error came back after %d elements, want it by the 200th", i)
			}
			break
		}
		if i > 1000 {
			t.Fatal("1,000 elements of 1,000 bytes went into 100 KiB without an error")
		}
	}
}

package cli

import (
	"encoding/json"
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

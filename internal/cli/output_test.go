package cli

import (
	"encoding/json"
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

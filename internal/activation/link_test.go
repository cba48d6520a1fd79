package activation

import (
	"strings"
	"testing"
)

// The link is built, read back and hidden by one set of functions: what
// LinkFor builds, TokenFromInput reads back from anything a person pastes,
// and RedactLinks hides wherever it is shown.
func TestLinkBuiltParsedRedacted(t *testing.T) {
	cfg := DefaultConfig()
	cfg.BaseURL = "https://scolpass.example.org/sub"
	token, _, err := NewToken()
	if err != nil {
		t.Fatal(err)
	}
	link := cfg.LinkFor(token)
	for _, pasted := range []string{
		link, token, " " + link + "\n", link + " " + link, link + "/", "<" + link + ">", link + ".", "(" + link + "),",
		"https://scolpass.example.org/verify?token=" + token,
	} {
		if got := TokenFromInput(pasted); got != token {
			t.Errorf("TokenFromInput(%q) = %q, want the token", pasted, got)
		}
	}
	body := "Bonjour,\nsuivez ce lien : " + link + "\nFollow: <" + link + ">\n"
	shown := RedactLinks(body)
	if strings.Contains(shown, token) || strings.Count(shown, "/verify/[hidden]") != 2 {
		t.Fatalf("RedactLinks left the token: %q", shown)
	}
	if RedactLinks("GET /verify/"+token+" 200") != "GET /verify/[hidden] 200" {
		t.Fatalf("an access log line keeps its token: %q", RedactLinks("GET /verify/"+token))
	}
	if got := RedactLinks("/verify/" + token + "%2F..%2Fx?y"); got != "/verify/[hidden]" {
		t.Fatalf("a probing path keeps a part: %q", got)
	}
	if !PlausibleToken(token) || PlausibleToken("short") || PlausibleToken(token+"/..") {
		t.Fatal("PlausibleToken misjudges a token")
	}
	if TokenFromInput("  ") != "" {
		t.Fatal("blank input gives a token")
	}
}

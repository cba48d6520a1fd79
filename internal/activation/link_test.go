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

// A token is hidden whatever the route it is sent to and whatever the
// case of /verify/: the access log of serve shows no live link.
func TestRedactLinksAnyRouteAnyCase(t *testing.T) {
	token, _, err := NewToken()
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{
		"/verify/" + token, "/Verify/" + token, "/VERIFY/" + token, "/vErIfY/" + token + "/x",
		"/activation/" + token, "/ACTIVATION/" + token, "/" + token, "/static/" + token + ".css",
		"/activation/verify/" + token, "/sub/verify/" + token + "%2F..", "/activation/" + token[:20],
		"/a/" + token + "/b/" + token,
	} {
		got := RedactLinks(path)
		if strings.Contains(got, token[:16]) || !strings.Contains(got, "[hidden]") {
			t.Errorf("RedactLinks(%q) = %q: the token shows", path, got)
		}
	}
	for _, path := range []string{
		"/activation", "/activation/login", "/static/style.css", "/healthz",
		"https://www.umontpellier.fr/charte-informatique", "/verify",
	} {
		if got := RedactLinks(path); got != path {
			t.Errorf("RedactLinks(%q) = %q, want it unchanged", path, got)
		}
	}
}

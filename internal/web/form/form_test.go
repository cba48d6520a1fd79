package form

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func post(body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       error
	}{
		{"plain", "a=b&c=d%C3%A9", nil},
		{"invalid UTF-8", "a=%ff", ErrMalformed},
		{"invalid UTF-8 key", "%ff=a", ErrMalformed},
		{"NUL", "a=%00", ErrMalformed},
		{"field too long", "a=" + strings.Repeat("x", MaxField+1), ErrMalformed},
		{"bad escape", "a=%zz", ErrMalformed},
	} {
		if _, err := Parse(post(tc.body)); err != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	r := post("a=" + strings.Repeat("x", 100))
	r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, 10)
	if _, err := Parse(r); err != ErrTooLarge {
		t.Errorf("over the cap: %v", err)
	}
}

func TestForms(t *testing.T) {
	if f, errs := NewLogin(url.Values{"identifier": {"  jean.dupont "}, "password": {"K7QM"}}); len(errs) != 0 || f.Identifier != "jean.dupont" {
		t.Errorf("login: %+v %v", f, errs)
	}
	if _, errs := NewLogin(url.Values{"identifier": {" "}}); errs.For("identifier") != "form.required.identifier" || errs.For("password") != "form.required.password" {
		t.Errorf("login errors: %v", errs)
	}
	if f, errs := NewMailbox(url.Values{"keep_copy": {"yes"}, "redirect_to": {"x@example.org"}}); len(errs) != 0 || f.Redirect || f.KeepCopy || f.To != "" {
		t.Errorf("no redirect: %+v %v", f, errs)
	}
	if _, errs := NewMailbox(url.Values{"redirect": {"yes"}}); errs.For("redirect_to") == "" {
		t.Error("a redirect without an address")
	}
	if _, errs := NewPassword(url.Values{"new_password": {"a"}, "confirm_password": {"b"}}); errs.For("confirm_password") != "form.mismatch.confirm_password" {
		t.Errorf("mismatch: %v", errs)
	}
	if f := NewCharter(url.Values{"accept": {"yes"}}); !f.Accept {
		t.Error("charter not accepted")
	}
}

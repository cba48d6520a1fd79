package web

import (
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// langCookie keeps the language chosen with the visible switch.
const langCookie = "scolpass_lang"

// catalogues are the page texts by language (templates/i18n/LANG.json);
// both have the same keys (a test says so). French is the default. They are
// read on first use, so that commands other than serve do not pay for them.
var catalogues = sync.OnceValue(func() map[string]map[string]string { return mustCatalogues("fr", "en") })

func mustCatalogues(langs ...string) map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, l := range langs {
		b, err := assets.ReadFile("templates/i18n/" + l + ".json")
		if err != nil {
			panic(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			panic(fmt.Sprintf("templates/i18n/%s.json: %v", l, err))
		}
		out[l] = m
	}
	return out
}

// locale translates for one request.
type locale struct {
	Lang  string // "fr" or "en"
	texts map[string]string
}

func localeOf(r *http.Request) *locale {
	l, _ := r.Context().Value(ctxLang).(string)
	if catalogues()[l] == nil {
		l = "fr"
	}
	return &locale{Lang: l, texts: catalogues()[l]}
}

// T returns the text of key with args put in (fmt verbs); a missing key
// shows itself, so that a test finds it.
func (l *locale) T(key string, args ...any) string {
	s, ok := l.texts[key]
	if !ok {
		return "[" + key + "]"
	}
	if len(args) == 0 {
		return s
	}
	return fmt.Sprintf(s, args...)
}

// HTML is T for texts that hold markup of the catalogue itself (<strong>);
// the arguments are escaped.
func (l *locale) HTML(key string, args ...any) template.HTML {
	esc := make([]any, len(args))
	for i, a := range args {
		esc[i] = template.HTMLEscapeString(fmt.Sprint(a))
	}
	return template.HTML(l.T(key, esc...))
}

// Other is the language the switch offers.
func (l *locale) Other() string {
	if l.Lang == "fr" {
		return "en"
	}
	return "fr"
}

// fromAcceptLanguage picks fr or en by the header's weights; French when
// neither is asked for.
func fromAcceptLanguage(h string) string {
	type choice struct {
		lang string
		q    float64
		pos  int
	}
	var cs []choice
	for i, part := range strings.Split(h, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		base, _, _ := strings.Cut(strings.ToLower(tag), "-")
		if catalogues()[base] != nil && q > 0 {
			cs = append(cs, choice{base, q, i})
		}
	}
	if len(cs) == 0 {
		return "fr"
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].q > cs[j].q })
	return cs[0].lang
}

package web

import (
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// charterShow is the charter's text ("prendre connaissance de la charte en
// cliquant sur le lien"): the version asked for (?v=), else the newest.
func (s *Server) charterShow(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query().Get("v")
	text, ok := s.opt.Charters[v]
	if !ok {
		var versions []string
		for k := range s.opt.Charters {
			versions = append(versions, k)
		}
		if len(versions) == 0 {
			s.errorPage(w, r, http.StatusNotFound, "error.not_found")
			return
		}
		sort.Strings(versions)
		v = versions[len(versions)-1]
		text = s.opt.Charters[v]
	}
	p := s.newPage(r, "charter.text.title", "5")
	p.Charter, p.Blocks = v, charterBlocks(text)
	s.render(w, http.StatusOK, "charter_text", p)
}

// block is a paragraph of the charter: a heading ("1. Objet…", a title in
// capitals) or text, in French or, past the line of dashes, in English.
type block struct {
	Lang    string
	Heading bool
	Text    string
}

var numbered = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\d+\. \S`) })

// charterBlocks turns the charter file (paragraphs separated by blank
// lines, lines wrapped at 80 columns) into paragraphs that reflow.
func charterBlocks(text string) []block {
	var out []block
	lang := "fr"
	for _, para := range regexp.MustCompile(`\n\s*\n`).Split(strings.ReplaceAll(text, "\r\n", "\n"), -1) {
		lines := strings.Split(strings.TrimSpace(para), "\n")
		if len(lines) == 0 || lines[0] == "" {
			continue
		}
		if strings.Trim(lines[0], "-─ ") == "" {
			lang = "en"
			continue
		}
		first := strings.TrimSpace(lines[0])
		if numbered().MatchString(first) || (first == strings.ToUpper(first) && len(lines) > 0 && strings.ContainsAny(first, "ABCDEFGHIJKLMNOPQRSTUVWXYZ")) {
			out = append(out, block{Lang: lang, Heading: true, Text: first})
			lines = lines[1:]
		}
		if len(lines) > 0 {
			out = append(out, block{Lang: lang, Text: strings.Join(strings.Fields(strings.Join(lines, " ")), " ")})
		}
	}
	return out
}

package passpdf

import (
	"math"
	"strings"
	"unicode/utf8"

	"github.com/jung-kurt/gofpdf"
)

// ptToMM converts a font size in points to millimetres.
const ptToMM = 25.4 / 72

// placedRun is a piece of text of one style on a laid-out line, dx
// millimetres from the line's start.
type placedRun struct {
	style string // "" regular, "B" bold (sans)
	text  string
	dx    float64
}

// richLine is one line of a laid-out step: the step number on its first
// line, then runs of bold and regular text.
type richLine struct {
	number string // non-empty on the first line of a step
	runs   []placedRun
}

// layoutSteps wraps each step as "title — text" (title in bold) in width
// millimetres at size points, continuation lines under the title.
func layoutSteps(pdf *gofpdf.Fpdf, steps []step, size, width float64) []richLine {
	type token struct {
		style, text string
		w, space    float64 // width of the word and of a space after it
	}
	spaceW := map[string]float64{}
	for _, st := range []string{"", "B"} {
		pdf.SetFont(fontSans, st, size)
		spaceW[st] = pdf.GetStringWidth(" ")
	}
	measure := func(style, word string) token {
		pdf.SetFont(fontSans, style, size)
		return token{style: style, text: word, w: pdf.GetStringWidth(word), space: spaceW[style]}
	}
	var out []richLine
	for _, s := range steps {
		var toks []token
		for _, w := range words(s.title) {
			toks = append(toks, measure("B", w))
		}
		toks = append(toks, measure("", "—"))
		for _, w := range words(s.text) {
			toks = append(toks, measure("", w))
		}
		// Greedy wrap; a word wider than the line stands alone (the step
		// texts are ours and short, so it never happens in practice).
		var lines [][]token
		var cur []token
		x := 0.0
		for _, t := range toks {
			if len(cur) > 0 && x+t.w > width {
				lines = append(lines, cur)
				cur, x = nil, 0
			}
			cur = append(cur, t)
			x += t.w + t.space
		}
		if len(cur) > 0 {
			lines = append(lines, cur)
		}
		for i, ln := range lines {
			rl := richLine{}
			if i == 0 {
				rl.number = s.number
			}
			x := 0.0
			for j, t := range ln {
				if j > 0 && ln[j-1].style == t.style {
					last := &rl.runs[len(rl.runs)-1]
					last.text += " " + t.text
				} else {
					rl.runs = append(rl.runs, placedRun{style: t.style, text: t.text, dx: x})
				}
				x += t.w + t.space
			}
			out = append(out, rl)
		}
	}
	return out
}

// words splits text at ASCII spaces only, so that a no-break space (U+00A0)
// in a text, as French typography puts before ":" or inside « », holds.
func words(text string) []string {
	return strings.FieldsFunc(text, func(c rune) bool { return c == ' ' || c == '\t' })
}

// wrapWords splits text into lines no wider than width in the current font,
// breaking between words, and inside a word only when the word alone is too
// wide. Nothing is ever cut.
func wrapWords(pdf *gofpdf.Fpdf, text string, width float64) []string {
	ws := words(text)
	if len(ws) == 0 {
		return nil
	}
	var lines []string
	cur := ""
	for _, w := range ws {
		if pdf.GetStringWidth(w) > width {
			if cur != "" {
				lines = append(lines, cur)
				cur = ""
			}
			parts := wrapChars(pdf, w, width)
			lines = append(lines, parts[:len(parts)-1]...)
			cur = parts[len(parts)-1]
			continue
		}
		cand := w
		if cur != "" {
			cand = cur + " " + w
		}
		if cur != "" && pdf.GetStringWidth(cand) > width {
			lines = append(lines, cur)
			cand = w
		}
		cur = cand
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	return lines
}

// wrapChars splits text into lines no wider than width in the current font,
// for identifiers and addresses, which have no spaces: a line preferably
// ends after ".", "/", "?", "&" or "_", or before "@", and otherwise
// between any two characters. Never preferably after "-": a reader would
// take a hyphen at the end of a line for a word break, not part of a login.
// Each line holds at least one character.
func wrapChars(pdf *gofpdf.Fpdf, text string, width float64) []string {
	var lines []string
	start, lastBreak := 0, -1
	for i, c := range text {
		if i > start && pdf.GetStringWidth(text[start:i+utf8.RuneLen(c)]) > width {
			cut := i
			if lastBreak > start {
				cut = lastBreak
			}
			lines = append(lines, text[start:cut])
			start, lastBreak = cut, -1
		}
		switch c {
		case '@':
			if i > start {
				lastBreak = i
			}
		case '.', '/', '?', '&', '_':
			lastBreak = i + 1
		}
	}
	return append(lines, text[start:])
}

// fitText chooses the size, between maxSize and minSize points, at which text
// fits on one line of width millimetres in family/style; if it does not fit
// even at minSize it is wrapped (between words, or between characters when
// chars is true) on two lines at the largest size that allows it, or on more
// lines at minSize. The font is left set to the chosen size.
func fitText(pdf *gofpdf.Fpdf, family, style string, maxSize, minSize, width float64, text string, chars bool) (float64, []string) {
	pdf.SetFont(family, style, maxSize)
	w := pdf.GetStringWidth(text)
	if w <= width {
		return maxSize, []string{text}
	}
	size := math.Floor(maxSize*width/w*4) / 4 // quarter-point steps
	if size >= minSize {
		pdf.SetFont(family, style, size)
		if pdf.GetStringWidth(text) <= width {
			return size, []string{text}
		}
	}
	// Two lines at a larger size read better than three small ones.
	wrap := func(size float64) []string {
		pdf.SetFont(family, style, size)
		if chars {
			return wrapChars(pdf, text, width)
		}
		return wrapWords(pdf, text, width)
	}
	for size := math.Floor(maxSize); size > minSize; size-- {
		if lines := wrap(size); len(lines) <= 2 {
			return size, lines
		}
	}
	return minSize, wrap(minSize)
}

// shrinkToFit sets family/style at maxSize, or smaller so that text fits on
// one line of width millimetres. For short texts of our own (headers,
// labels) where wrapping would break the layout; never below 4 pt, and a
// text that long would be a mistake in the texts file.
func shrinkToFit(pdf *gofpdf.Fpdf, family, style string, maxSize, width float64, text string) {
	pdf.SetFont(family, style, maxSize)
	if w := pdf.GetStringWidth(text); w > width {
		pdf.SetFont(family, style, math.Max(4, math.Floor(maxSize*width/w*4)/4))
	}
}

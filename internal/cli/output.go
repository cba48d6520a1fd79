package cli

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"io"
	"os"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mattn/go-isatty"
	"golang.org/x/text/width"
)

// grid is tabular data rendered as a table or CSV.
type grid struct {
	Header []string
	Rows   [][]string
	Footer []string
}

// longTable is the number of rows above which a boxed table gives way to an
// aligned list: thousands of rejected rows or issued sheets stay quick to
// print and to read.
const longTable = 500

// writeTable renders g for people as a boxed table: headings centred,
// cells left-aligned, footer cells right-aligned (writeList past longTable
// rows). Each cell is made safe by termSafe and trimmed of surrounding
// spaces; widths are display widths (displayWidth).
//
// It is written here rather than taken from a table library because such a
// library's package initialisation (width caches, terminal detection) cost
// every run of scolpass, even `scolpass version`, more than the rest of the
// start-up (README, "Performance").
func writeTable(w io.Writer, g grid) error {
	if len(g.Rows) > longTable {
		return writeList(w, g)
	}
	t := newTextTable(g)
	bw := bufio.NewWriter(w)
	rule := func(left, mid, right string) {
		bw.WriteString(left)
		for i, n := range t.widths {
			if i > 0 {
				bw.WriteString(mid)
			}
			bw.WriteString(strings.Repeat("─", n+2))
		}
		bw.WriteString(right)
		bw.WriteByte('\n')
	}
	line := func(cells []string, align func(col int) alignment) {
		bw.WriteString("│")
		for i, n := range t.widths {
			bw.WriteByte(' ')
			writeAligned(bw, cellAt(cells, i), n, align(i))
			bw.WriteString(" │")
		}
		bw.WriteByte('\n')
	}
	rule("┌", "┬", "┐")
	line(t.header, func(int) alignment { return alignCenter })
	if len(t.rows) > 0 || t.footer != nil {
		rule("├", "┼", "┤")
	}
	for _, r := range t.rows {
		line(r, func(int) alignment { return alignLeft })
	}
	if t.footer != nil {
		rule("├", "┼", "┤")
		line(t.footer, func(int) alignment { return alignRight })
	}
	rule("└", "┴", "┘")
	return bw.Flush()
}

// writeCompactTable renders a table of numbers (the report) without borders, numbers right
// aligned and one space between columns, like df or ps: with keys of up to 9
// characters (Apogée programme codes have 6) and numbers no wider than their
// headings it fits in an 80-column terminal; anything wider only makes the
// lines longer, never wraps a cell. A line of dashes closes the headings
// and opens the footer.
func writeCompactTable(w io.Writer, g grid) error {
	t := newTextTable(g)
	total := 0
	for i, n := range t.widths {
		total += n
		if i > 0 {
			total++
		}
	}
	bw := bufio.NewWriter(w)
	line := func(cells []string) {
		for i, n := range t.widths {
			if i == 0 {
				writeAligned(bw, cellAt(cells, i), n, alignLeft)
				continue
			}
			bw.WriteByte(' ')
			writeAligned(bw, cellAt(cells, i), n, alignRight)
		}
		bw.WriteByte('\n')
	}
	dashes := strings.Repeat("-", total) + "\n"
	line(t.header)
	bw.WriteString(dashes)
	for _, r := range t.rows {
		line(r)
	}
	bw.WriteString(dashes)
	if t.footer != nil {
		line(t.footer)
	}
	return bw.Flush()
}

// textTable is a grid whose cells are made safe (termSafe) and trimmed,
// with the display width of each column.
type textTable struct {
	header, footer []string
	rows           [][]string
	widths         []int
}

func newTextTable(g grid) textTable {
	var t textTable
	clean := func(cells []string) []string {
		if cells == nil {
			return nil
		}
		out := make([]string, len(cells))
		for i, c := range cells {
			out[i] = strings.TrimSpace(termSafe(c))
			for len(t.widths) <= i {
				t.widths = append(t.widths, 0)
			}
			t.widths[i] = max(t.widths[i], displayWidth(out[i]))
		}
		return out
	}
	t.header = clean(g.Header)
	t.rows = make([][]string, len(g.Rows))
	for i, r := range g.Rows {
		t.rows[i] = clean(r)
	}
	t.footer = clean(g.Footer)
	return t
}

func cellAt(cells []string, i int) string {
	if i < len(cells) {
		return cells[i]
	}
	return ""
}

type alignment int

const (
	alignLeft alignment = iota
	alignRight
	alignCenter
)

// writeAligned writes s padded with spaces to n columns.
func writeAligned(bw *bufio.Writer, s string, n int, a alignment) {
	pad := max(n-displayWidth(s), 0)
	left := 0
	switch a {
	case alignRight:
		left = pad
	case alignCenter:
		left = pad / 2
	}
	bw.WriteString(strings.Repeat(" ", left))
	bw.WriteString(s)
	bw.WriteString(strings.Repeat(" ", pad-left))
}

// displayWidth is the number of terminal columns s takes: combining marks
// take none, East Asian wide and full-width characters two, others one.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			n++
		case unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf):
		default:
			switch width.LookupRune(r).Kind() {
			case width.EastAsianWide, width.EastAsianFullwidth:
				n += 2
			default:
				n++
			}
		}
	}
	return n
}

// writeList renders a long list for people: columns aligned with spaces,
// no borders, two passes (widths, then lines) through one buffer; tablewriter
// measures every cell several times, which shows on tens of thousands of rows.
// Widths count runes: right for the Latin scripts of names. Each cell is
// made safe by termSafe.
func writeList(w io.Writer, g grid) error {
	widths := make([]int, len(g.Header))
	measure := func(cells []string) {
		for i, c := range cells {
			if n := utf8.RuneCountInString(termSafe(c)); n > widths[i] {
				widths[i] = n
			}
		}
	}
	measure(g.Header)
	for _, r := range g.Rows {
		measure(r)
	}
	if g.Footer != nil {
		measure(g.Footer)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	line := func(cells []string) {
		for i, c := range cells {
			c = termSafe(c)
			bw.WriteString(c)
			if i < len(cells)-1 {
				bw.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c)+2))
			}
		}
		bw.WriteByte('\n')
	}
	line(g.Header)
	for _, r := range g.Rows {
		line(r)
	}
	if g.Footer != nil {
		line(g.Footer)
	}
	return bw.Flush()
}

// writeCSV renders g as RFC 4180 CSV (header first, footer last). With bom,
// a UTF-8 byte order mark lets spreadsheet programs read accents right.
// Every cell is made safe for spreadsheets by csvCell.
func writeCSV(w io.Writer, g grid, bom bool) error {
	return writeCSVSep(w, g, bom, ',')
}

// writeCSVSep is writeCSV with another field separator (';' for
// spreadsheets in a French locale). Every CSV output of every command goes
// through it: it is the one place where cells are neutralised (csvCell).
func writeCSVSep(w io.Writer, g grid, bom bool, sep rune) error {
	if bom {
		if _, err := io.WriteString(w, "\uFEFF"); err != nil {
			return err
		}
	}
	cw := csv.NewWriter(w)
	cw.Comma = sep
	var cells []string
	write := func(record []string) error {
		cells = cells[:0]
		for _, c := range record {
			cells = append(cells, csvCell(c))
		}
		return cw.Write(cells)
	}
	if err := write(g.Header); err != nil {
		return err
	}
	for _, r := range g.Rows {
		if err := write(r); err != nil {
			return err
		}
	}
	if g.Footer != nil {
		if err := write(g.Footer); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvCell neutralises a cell that a spreadsheet would read as a formula
// (CSV injection, OWASP): one that starts with =, +, -, @, a tab or a
// carriage return gets a leading single quote, so that Excel or LibreOffice
// show it as text instead of running it (=HYPERLINK(…), =cmd|' /C calc'!A0,
// @SUM(…)). The quote is the only change, always at the start: a script can
// take it off, and -o json gives the values unchanged. The cells the
// commands write themselves (headers, numbers, dates, states, TOTAL) never
// start with one of these characters; only data typed by people (names,
// programmes, addresses, student numbers of rejected rows, operators) can.
// The csv writer quotes a cell holding the separator, a quote or a line
// break, so that no cell spills into the next.
func csvCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// writeJSON prints v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// jsonArray writes a JSON array element by element, as they come, one
// per line, laid out as writeJSON lays one out: a list of tens of
// thousands is written in one buffered pass, neither kept whole nor
// indented over the whole document, each element appended to a reused
// buffer.
type jsonArray struct {
	bw *bufio.Writer
	n  int
	b  []byte
}

func newJSONArray(w io.Writer) *jsonArray {
	a := &jsonArray{bw: bufio.NewWriterSize(w, 64<<10)}
	a.bw.WriteString("[")
	return a
}

// add writes the element that elem appends to the bytes it is given. Its
// error is the first the output gave (a closed pipe, a full disk), so that
// the one who hands out the elements can stop there.
func (a *jsonArray) add(elem func(b []byte) []byte) error {
	if a.n > 0 {
		a.bw.WriteString(",")
	}
	a.bw.WriteString("\n  ")
	a.b = elem(a.b[:0])
	a.n++
	_, err := a.bw.Write(a.b)
	return err
}

// close ends the array and says whether everything was written.
func (a *jsonArray) close() error {
	if a.n > 0 {
		a.bw.WriteString("\n")
	}
	a.bw.WriteString("]\n")
	return a.bw.Flush()
}

// appendJSONString appends s as a JSON string: quotes, backslashes and
// control characters escaped, and < > & as encoding/json does; other UTF-8
// is kept as it is.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20 || c == '<' || c == '>' || c == '&':
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// isTerminal reports whether f is an interactive terminal.
func isTerminal(f any) bool {
	file, ok := f.(*os.File)
	if !ok {
		return false
	}
	return isatty.IsTerminal(file.Fd())
}

// termSafe returns s fit to print on a terminal as one table cell or one
// value: every character that could act on the terminal or hide or reorder
// the text around it is written as a visible escape instead — C0 and C1
// controls and DEL (`\x1b`, `\x07`, `\t`, `\n`, `\u009b`), format characters
// such as bidirectional overrides and zero-width spaces (`\u202e`,
// `\u200b`, `\ufeff`), line and paragraph separators, and bytes that are not
// UTF-8 (`\xff`). A name such as "Dup\x1b[2J…" then shows as
// `Dup\x1b[2J…` and cannot clear the screen of a call list. Every text
// output goes through it or termSafeText: the table and list writers for
// each cell, and the commands for the values they print themselves. JSON
// and CSV are data, not terminal text, and keep the values as they are.
func termSafe(s string) string {
	return escapeForTerminal(s, false)
}

// termSafeText is termSafe for a message or a body of several lines: line
// feeds and tabs are kept as they are.
func termSafeText(s string) string {
	return escapeForTerminal(s, true)
}

func escapeForTerminal(s string, keepLayout bool) string {
	i := 0
	for i < len(s) {
		c := s[i]
		if c >= 0x20 && c < 0x7f || keepLayout && (c == '\n' || c == '\t') {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(s[i:])
			if !(r == utf8.RuneError && n == 1) && !unsafeRune(r) {
				i += n
				continue
			}
		}
		break
	}
	if i == len(s) {
		return s // the common case: nothing to escape, no copy
	}
	const hex = "0123456789abcdef"
	b := make([]byte, 0, len(s)+16)
	b = append(b, s[:i]...)
	for i < len(s) {
		c := s[i]
		switch {
		case c >= 0x20 && c < 0x7f || keepLayout && (c == '\n' || c == '\t'):
			b = append(b, c)
			i++
		case c < utf8.RuneSelf: // C0 control or DEL
			b = append(b, '\\', 'x', hex[c>>4], hex[c&0xf])
			i++
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			switch {
			case r == utf8.RuneError && n == 1:
				b = append(b, '\\', 'x', hex[c>>4], hex[c&0xf])
			case unsafeRune(r):
				if r > 0xffff {
					b = append(b, '\\', 'U', '0', '0', '0', hex[r>>16&0xf])
				} else {
					b = append(b, '\\', 'u')
				}
				b = append(b, hex[r>>12&0xf], hex[r>>8&0xf], hex[r>>4&0xf], hex[r&0xf])
			default:
				b = append(b, s[i:i+n]...)
			}
			i += n
		}
	}
	return string(b)
}

// unsafeRune reports a non-ASCII character that must not reach a terminal
// raw: a C1 control (U+0080–U+009F, which some terminals obey as escape
// sequences), a format character (bidirectional overrides and isolates,
// zero-width spaces and joiners, U+FEFF, …), or a line or paragraph
// separator.
func unsafeRune(r rune) bool {
	return unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp)
}

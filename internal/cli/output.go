package cli

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/mattn/go-isatty"
	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
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

// writeTable renders g with tablewriter for people (writeList past
// longTable rows).
func writeTable(w io.Writer, g grid) error {
	if len(g.Rows) > longTable {
		return writeList(w, g)
	}
	opts := []tablewriter.Option{
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
	}
	t := tablewriter.NewTable(w, opts...)
	t.Header(toAny(g.Header)...)
	for _, r := range g.Rows {
		if err := t.Append(toAny(r)...); err != nil {
			return err
		}
	}
	if g.Footer != nil {
		t.Footer(toAny(g.Footer)...)
	}
	return t.Render()
}

// writeCompactTable renders a table of numbers (the report) without borders, numbers right
// aligned and one space between columns, like df or ps: with keys of up to 9
// characters (Apogée programme codes have 6) and numbers no wider than their
// headings it fits in an 80-column terminal; anything wider only makes the
// lines longer, never wraps a cell.
func writeCompactTable(w io.Writer, g grid) error {
	align := make(tw.Alignment, len(g.Header))
	pad := make([]tw.Padding, len(g.Header))
	for i := range align {
		align[i], pad[i] = tw.AlignRight, tw.Padding{Left: " ", Overwrite: true}
	}
	align[0], pad[0] = tw.AlignLeft, tw.Padding{Overwrite: true}
	t := tablewriter.NewTable(w,
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{
			Borders: tw.BorderNone,
			Symbols: tw.NewSymbols(tw.StyleASCII),
			Settings: tw.Settings{Separators: tw.Separators{BetweenColumns: tw.Off, BetweenRows: tw.Off},
				Lines: tw.Lines{ShowHeaderLine: tw.On, ShowFooterLine: tw.On}},
		})),
		tablewriter.WithHeaderAlignmentConfig(tw.CellAlignment{PerColumn: align}),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{PerColumn: align}),
		tablewriter.WithFooterAlignmentConfig(tw.CellAlignment{PerColumn: align}),
		tablewriter.WithHeaderPaddingPerColumn(pad),
		tablewriter.WithRowPaddingPerColumn(pad),
		tablewriter.WithFooterPaddingPerColumn(pad),
	)
	t.Header(toAny(g.Header)...)
	for _, r := range g.Rows {
		if err := t.Append(toAny(r)...); err != nil {
			return err
		}
	}
	t.Footer(toAny(g.Footer)...)
	return t.Render()
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// writeList renders a long list for people: columns aligned with spaces,
// no borders, two passes (widths, then lines) through one buffer; tablewriter
// measures every cell several times, which shows on tens of thousands of rows.
// Widths count runes: right for the Latin scripts of names.
func writeList(w io.Writer, g grid) error {
	widths := make([]int, len(g.Header))
	measure := func(cells []string) {
		for i, c := range cells {
			if n := utf8.RuneCountInString(c); n > widths[i] {
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

// writeJSONArray prints a JSON array of n elements, one per line; elem
// appends element i to a reused buffer. Long lists are written in one
// buffered pass, without an indentation pass over the whole document.
func writeJSONArray(w io.Writer, n int, elem func(b []byte, i int) []byte) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString("[")
	var b []byte
	for i := 0; i < n; i++ {
		if i > 0 {
			bw.WriteString(",")
		}
		bw.WriteString("\n  ")
		b = elem(b[:0], i)
		bw.Write(b)
	}
	if n > 0 {
		bw.WriteString("\n")
	}
	bw.WriteString("]\n")
	return bw.Flush()
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

package cli

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"io"
	"os"
	"strings"
	"text/tabwriter"

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

// writeTable renders g with tablewriter for people.
func writeTable(w io.Writer, g grid) error {
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
// no borders, one buffered pass (tablewriter measures every cell several
// times, which shows on tens of thousands of rows).
func writeList(w io.Writer, g grid) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)
	line := func(cells []string) {
		io.WriteString(tw, strings.Join(cells, "\t"))
		io.WriteString(tw, "\n")
	}
	line(g.Header)
	for _, r := range g.Rows {
		line(r)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return bw.Flush()
}

// writeCSV renders g as RFC 4180 CSV (header first, footer last). With bom,
// a UTF-8 byte order mark lets spreadsheet programs read accents right.
func writeCSV(w io.Writer, g grid, bom bool) error {
	if bom {
		if _, err := io.WriteString(w, "\uFEFF"); err != nil {
			return err
		}
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(g.Header); err != nil {
		return err
	}
	if err := cw.WriteAll(g.Rows); err != nil {
		return err
	}
	if g.Footer != nil {
		if err := cw.Write(g.Footer); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// writeJSON prints v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// writeJSONArray prints a JSON array of n elements, one per line, each
// marshalled on its own and written through one buffer: no indentation pass
// over the whole document.
func writeJSONArray(w io.Writer, n int, elem func(i int) any) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString("[")
	for i := 0; i < n; i++ {
		b, err := json.Marshal(elem(i))
		if err != nil {
			return err
		}
		if i > 0 {
			bw.WriteString(",")
		}
		bw.WriteString("\n  ")
		bw.Write(b)
	}
	if n > 0 {
		bw.WriteString("\n")
	}
	bw.WriteString("]\n")
	return bw.Flush()
}

// isTerminal reports whether f is an interactive terminal.
func isTerminal(f any) bool {
	file, ok := f.(*os.File)
	if !ok {
		return false
	}
	return isatty.IsTerminal(file.Fd())
}

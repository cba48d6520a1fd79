package passpdf

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jung-kurt/gofpdf"

	"github.com/umontpellier/scolpass/internal/activation"
)

// ReportGroup is one line of the activation report: a programme, component,
// year or state, or the totals.
type ReportGroup struct {
	Key            string
	Students       int
	Issued         int
	States         map[string]int // accounts now in each state
	Locked         int            // accounts locked now, whatever their state
	ActivationRate float64        // active / students, 0..1
}

// Report is the printable activation report (report --pdf).
type Report struct {
	Title       string
	GeneratedAt time.Time
	By          string   // "program", "component", "year" or "state"
	States      []string // column order, in life-cycle order: the funnel counts, for each, the students at it or beyond
	Groups      []ReportGroup
	Total       ReportGroup
}

// Landscape geometry, in millimetres.
const (
	repW       = 297.0
	repH       = 210.0
	repMargin  = 15.0
	repRight   = repW - repMargin
	repWidth   = repW - 2*repMargin
	repBottom  = repH - 16 // content stops here; the footer is below
	repFooterY = repH - 9
)

// WriteReport writes the report to w as an A4 landscape PDF: a header, a
// table (one row per group, one column per state, locked, activation rate,
// a totals row) and, below it, the activation funnel of each group and of
// the total as horizontal bars in grey levels, readable in black and white.
// Long tables and many groups continue on further pages, the table header
// repeated.
func (r *Renderer) WriteReport(w io.Writer, rep Report) error {
	pdf := r.newPDF("L", false)
	t := r.report
	title := clean(rep.Title)
	if title == "" {
		title = t.caption.fr
	}
	pdf.SetTitle(title, true)
	if !rep.GeneratedAt.IsZero() {
		pdf.SetCreationDate(rep.GeneratedAt)
		pdf.SetModificationDate(rep.GeneratedAt)
	}
	rw := &reportWriter{r: r, pdf: pdf, rep: &rep, title: title}
	rw.layoutColumns()
	rw.newPage(true)
	rw.table()
	rw.funnels()
	rw.footers()
	if err := pdf.Error(); err != nil {
		return fmt.Errorf("making the report PDF: %w", err)
	}
	if err := pdf.Output(w); err != nil {
		return fmt.Errorf("writing the report PDF: %w", err)
	}
	return nil
}

type reportWriter struct {
	r     *Renderer
	pdf   *gofpdf.Fpdf
	rep   *Report
	title string
	y     float64

	keyW, numW, issuedW, lockedW, rateW float64
}

// column widths: the key takes what the numbers leave.
func (rw *reportWriter) layoutColumns() {
	n := float64(len(rw.rep.States) + 1) // students, states
	rw.issuedW, rw.lockedW, rw.rateW = 18, 15, 17
	rw.numW = math.Min(16, (repWidth-50-rw.issuedW-rw.lockedW-rw.rateW)/n)
	rw.keyW = repWidth - n*rw.numW - rw.issuedW - rw.lockedW - rw.rateW
}

func (rw *reportWriter) byName() bilingual {
	if b, ok := rw.r.report.byNames[rw.rep.By]; ok && b.fr != "" {
		if b.en == "" {
			b.en = b.fr
		}
		return b
	}
	return bilingual{fr: rw.rep.By, en: rw.rep.By}
}

// newPage starts a page; the first one carries the full header.
func (rw *reportWriter) newPage(first bool) {
	pdf, t := rw.pdf, rw.r.report
	pdf.AddPage()
	ink(pdf, inkBlack)
	if !first {
		shrinkToFit(pdf, fontSans, "B", 10, repWidth, rw.title)
		pdf.Text(repMargin, repMargin+4, rw.title)
		pdf.SetDrawColor(0, 0, 0)
		pdf.SetLineWidth(0.4)
		pdf.Line(repMargin, repMargin+6.5, repRight, repMargin+6.5)
		rw.y = repMargin + 11
		return
	}
	pair(pdf, repMargin, repMargin+3, t.caption, "", 8.5, 8)
	size, lines := fitText(pdf, fontSans, "B", 18, 11, repWidth-80, rw.title, false)
	y := repMargin + 5
	for _, l := range lines {
		y += size * ptToMM * 1.2
		pdf.Text(repMargin, y, l)
	}
	// Right: date and grouping.
	when := "—"
	if !rw.rep.GeneratedAt.IsZero() {
		when = activation.ParisTime(rw.rep.GeneratedAt)
	}
	gw := pairWidth(pdf, t.generated, "", 8, 7.5)
	pair(pdf, repRight-gw, repMargin+3, t.generated, "", 8, 7.5)
	pdf.SetFont(fontSans, "B", 10)
	pdf.Text(repRight-pdf.GetStringWidth(when), repMargin+8, when)
	by := rw.byName()
	byText := bilingual{fr: t.by.fr + "\u00a0: " + by.fr, en: t.by.en + ": " + by.en}
	bw := pairWidth(pdf, byText, "", 8, 7.5)
	pair(pdf, repRight-bw, repMargin+13, byText, "", 8, 7.5)
	y = math.Max(y+3, repMargin+16)
	pdf.SetDrawColor(0, 0, 0)
	pdf.SetLineWidth(0.6)
	pdf.Line(repMargin, y, repRight, y)
	rw.y = y + 6
}

// ensure starts a new page unless h millimetres fit below the cursor.
func (rw *reportWriter) ensure(h float64) bool {
	if rw.y+h <= repBottom {
		return false
	}
	rw.newPage(false)
	return true
}

func (rw *reportWriter) stateShort(s string) bilingual {
	if b, ok := rw.r.report.stateShort[s]; ok && b.fr != "" {
		if b.en == "" {
			b.en = b.fr
		}
		return b
	}
	return bilingual{fr: s, en: s}
}

func (rw *reportWriter) stateLong(s string) string {
	if l, ok := rw.r.report.stateLong[s]; ok && l != "" {
		return l
	}
	return s
}

const (
	repRowH    = 6.0
	repHeadH   = 10.0
	repFont    = 8.5
	repHeadFR  = 7.5
	repHeadEN  = 6.5
	repCellPad = 1.5
)

// tableHeader draws the column headers: French in bold, English below.
func (rw *reportWriter) tableHeader() {
	pdf, t := rw.pdf, rw.r.report
	y := rw.y
	pdf.SetFillColor(225, 225, 225)
	pdf.Rect(repMargin, y, repWidth, repHeadH, "F")
	head := func(x, w float64, b bilingual, right bool) {
		for i, s := range []string{b.fr, b.en} {
			size, style, g := repHeadFR, "B", inkBlack
			if i == 1 {
				size, style, g = repHeadEN, "", inkEN-30
			}
			shrinkToFit(pdf, fontSans, style, size, w-2*repCellPad, s)
			ink(pdf, g)
			tx := x + repCellPad
			if right {
				tx = x + w - repCellPad - pdf.GetStringWidth(s)
			}
			pdf.Text(tx, y+4.2+float64(i)*3.6, s)
		}
		ink(pdf, inkBlack)
	}
	x := repMargin
	by := rw.byName()
	head(x, rw.keyW, bilingual{fr: capitalize(by.fr), en: capitalize(by.en)}, false)
	x += rw.keyW
	head(x, rw.numW, t.students, true)
	x += rw.numW
	head(x, rw.issuedW, t.issued, true)
	x += rw.issuedW
	for _, s := range rw.rep.States {
		head(x, rw.numW, rw.stateShort(s), true)
		x += rw.numW
	}
	head(x, rw.lockedW, t.locked, true)
	x += rw.lockedW
	head(x, rw.rateW, t.rateShort, true)
	pdf.SetDrawColor(0, 0, 0)
	pdf.SetLineWidth(0.4)
	pdf.Line(repMargin, y+repHeadH, repRight, y+repHeadH)
	rw.y = y + repHeadH
}

// row draws one group; total rows are bold with a rule above.
func (rw *reportWriter) row(g ReportGroup, key string, total bool, zebra bool) {
	pdf := rw.pdf
	style := ""
	if total {
		style = "B"
	}
	keySize, keyLines := fitText(pdf, fontSans, style, repFont, 6.5, rw.keyW-2*repCellPad, key, false)
	h := math.Max(repRowH, float64(len(keyLines))*keySize*ptToMM*1.2+2.2)
	if rw.ensure(h) {
		rw.tableHeader()
	}
	y := rw.y
	switch {
	case total:
		pdf.SetFillColor(215, 215, 215)
		pdf.Rect(repMargin, y, repWidth, h, "F")
		pdf.SetDrawColor(0, 0, 0)
		pdf.SetLineWidth(0.4)
		pdf.Line(repMargin, y, repRight, y)
	case zebra:
		pdf.SetFillColor(243, 243, 243)
		pdf.Rect(repMargin, y, repWidth, h, "F")
	}
	pdf.SetFont(fontSans, style, keySize)
	b := y + (h-float64(len(keyLines)-1)*keySize*ptToMM*1.2)/2 + keySize*ptToMM*0.35
	for i, l := range keyLines {
		pdf.Text(repMargin+repCellPad, b+float64(i)*keySize*ptToMM*1.2, l)
	}
	pdf.SetFont(fontSans, style, repFont)
	base := y + h/2 + repFont*ptToMM*0.35
	num := func(x, w float64, s string) {
		pdf.Text(x+w-repCellPad-pdf.GetStringWidth(s), base, s)
	}
	x := repMargin + rw.keyW
	num(x, rw.numW, strconv.Itoa(g.Students))
	x += rw.numW
	num(x, rw.issuedW, strconv.Itoa(g.Issued))
	x += rw.issuedW
	for _, s := range rw.rep.States {
		n := g.States[s]
		if n == 0 && !total {
			ink(pdf, 150) // zeros recede
		}
		num(x, rw.numW, strconv.Itoa(n))
		ink(pdf, inkBlack)
		x += rw.numW
	}
	num(x, rw.lockedW, strconv.Itoa(g.Locked))
	x += rw.lockedW
	num(x, rw.rateW, percent(g.ActivationRate))
	if total {
		pdf.Line(repMargin, y+h, repRight, y+h)
	} else {
		pdf.SetDrawColor(inkRule, inkRule, inkRule)
		pdf.SetLineWidth(0.1)
		pdf.Line(repMargin, y+h, repRight, y+h)
	}
	rw.y = y + h
}

// capitalize upper-cases the first letter: "formation" heads a column as
// "Formation".
func capitalize(s string) string {
	for i, c := range s {
		return strings.ToUpper(string(c)) + s[i+utf8.RuneLen(c):]
	}
	return s
}

// percent formats a 0..1 rate the French way: "42,5 %".
func percent(rate float64) string {
	if math.IsNaN(rate) || math.IsInf(rate, 0) {
		rate = 0
	}
	return strings.Replace(strconv.FormatFloat(rate*100, 'f', 1, 64), ".", ",", 1) + "\u00a0%"
}

func (rw *reportWriter) table() {
	rw.ensure(repHeadH + 2*repRowH)
	rw.tableHeader()
	for i, g := range rw.rep.Groups {
		rw.row(g, clean(g.Key), false, i%2 == 1)
	}
	if len(rw.rep.Groups) == 0 {
		pdf := rw.pdf
		pair(pdf, repMargin+repCellPad, rw.y+4.5, rw.r.report.empty, "", repFont, repFont-0.5)
		rw.y += repRowH
	}
	t := rw.r.report.total
	rw.row(rw.rep.Total, t.fr+" · "+t.en, true, false)
	// Legend of the rate column.
	rw.y += 4.5
	rw.pdf.SetFont(fontSans, "", 7)
	ink(rw.pdf, inkEN)
	rw.pdf.Text(repMargin, rw.y, rw.r.report.rateLegend.fr+" · "+rw.r.report.rateLegend.en)
	ink(rw.pdf, inkBlack)
	rw.y += 6
}

// Funnel blocks: two a row.
const (
	fnCols    = 2
	fnGapX    = 12.0
	fnBlockW  = (repWidth - fnGapX*(fnCols-1)) / fnCols
	fnLabelW  = 62.0
	fnValueW  = 22.0
	fnBarH    = 3.0
	fnBarStep = 4.0
	fnFont    = 7.0
)

func (rw *reportWriter) funnelBlockH() float64 {
	return 7.5 + float64(len(rw.rep.States)+1)*fnBarStep + 3
}

// funnels draws a heading then one funnel block per group and the total.
func (rw *reportWriter) funnels() {
	if len(rw.rep.States) == 0 {
		return
	}
	pdf := rw.pdf
	blockH := rw.funnelBlockH()
	rw.ensure(10 + blockH)
	pdf.SetFont(fontSans, "B", 11)
	pdf.Text(repMargin, rw.y+4, rw.r.report.funnel.fr)
	pdf.SetFont(fontSans, "", 9)
	ink(pdf, inkEN)
	pdf.Text(repMargin, rw.y+8.5, rw.r.report.funnel.en)
	ink(pdf, inkBlack)
	rw.y += 12
	groups := append([]ReportGroup{}, rw.rep.Groups...)
	tot := rw.rep.Total
	tot.Key = rw.r.report.total.fr + " · " + rw.r.report.total.en
	groups = append(groups, tot)
	for i := 0; i < len(groups); i += fnCols {
		rw.ensure(blockH)
		for c := 0; c < fnCols && i+c < len(groups); c++ {
			key := groups[i+c].Key
			if i+c < len(rw.rep.Groups) {
				key = clean(key)
			}
			rw.funnel(repMargin+float64(c)*(fnBlockW+fnGapX), rw.y, groups[i+c], key)
		}
		rw.y += blockH
	}
}

// funnel draws one group: for each state, a bar of the students at that
// step or beyond, light grey for the first steps to black for "active"; the
// locked accounts are a hatched bar below.
func (rw *reportWriter) funnel(x, y float64, g ReportGroup, key string) {
	pdf := rw.pdf
	states := rw.rep.States
	// At or beyond each step, in life-cycle order.
	cum := make([]int, len(states))
	sum := 0
	for i := len(states) - 1; i >= 0; i-- {
		sum += g.States[states[i]]
		cum[i] = sum
	}
	denom := g.Students
	if denom < sum {
		denom = sum
	}
	shrinkToFit(pdf, fontSans, "B", 9, fnBlockW-40, key)
	pdf.Text(x, y+3.5, key)
	pdf.SetFont(fontSans, "", 7.5)
	ink(pdf, inkEN)
	count := fmt.Sprintf("%d %s · %s", g.Students, rw.r.report.count.fr, rw.r.report.count.en)
	pdf.Text(x+fnBlockW-pdf.GetStringWidth(count), y+3.5, count)
	ink(pdf, inkBlack)
	pdf.SetDrawColor(inkRule, inkRule, inkRule)
	pdf.SetLineWidth(0.2)
	pdf.Line(x, y+5, x+fnBlockW, y+5)

	barX := x + fnLabelW
	barW := fnBlockW - fnLabelW - fnValueW
	by := y + 7.5
	pdf.SetDrawColor(0, 0, 0)
	pdf.SetLineWidth(0.15)
	n := len(states)
	for i, s := range states {
		label := rw.stateLong(s)
		shrinkToFit(pdf, fontSans, "", fnFont, fnLabelW-2, label)
		pdf.Text(x, by+fnBarH-0.6, label)
		// Frame of the full width, then the bar.
		pdf.SetDrawColor(inkRule, inkRule, inkRule)
		pdf.Rect(barX, by, barW, fnBarH, "D")
		grey := 215
		if n > 1 {
			grey = 215 - i*(215-25)/(n-1)
		}
		w := 0.0
		if denom > 0 {
			w = barW * float64(cum[i]) / float64(denom)
		}
		if w > 0 {
			pdf.SetFillColor(grey, grey, grey)
			pdf.SetDrawColor(0, 0, 0)
			pdf.Rect(barX, by, w, fnBarH, "FD")
		}
		pdf.SetFont(fontSans, "", fnFont)
		v := fmt.Sprintf("%d (%s)", cum[i], percentOf(cum[i], denom))
		pdf.Text(barX+barW+2, by+fnBarH-0.6, v)
		by += fnBarStep
	}
	// Locked accounts: hatched, as they are not a step.
	lk := rw.r.report.locked
	shrinkToFit(pdf, fontSans, "", fnFont, fnLabelW-2, lk.fr+" · "+lk.en)
	pdf.Text(x, by+fnBarH-0.6, lk.fr+" · "+lk.en)
	pdf.SetFont(fontSans, "", fnFont)
	pdf.SetDrawColor(inkRule, inkRule, inkRule)
	pdf.Rect(barX, by, barW, fnBarH, "D")
	if denom > 0 && g.Locked > 0 {
		w := barW * float64(g.Locked) / float64(denom)
		pdf.SetDrawColor(0, 0, 0)
		pdf.ClipRect(barX, by, w, fnBarH, true)
		pdf.SetLineWidth(0.2)
		for hx := barX - fnBarH; hx < barX+w; hx += 1.2 {
			pdf.Line(hx, by+fnBarH, hx+fnBarH, by)
		}
		pdf.ClipEnd()
		pdf.SetLineWidth(0.15)
	}
	pdf.Text(barX+barW+2, by+fnBarH-0.6, fmt.Sprintf("%d (%s)", g.Locked, percentOf(g.Locked, denom)))
}

func percentOf(n, of int) string {
	if of == 0 {
		return percent(0)
	}
	return percent(float64(n) / float64(of))
}

// footers numbers the pages once their count is known.
func (rw *reportWriter) footers() {
	pdf := rw.pdf
	n := pdf.PageNo()
	t := rw.r.report
	for p := 1; p <= n; p++ {
		pdf.SetPage(p)
		shrinkToFit(pdf, fontSans, "", 7, repWidth-40, rw.title)
		ink(pdf, inkEN)
		pdf.Text(repMargin, repFooterY, rw.title)
		pdf.SetFont(fontSans, "", 7)
		s := fmt.Sprintf("%s · %s %d / %d", t.page.fr, t.page.en, p, n)
		if t.page.fr == t.page.en {
			s = fmt.Sprintf("%s %d / %d", t.page.fr, p, n)
		}
		pdf.Text(repRight-pdf.GetStringWidth(s), repFooterY, s)
	}
	ink(pdf, inkBlack)
}

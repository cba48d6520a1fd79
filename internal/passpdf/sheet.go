package passpdf

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"

	"github.com/jung-kurt/gofpdf"
)

// Sheet is what one SCOL'PASS page shows to one student.
type Sheet struct {
	University          string // "Université de Montpellier"
	FirstName, LastName string
	StudentNo           string
	Program             string
	Login               string    // full identifier, e.g. "jean.dupont@etu.umontpellier.fr"
	Password            string    // provisional password, printed as given
	ExpiresAt           time.Time // expiry of the password, printed as a Europe/Paris date
	IssuedAt            time.Time // date of issue, printed as a Europe/Paris date
	ActivationURL       string    // printed as text and as a QR code (the address only)
}

// Page geometry, in millimetres (A4 portrait).
const (
	pageW        = 210.0
	pageH        = 297.0
	marginL      = 20.0
	contentWidth = pageW - 2*marginL
	rightX       = marginL + contentWidth

	qrSize     = 32.0
	rowsRight  = rightX - qrSize - 6 // the QR code stands right of the details
	labelWidth = 46.0                // label column of the details
	valueX     = marginL + labelWidth
	valueWidth = rowsRight - valueX

	stepsIndent    = 6.0
	stepsTextWidth = contentWidth - stepsIndent

	confFontSize   = 8.0
	confFontSizeEN = 7.5
	confLineH      = 3.4
	footerBaseline = pageH - 10
)

// Grey levels used on the page; all print well in black and white.
const (
	inkBlack = 0
	inkEN    = 95  // English texts
	inkRule  = 170 // light rules
)

// WriteSheets writes one A4 page per sheet, in the order given, to w. It
// fails before writing anything if a sheet lacks a name, student number,
// login, password, dates or activation address, or if the activation address
// contains the password (the QR code must never carry it). Errors name the
// sheet by its position and student number, never by its password.
func (r *Renderer) WriteSheets(w io.Writer, sheets []Sheet) error {
	return r.WriteSheetsProgress(w, sheets, nil)
}

// WriteSheetsProgress is WriteSheets that calls progress, if not nil, with
// the number of pages laid out so far, after each page, from the calling
// goroutine. After the last call the PDF is still to be compressed and
// written to w, which takes about three times as long as the layout (some
// 2 s for 10,000 sheets): a progress bar reaches its end slightly early.
func (r *Renderer) WriteSheetsProgress(w io.Writer, sheets []Sheet, progress func(done int)) error {
	if len(sheets) == 0 {
		return errors.New("no SCOL'PASS sheet to write")
	}
	for i := range sheets {
		if err := checkSheet(&sheets[i]); err != nil {
			return fmt.Errorf("sheet %d (student %q): %w", i+1, sheets[i].StudentNo, err)
		}
	}
	pdf := r.newPDF("P", true)
	pdf.SetTitle("SCOL'PASS", true)
	if u := clean(sheets[0].University); u != "" {
		pdf.SetAuthor(u, true)
	}
	pdf.SetCreationDate(sheets[0].IssuedAt)
	pdf.SetModificationDate(sheets[0].IssuedAt)
	d := r.newSheetDoc(pdf)
	images := map[string]bool{}
	for i := range sheets {
		s := &sheets[i]
		name := qrImageName(s.ActivationURL)
		if !images[name] {
			png, err := r.qrPNG(s.ActivationURL)
			if err != nil {
				return err
			}
			pdf.RegisterImageOptionsReader(name, gofpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(png))
			images[name] = true
		}
		if err := r.drawSheet(d, s, name); err != nil {
			return fmt.Errorf("sheet %d (student %q): %w", i+1, s.StudentNo, err)
		}
		if err := pdf.Error(); err != nil {
			return fmt.Errorf("sheet %d (student %q): %w", i+1, s.StudentNo, err)
		}
		if progress != nil {
			progress(i + 1)
		}
	}
	if err := pdf.Output(w); err != nil {
		return fmt.Errorf("writing the SCOL'PASS PDF: %w", err)
	}
	return nil
}

func checkSheet(s *Sheet) error {
	switch {
	case strings.TrimSpace(s.FirstName) == "" && strings.TrimSpace(s.LastName) == "":
		return errors.New("the student has no name")
	case strings.TrimSpace(s.StudentNo) == "":
		return errors.New("the student number is empty")
	case strings.TrimSpace(s.Login) == "":
		return errors.New("the login is empty")
	case strings.TrimSpace(s.Password) == "":
		return errors.New("the provisional password is empty")
	case s.ExpiresAt.IsZero():
		return errors.New("the expiry date of the password is missing")
	case s.IssuedAt.IsZero():
		return errors.New("the date of issue is missing")
	case strings.TrimSpace(s.ActivationURL) == "":
		return errors.New("the activation address is empty")
	case containsSecret(s.ActivationURL, s.Password):
		return errors.New("the activation address contains the password; it would be printed in the QR code")
	}
	return nil
}

// containsSecret reports whether text holds secret, also written in another
// case or without its separators ("k7qmx4tp9cwd" for "K7QM-X4TP-9CWD").
func containsSecret(text, secret string) bool {
	if strings.Contains(text, strings.TrimSpace(secret)) {
		return true
	}
	fold := func(s string) string {
		return strings.Map(func(c rune) rune {
			if unicode.IsLetter(c) || unicode.IsDigit(c) {
				return unicode.ToLower(c)
			}
			return -1
		}, s)
	}
	// Below 8 characters a match could be chance, and no provisional
	// password is that short.
	f := fold(secret)
	return len(f) >= 8 && strings.Contains(fold(text), f)
}

// ink sets the text colour to a grey level (0 black, 255 white).
func ink(pdf *gofpdf.Fpdf, g int) { pdf.SetTextColor(g, g, g) }

// pair draws "fr · en" from x on baseline y: French in black at size, English
// in grey at sizeEN. It returns the width drawn.
func pair(pdf *gofpdf.Fpdf, x, y float64, b bilingual, style string, size, sizeEN float64) float64 {
	pdf.SetFont(fontSans, style, size)
	ink(pdf, inkBlack)
	pdf.Text(x, y, b.fr)
	w := pdf.GetStringWidth(b.fr)
	pdf.SetFont(fontSans, "", sizeEN)
	ink(pdf, inkEN)
	en := " · " + b.en
	pdf.Text(x+w, y, en)
	w += pdf.GetStringWidth(en)
	ink(pdf, inkBlack)
	return w
}

// pairWidth is the width pair would draw.
func pairWidth(pdf *gofpdf.Fpdf, b bilingual, style string, size, sizeEN float64) float64 {
	pdf.SetFont(fontSans, style, size)
	w := pdf.GetStringWidth(b.fr)
	pdf.SetFont(fontSans, "", sizeEN)
	return w + pdf.GetStringWidth(" · "+b.en)
}

// drawSheet lays out one SCOL'PASS page: the student's data, placed around
// the document's templates of fixed texts, from the top down.
func (r *Renderer) drawSheet(d *sheetDoc, s *Sheet, qrName string) error {
	pdf := d.pdf
	pdf.AddPage()
	pdf.UseTemplate(d.fixed)
	ink(pdf, inkBlack)
	pdf.SetDrawColor(0, 0, 0)
	r.drawHeader(pdf, s)
	y := drawName(pdf, s)
	y = r.drawDetails(pdf, s, qrName, y)
	y = r.drawPassword(pdf, s, y)
	return r.drawGuide(d, y)
}

// drawHeader draws the university and the date of issue.
func (r *Renderer) drawHeader(pdf *gofpdf.Fpdf, s *Sheet) {
	university := clean(s.University)
	shrinkToFit(pdf, fontSans, "B", 13, contentWidth-55, university)
	pdf.Text(marginL, 21, university)
	issued := r.date(s.IssuedAt)
	pdf.SetFont(fontSans, "B", 11)
	pdf.Text(rightX-pdf.GetStringWidth(issued), 26.5, issued)
}

// drawName draws the student's name, as large as fits, wrapped at 11 pt,
// never cut; it returns the y below it.
func drawName(pdf *gofpdf.Fpdf, s *Sheet) float64 {
	y := nameLabelY
	size, lines := fitText(pdf, fontSans, "B", 18, 11, contentWidth, displayName(s), false)
	lh := size * ptToMM * 1.2
	y += 1.5
	for _, l := range lines {
		y += lh
		pdf.Text(marginL, y, l)
	}
	return y + 3
}

// drawDetails draws the student's details from y, one ruled row each, with
// the QR code of the activation page on the right; it returns the y below
// both.
func (r *Renderer) drawDetails(pdf *gofpdf.Fpdf, s *Sheet, qrName string, y float64) float64 {
	t := r.sheet
	pdf.SetLineWidth(0.2)
	pdf.SetDrawColor(inkRule, inkRule, inkRule)
	pdf.Line(marginL, y, rowsRight, y)
	qrY := y + 1.5
	pdf.ImageOptions(qrName, rightX-qrSize, qrY, qrSize, qrSize, false, gofpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	pdf.SetFont(fontSans, "", 7.5)
	pdf.Text(rightX-qrSize/2-pdf.GetStringWidth(t.qrCaption.fr)/2, qrY+qrSize+3.5, t.qrCaption.fr)
	pdf.SetFont(fontSans, "", 7)
	ink(pdf, inkEN)
	pdf.Text(rightX-qrSize/2-pdf.GetStringWidth(t.qrCaption.en)/2, qrY+qrSize+6.6, t.qrCaption.en)
	ink(pdf, inkBlack)
	for _, v := range []struct {
		label         bilingual
		font, style   string
		size, least   float64
		value         string
		breakAnywhere bool
	}{
		{t.studentNo, fontSans, "B", 13, 8, s.StudentNo, true},
		{t.program, fontSans, "", 11, 8.5, s.Program, false},
		{t.login, fontMono, "B", 12, 7, s.Login, true},
		{t.activation, fontMono, "B", 10.5, 7, s.ActivationURL, true},
	} {
		h := detailLabel(pdf, v.label, y)
		size, ls := fitText(pdf, v.font, v.style, v.size, v.least, valueWidth, clean(v.value), v.breakAnywhere)
		y = max(y+h, drawValue(pdf, y, size, ls)+2.7)
		pdf.Line(marginL, y, rowsRight, y)
	}
	return max(y, qrY+qrSize+6.6)
}

// detailLabel draws a row's label from y, English beside French or, too
// wide for one line, under it; it returns the row's least height.
func detailLabel(pdf *gofpdf.Fpdf, label bilingual, y float64) float64 {
	h := 8.5
	if pairWidth(pdf, label, "", 8.5, 7.5) <= labelWidth-3 {
		pair(pdf, marginL, y+5.6, label, "", 8.5, 7.5)
	} else {
		pdf.SetFont(fontSans, "", 8.5)
		pdf.Text(marginL, y+5.6, label.fr)
		pdf.SetFont(fontSans, "", 7.5)
		ink(pdf, inkEN)
		pdf.Text(marginL, y+9, label.en)
		h = 11
	}
	ink(pdf, inkBlack)
	return h
}

// drawValue draws a row's value, maybe wrapped, in the font fitText set;
// it returns its last baseline.
func drawValue(pdf *gofpdf.Fpdf, y, size float64, ls []string) float64 {
	b := y + 5.8
	for i, l := range ls {
		if i > 0 {
			b += size * ptToMM * 1.25
		}
		pdf.Text(valueX, b, l)
	}
	return b
}

// drawPassword draws the provisional password, boxed, with its expiry,
// below y; it returns the y below the box.
func (r *Renderer) drawPassword(pdf *gofpdf.Fpdf, s *Sheet, y float64) float64 {
	t := r.sheet
	y += 4.5
	password := s.Password // printed exactly as given
	pwSize, pwLines := fitText(pdf, fontMono, "B", 24, 10, contentWidth-16, password, true)
	pwLH := pwSize * ptToMM * 1.2
	boxH := 16 + float64(len(pwLines))*pwLH
	pdf.SetDrawColor(0, 0, 0)
	pdf.SetLineWidth(0.7)
	pdf.RoundedRect(marginL, y, contentWidth, boxH, 2, "1234", "D")
	pair(pdf, marginL+5, y+5.5, t.password, "B", 9, 8)
	pdf.SetFont(fontMono, "B", pwSize)
	b := y + 6.5
	for _, l := range pwLines {
		b += pwLH
		pdf.Text(marginL+(contentWidth-pdf.GetStringWidth(l))/2, b, l)
	}
	expires := r.date(s.ExpiresAt)
	validity := bilingual{
		fr: t.validUntil.fr + " " + expires + ", " + t.singleUse.fr,
		en: t.validUntil.en + " " + expires + ", " + t.singleUse.en,
	}
	vw := pairWidth(pdf, validity, "B", 9, 8.5)
	pair(pdf, marginL+(contentWidth-vw)/2, y+boxH-3.8, validity, "B", 9, 8.5)
	return y + boxH + 6
}

// drawGuide places the guide in short (French, then English) from y, in
// its compact form when the full one does not fit above the footer.
func (r *Renderer) drawGuide(d *sheetDoc, y float64) error {
	steps, tpl := r.steps, d.steps
	if y+steps.height > r.footerTop()-3 {
		steps, tpl = r.stepsCompact, d.stepsCompact
	}
	if y+steps.height > r.footerTop()-3 {
		return errors.New("the name, programme, login or address is too long to fit the sheet on one page")
	}
	d.pdf.UseTemplateScaled(tpl, gofpdf.PointType{X: 0, Y: y}, gofpdf.SizeType{Wd: pageW, Ht: pageH})
	return nil
}

// sheetDoc is a document of sheets: the PDF and the parts of a page that
// are the same for every student, drawn once as PDF forms (templates) and
// placed on each page, so that a page carries only the student's data.
type sheetDoc struct {
	pdf                 *gofpdf.Fpdf
	fixed               gofpdf.Template // header texts, title, labels, footer
	steps, stepsCompact gofpdf.Template // the guide, drawn from y = 0
}

func (r *Renderer) newSheetDoc(pdf *gofpdf.Fpdf) *sheetDoc {
	d := &sheetDoc{pdf: pdf}
	d.fixed = pdf.CreateTemplate(func(tpl *gofpdf.Tpl) { r.drawFixed(&tpl.Fpdf) })
	stepsTpl := func(l *stepsLayout) gofpdf.Template {
		return pdf.CreateTemplate(func(tpl *gofpdf.Tpl) {
			y := drawSteps(&tpl.Fpdf, 0, r.sheet.steps.fr, l, l.fr, inkBlack)
			drawSteps(&tpl.Fpdf, y+stepsBetween, r.sheet.steps.en, l, l.en, inkEN-35)
		})
	}
	d.steps, d.stepsCompact = stepsTpl(r.steps), stepsTpl(r.stepsCompact)
	return d
}

// nameLabelY is the baseline of the "Nom · Name" label.
const nameLabelY = 61.5

// footerTop is the baseline of the first line of the footer.
func (r *Renderer) footerTop() float64 {
	n := len(r.confidentialFR) + len(r.confidentialEN)
	return footerBaseline - float64(n-1)*confLineH - 3.5
}

// drawFixed draws what every sheet shows at the same place: captions,
// title, labels that do not move, and the confidentiality footer.
func (r *Renderer) drawFixed(pdf *gofpdf.Fpdf) {
	t := r.sheet
	ink(pdf, inkBlack)
	pair(pdf, marginL, 26.5, t.caption, "", 8.5, 8)
	pw := pairWidth(pdf, t.issued, "", 8, 7.5)
	pair(pdf, rightX-pw, 21, t.issued, "", 8, 7.5)
	pdf.SetDrawColor(0, 0, 0)
	pdf.SetLineWidth(0.6)
	pdf.Line(marginL, 30, rightX, 30)

	pdf.SetFont(fontSans, "B", 28)
	pdf.Text(marginL-0.6, 43.5, t.title)
	pdf.SetFont(fontSans, "", 9.5)
	pdf.Text(marginL, 50, t.subtitle.fr)
	pdf.SetFont(fontSans, "", 8.5)
	ink(pdf, inkEN)
	pdf.Text(marginL, 54, t.subtitle.en)
	pair(pdf, marginL, nameLabelY, t.name, "", 7.5, 7)

	// Footer: confidentiality notice.
	top := r.footerTop()
	pdf.SetDrawColor(0, 0, 0)
	pdf.SetLineWidth(0.3)
	pdf.Line(marginL, top-4, rightX, top-4)
	b := top
	pdf.SetFont(fontSans, "B", confFontSize)
	ink(pdf, inkBlack)
	for _, l := range r.confidentialFR {
		pdf.Text(marginL, b, l)
		b += confLineH
	}
	pdf.SetFont(fontSans, "", confFontSizeEN)
	ink(pdf, inkEN)
	for _, l := range r.confidentialEN {
		pdf.Text(marginL, b, l)
		b += confLineH
	}
}

// stepsBetween separates the French steps from the English ones.
const stepsBetween = 3.0

// stepsLayout is the guide's steps laid out at one size.
type stepsLayout struct {
	size, lineH, gap float64
	fr, en           []richLine
	height           float64 // both lists with their headings
}

func newStepsLayout(pdf *gofpdf.Fpdf, t *sheetTexts, size, lineH, gap float64) *stepsLayout {
	l := &stepsLayout{size: size, lineH: lineH, gap: gap}
	l.fr = layoutSteps(pdf, t.stepsFR, size, stepsTextWidth)
	l.en = layoutSteps(pdf, t.stepsEN, size, stepsTextWidth)
	l.height = l.listHeight(l.fr) + stepsBetween + l.listHeight(l.en)
	return l
}

// listHeight is what drawSteps advances for lines.
func (l *stepsLayout) listHeight(lines []richLine) float64 {
	h := stepsHeadingH + stepsTail
	for i, ln := range lines {
		if ln.number != "" && i > 0 {
			h += l.gap
		}
		h += l.lineH
	}
	return h
}

const (
	stepsHeadingH = 6.5 // heading and its rule
	stepsTail     = 1.5 // below the last line
)

// drawSteps draws a heading and the laid-out steps from y; it returns the y
// below the last line.
func drawSteps(pdf *gofpdf.Fpdf, y float64, heading string, l *stepsLayout, lines []richLine, textInk int) float64 {
	pdf.SetFont(fontSans, "B", 10.5)
	ink(pdf, inkBlack)
	pdf.Text(marginL, y+4, heading)
	pdf.SetDrawColor(inkRule, inkRule, inkRule)
	pdf.SetLineWidth(0.2)
	pdf.Line(marginL, y+6, rightX, y+6)
	y += stepsHeadingH
	ink(pdf, textInk)
	style := "-"
	for i, ln := range lines {
		if ln.number != "" && i > 0 {
			y += l.gap
		}
		y += l.lineH
		if ln.number != "" {
			if style != "B" {
				style = "B"
				pdf.SetFont(fontSans, style, l.size)
			}
			pdf.Text(marginL, y, ln.number)
		}
		for _, run := range ln.runs {
			if run.style != style {
				style = run.style
				pdf.SetFont(fontSans, style, l.size)
			}
			pdf.Text(marginL+stepsIndent+run.dx, y, run.text)
		}
	}
	ink(pdf, inkBlack)
	return y + stepsTail
}

// displayName is the name as printed: first name as given, last name in
// capitals (the French administrative habit), e.g. "Łukasz WAŁĘSA".
func displayName(s *Sheet) string {
	first, last := clean(s.FirstName), strings.ToUpper(clean(s.LastName))
	switch {
	case first == "":
		return last
	case last == "":
		return first
	}
	return first + " " + last
}

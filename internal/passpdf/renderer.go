// Package passpdf renders the printable documents of scolpass: the SCOL'PASS
// sheets handed to students (one A4 page each, French first, English below)
// and the printable activation report with its funnel chart.
//
// Texts come from templates/sheet/ and fonts (DejaVu, for every Latin-script
// name) from templates/fonts/, both embedded in the binary. The package never
// stores or logs a password: a password given in a Sheet is written to the
// PDF page and nowhere else, and never into the QR code.
package passpdf

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"io/fs"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/jung-kurt/gofpdf"
	qrcode "github.com/skip2/go-qrcode"
	"golang.org/x/text/unicode/norm"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/templates"
)

// Font families registered in every document.
const (
	fontSans = "sans" // DejaVu Sans, regular "" and bold "B"
	fontMono = "mono" // DejaVu Sans Mono, bold "B" only
)

// maxQRCache bounds the QR images kept by a Renderer. In practice every
// student has the same activation address, so one entry is used.
const maxQRCache = 32

// Renderer renders SCOL'PASS sheets and reports. It holds the embedded fonts,
// the parsed texts and the layout that does not depend on the student, so
// that each page only places the student's own data. A Renderer is safe for
// concurrent use by several goroutines and is meant to be reused.
type Renderer struct {
	fonts struct{ sans, sansBold, monoBold []byte }

	sheet  *sheetTexts
	report *reportTexts

	// The guide's steps laid out once, French and English: normally, and
	// compact for a sheet whose long name or programme leaves less room.
	steps, stepsCompact *stepsLayout
	// Confidentiality notice laid out once.
	confidentialFR, confidentialEN []string

	qrMu sync.Mutex
	qr   map[string][]byte // activation address -> PNG of its QR code
}

// NewRenderer loads the fonts and texts embedded in templates.FS. It fails if
// a font or a text is missing or malformed, naming the file.
func NewRenderer() (*Renderer, error) {
	return newRenderer(templates.FS)
}

func newRenderer(fsys fs.FS) (*Renderer, error) {
	r := &Renderer{qr: map[string][]byte{}}
	for _, f := range []struct {
		name string
		dst  *[]byte
	}{
		{"fonts/DejaVuSans.ttf", &r.fonts.sans},
		{"fonts/DejaVuSans-Bold.ttf", &r.fonts.sansBold},
		{"fonts/DejaVuSansMono-Bold.ttf", &r.fonts.monoBold},
	} {
		b, err := fs.ReadFile(fsys, f.name)
		if err != nil {
			return nil, fmt.Errorf("loading font: %w", err)
		}
		*f.dst = b
	}
	var err error
	if r.sheet, err = loadSheetTexts(fsys); err != nil {
		return nil, err
	}
	if r.report, err = loadReportTexts(fsys); err != nil {
		return nil, err
	}

	// Lay out the fixed texts once, with the real font metrics; this also
	// proves that the fonts parse.
	pdf := r.newPDF("P", true)
	r.steps = newStepsLayout(pdf, r.sheet, 8, 3.4, 0.9)
	r.stepsCompact = newStepsLayout(pdf, r.sheet, 7, 2.95, 0.6)
	pdf.SetFont(fontSans, "B", confFontSize)
	r.confidentialFR = wrapWords(pdf, r.sheet.confidential.fr, contentWidth)
	pdf.SetFont(fontSans, "", confFontSizeEN)
	r.confidentialEN = wrapWords(pdf, r.sheet.confidential.en, contentWidth)
	if err := pdf.Error(); err != nil {
		return nil, fmt.Errorf("preparing the PDF layout: %w", err)
	}
	return r, nil
}

// newPDF starts an A4 document in millimetres with DejaVu Sans (regular and
// bold) and, if mono, DejaVu Sans Mono Bold; no automatic page break (each
// page is laid out by hand) and a deterministic object order.
//
// gofpdf parses a TrueType font each time it is added to a document and
// subsets it when the document is written, some 5 ms a face: so a
// document registers only the faces it uses, and WriteSheets puts many
// sheets in one document rather than one document a sheet when it can.
func (r *Renderer) newPDF(orientation string, mono bool) *gofpdf.Fpdf {
	pdf := gofpdf.New(orientation, "mm", "A4", "")
	// gofpdf writes into the font bytes it is given when it subsets a font
	// (table checksums): each document gets its own copy, so that documents
	// rendered at the same time do not corrupt each other.
	pdf.AddUTF8FontFromBytes(fontSans, "", bytes.Clone(r.fonts.sans))
	pdf.AddUTF8FontFromBytes(fontSans, "B", bytes.Clone(r.fonts.sansBold))
	if mono {
		pdf.AddUTF8FontFromBytes(fontMono, "B", bytes.Clone(r.fonts.monoBold))
	}
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetCatalogSort(true)
	pdf.SetCreator("scolpass", true)
	return pdf
}

// qrPNG returns the PNG of the QR code of address, made once per address.
// Only the address is encoded: callers never pass anything secret.
func (r *Renderer) qrPNG(address string) ([]byte, error) {
	r.qrMu.Lock()
	defer r.qrMu.Unlock()
	if b, ok := r.qr[address]; ok {
		return b, nil
	}
	q, err := qrcode.New(address, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("making the QR code of the activation address: %w", err)
	}
	q.DisableBorder = true // the page leaves the quiet zone around it
	bm := q.Bitmap()
	// qrScale pixels a module: sharp in every viewer, even those that smooth
	// upscaled images, and still a few hundred bytes of PNG.
	const qrScale = 8
	n := len(bm)
	img := image.NewGray(image.Rect(0, 0, n*qrScale, n*qrScale))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	for y, row := range bm {
		for x, dark := range row {
			if !dark {
				continue
			}
			for dy := 0; dy < qrScale; dy++ {
				off := img.PixOffset(x*qrScale, y*qrScale+dy)
				for dx := 0; dx < qrScale; dx++ {
					img.Pix[off+dx] = 0
				}
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("encoding the QR code: %w", err)
	}
	if len(r.qr) < maxQRCache {
		r.qr[address] = buf.Bytes()
	}
	return buf.Bytes(), nil
}

// qrImageName is the name under which the QR code of address is registered in
// a document: one image object per address, shared by all its pages.
func qrImageName(address string) string { return "qr:" + address }

// clean prepares a value for printing: NFC (so that a decomposed "é" prints
// as one glyph), control characters turned into spaces, outer spaces trimmed.
func clean(s string) string {
	if !norm.NFC.IsNormalString(s) {
		s = norm.NFC.String(s)
	}
	for _, c := range s {
		if c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == '\u2028' || c == '\u2029' {
			s = strings.Map(func(c rune) rune {
				if unicode.IsControl(c) || c == '\u2028' || c == '\u2029' {
					return ' '
				}
				return c
			}, s)
			break
		}
	}
	return strings.TrimSpace(s)
}

// date formats t as dd/mm/yyyy in Europe/Paris.
func (r *Renderer) date(t time.Time) string { return activation.ParisDate(t) }

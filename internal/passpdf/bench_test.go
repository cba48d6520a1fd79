package passpdf

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/jung-kurt/gofpdf"
)

// benchSheets makes n sheets with varied names, as an import would.
func benchSheets(n int) []Sheet {
	firsts := []string{"Jean", "Łukasz", "Antonín", "Thị Minh", "Søren", "Şükrü", "Héloïse", "Marie-Christine Adélaïde"}
	lasts := []string{"Dupont", "Wałęsa", "Dvořák", "Nguyễn", "Ærøskøbing", "Yılmaz", "Lefèvre", "Dupont-Montesquieu de La Rochefoucauld"}
	programs := []string{"L1 Informatique", "M2 Droit des affaires internationales", "DUT Génie biologique", "L3 Physique-Chimie"}
	issued := time.Date(2025, 9, 1, 8, 0, 0, 0, time.UTC)
	out := make([]Sheet, n)
	for i := range out {
		out[i] = Sheet{
			University:    "Université de Montpellier",
			FirstName:     firsts[i%len(firsts)],
			LastName:      lasts[(i/len(firsts))%len(lasts)],
			StudentNo:     fmt.Sprintf("2%07d", i),
			Program:       programs[i%len(programs)],
			Login:         fmt.Sprintf("etudiant.%d@etu.umontpellier.fr", i),
			Password:      fmt.Sprintf("K7QM-X4TP-%04d", i%10000),
			ExpiresAt:     issued.AddDate(0, 0, 120),
			IssuedAt:      issued,
			ActivationURL: "https://scolpass.umontpellier.fr/activation",
		}
	}
	return out
}

// benchBatch is the number of sheets a benchmark iteration puts in one PDF:
// 1,000 by default, PASSPDF_BENCH_SHEETS to change it (10000 for the size of
// a real batch).
var benchBatch = func() int {
	if n, err := strconv.Atoi(os.Getenv("PASSPDF_BENCH_SHEETS")); err == nil && n > 0 {
		return n
	}
	return 1000
}()

// BenchmarkWriteSheets renders benchBatch sheets into one PDF per iteration
// with the product's Renderer.
func BenchmarkWriteSheets(b *testing.B) {
	r, err := NewRenderer()
	if err != nil {
		b.Fatal(err)
	}
	sheets := benchSheets(benchBatch)
	var size int64
	b.ResetTimer()
	for b.Loop() {
		cw := &countWriter{}
		if err := r.WriteSheets(cw, sheets); err != nil {
			b.Fatal(err)
		}
		size = cw.n
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchBatch), "ns/sheet")
	b.ReportMetric(float64(size)/float64(benchBatch), "B/sheet")
}

// BenchmarkBareLoop is the yardstick of BenchmarkWriteSheets: the same
// strings, fonts, QR image and rules written with gofpdf directly, at fixed
// positions, without the Renderer's checks, fitting and wrapping. The
// product's target is at most 1.5 times this.
func BenchmarkBareLoop(b *testing.B) {
	r, err := NewRenderer()
	if err != nil {
		b.Fatal(err)
	}
	sheets := benchSheets(benchBatch)
	var size int64
	b.ResetTimer()
	for b.Loop() {
		cw := &countWriter{}
		if err := bareLoop(r, cw, sheets); err != nil {
			b.Fatal(err)
		}
		size = cw.n
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchBatch), "ns/sheet")
	b.ReportMetric(float64(size)/float64(benchBatch), "B/sheet")
}

// BenchmarkWriteOneSheet is the --out-dir case: one PDF per student, so the
// fonts are set up and subset for every file.
func BenchmarkWriteOneSheet(b *testing.B) {
	r, err := NewRenderer()
	if err != nil {
		b.Fatal(err)
	}
	sheets := benchSheets(1)
	for b.Loop() {
		if err := r.WriteSheets(io.Discard, sheets); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBareLoopOnePerFile is the yardstick of the --out-dir mode: the
// bare loop (bareLoop, same content and fonts) run once per sheet, each time
// into a new one-page PDF file (created, written, closed; no temporary file,
// no fsync, no rename) in a temporary directory. benchBatch files per
// iteration (PASSPDF_BENCH_SHEETS).
func BenchmarkBareLoopOnePerFile(b *testing.B) {
	r, err := NewRenderer()
	if err != nil {
		b.Fatal(err)
	}
	sheets := benchSheets(benchBatch)
	dir := b.TempDir()
	var size int64
	b.ResetTimer()
	for b.Loop() {
		size = 0
		for i := range sheets {
			f, err := os.OpenFile(filepath.Join(dir, sheets[i].StudentNo+".pdf"), os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
			if err != nil {
				b.Fatal(err)
			}
			cw := &countWriter{}
			if err := bareLoop(r, io.MultiWriter(f, cw), sheets[i:i+1]); err != nil {
				f.Close()
				b.Fatal(err)
			}
			if err := f.Close(); err != nil {
				b.Fatal(err)
			}
			size += cw.n
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchBatch), "ns/sheet")
	b.ReportMetric(float64(size)/float64(benchBatch), "B/sheet")
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// bareLoop writes what a sheet shows with plain gofpdf calls.
func bareLoop(r *Renderer, w io.Writer, sheets []Sheet) error {
	t := r.sheet
	pdf := gofpdf.New("P", "mm", "A4", "")
	pdf.AddUTF8FontFromBytes(fontSans, "", r.fonts.sans)
	pdf.AddUTF8FontFromBytes(fontSans, "B", r.fonts.sansBold)
	pdf.AddUTF8FontFromBytes(fontMono, "B", r.fonts.monoBold)
	pdf.SetAutoPageBreak(false, 0)
	png, err := r.qrPNG(sheets[0].ActivationURL)
	if err != nil {
		return err
	}
	pdf.RegisterImageOptionsReader("qr", gofpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(png))
	text := func(style string, size, x, y float64, s string) {
		pdf.SetFont(fontSans, style, size)
		pdf.Text(x, y, s)
	}
	for i := range sheets {
		s := &sheets[i]
		pdf.AddPage()
		text("B", 13, 20, 21, s.University)
		text("", 8.5, 20, 26.5, t.caption.fr)
		text("", 8, 60, 26.5, " · "+t.caption.en)
		text("", 8, 160, 21, t.issued.fr)
		text("", 7.5, 175, 21, " · "+t.issued.en)
		text("B", 11, 170, 26.5, s.IssuedAt.Format("02/01/2006"))
		pdf.Line(20, 30, 190, 30)
		text("B", 28, 20, 43.5, t.title)
		text("", 9.5, 20, 50, t.subtitle.fr)
		text("", 8.5, 20, 54, t.subtitle.en)
		text("", 7.5, 20, 61.5, t.name.fr)
		text("", 7, 30, 61.5, " · "+t.name.en)
		text("B", 18, 20, 69, s.FirstName+" "+s.LastName)
		pdf.ImageOptions("qr", 158, 75, 32, 32, false, gofpdf.ImageOptions{ImageType: "PNG"}, 0, "")
		text("", 7.5, 163, 111, t.qrCaption.fr)
		text("", 7, 165, 114, t.qrCaption.en)
		for j, row := range [][3]string{
			{t.studentNo.fr, t.studentNo.en, s.StudentNo},
			{t.program.fr, t.program.en, s.Program},
			{t.login.fr, t.login.en, s.Login},
			{t.activation.fr, t.activation.en, s.ActivationURL},
		} {
			y := 73 + float64(j)*8.5
			text("", 8.5, 20, y+5.6, row[0])
			text("", 7.5, 40, y+5.6, " · "+row[1])
			pdf.SetFont(fontMono, "B", 12)
			pdf.Text(66, y+5.8, row[2])
			pdf.Line(20, y+8.5, 152, y+8.5)
		}
		pdf.RoundedRect(20, 118, 170, 26, 2, "1234", "D")
		text("B", 9, 25, 123.5, t.password.fr)
		text("", 8, 60, 123.5, " · "+t.password.en)
		pdf.SetFont(fontMono, "B", 24)
		pdf.Text(70, 134.5, s.Password)
		exp := s.ExpiresAt.Format("02/01/2006")
		text("B", 9, 45, 140, t.validUntil.fr+" "+exp+", "+t.singleUse.fr)
		text("", 8.5, 110, 140, " · "+t.validUntil.en+" "+exp+", "+t.singleUse.en)
		y := 150.0
		st := r.steps
		for k, steps := range [][]richLine{st.fr, st.en} {
			text("B", 10.5, 20, y+4, []string{t.steps.fr, t.steps.en}[k])
			pdf.Line(20, y+6, 190, y+6)
			y += 6.5
			for _, l := range steps {
				y += st.lineH
				if l.number != "" {
					text("B", st.size, 20, y, l.number)
				}
				for _, run := range l.runs {
					text(run.style, st.size, 26+run.dx, y, run.text)
				}
			}
		}
		pdf.Line(20, 276, 190, 276)
		for k, l := range r.confidentialFR {
			text("B", confFontSize, 20, 280+float64(k)*confLineH, l)
		}
		for k, l := range r.confidentialEN {
			text("", confFontSizeEN, 20, 287+float64(k)*confLineH, l)
		}
	}
	return pdf.Output(w)
}

// BenchmarkNewDocument measures what every PDF costs before its first page:
// gofpdf parses each TrueType face again for each document.
func BenchmarkNewDocument(b *testing.B) {
	r, err := NewRenderer()
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		r.newPDF("P", true)
	}
}

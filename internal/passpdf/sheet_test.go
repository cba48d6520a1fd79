package passpdf

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	qrcode "github.com/skip2/go-qrcode"
)

// trickySheets are names that must print correctly: Polish, Czech,
// Vietnamese, Danish, Turkish, French with a long compound name.
func trickySheets() []Sheet {
	return []Sheet{
		sheet("Łukasz", "Wałęsa", "21000001", "lukasz.walesa@etu.umontpellier.fr", "K7QM-X4TP-9CWD"),
		sheet("Antonín", "Dvořák", "21000002", "antonin.dvorak@etu.umontpellier.fr", "HB3R-7WQZ-MK4E"),
		sheet("Thị Minh Khai", "Nguyễn", "21000003", "thi-minh-khai.nguyen@etu.umontpellier.fr", "T9CX-V2PN-R6FH"),
		sheet("Søren", "Ærøskøbing", "21000004", "soren.aeroskobing@etu.umontpellier.fr", "W4JD-8KSA-XE3T"),
		sheet("Şükrü", "Öztürk", "21000005", "sukru.ozturk@etu.umontpellier.fr", "N6GU-2YBM-QP7C"),
		// 60 characters, the longest name the office has seen.
		sheet("Marie-Christine Adélaïde", "Dupont-Montesquieu de La Rochefoucauld", "21000006",
			"marie-christine.dupont-montesquieu-de-la-rochefoucauld@etu.umontpellier.fr", "F8ZR-K3VT-2HWN"),
	}
}

func TestWriteSheetsPrintsEveryField(t *testing.T) {
	sheets := trickySheets()
	if n := len([]rune(sheets[5].FirstName + " " + sheets[5].LastName)); n < 60 {
		t.Fatalf("the long name has %d characters, want at least 60", n)
	}
	path := writePDF(t, "sheets.pdf", render(t, sheets))
	pages := pdfPages(t, path)
	if len(pages) != len(sheets) {
		t.Fatalf("got %d pages, want one per sheet (%d)", len(pages), len(sheets))
	}
	for i, s := range sheets {
		page := flat(pages[i])
		for what, want := range map[string]string{
			"first name":     s.FirstName,
			"last name":      strings.ToUpper(s.LastName),
			"student number": s.StudentNo,
			"programme":      s.Program,
			"login":          s.Login,
			"password":       s.Password,
			"address":        s.ActivationURL,
			"expiry":         "01/01/2026", // 31/12/2025 23:30 UTC is 1 January 00:30 in Paris
			"issue":          "02/09/2025", // 01/09/2025 23:30 UTC is 2 September 01:30 in Paris
			"title":          "SCOL'PASS",
		} {
			if !strings.Contains(page, want) && !strings.Contains(squeeze(page), squeeze(want)) {
				t.Errorf("page %d (%s %s): %s %q not found in:\n%s", i+1, s.FirstName, s.LastName, what, want, page)
			}
		}
		// Pages are in the order given: no other student's password here.
		for j, o := range sheets {
			if j != i && strings.Contains(page, o.Password) {
				t.Errorf("page %d shows the password of sheet %d", i+1, j+1)
			}
		}
		// French first, English below.
		fr, en := strings.Index(page, "Activer votre compte"), strings.Index(page, "Activate your account")
		if fr < 0 || en < 0 || fr > en {
			t.Errorf("page %d: the French steps must come before the English ones (fr at %d, en at %d)", i+1, fr, en)
		}
	}
}

func TestWriteSheetsKeepsOrderAndOnePagePerSheet(t *testing.T) {
	sheets := benchSheets(25)
	pages := pdfPages(t, writePDF(t, "many.pdf", render(t, sheets)))
	if len(pages) != len(sheets) {
		t.Fatalf("got %d pages, want %d", len(pages), len(sheets))
	}
	for i, s := range sheets {
		if p := flat(pages[i]); !strings.Contains(p, s.StudentNo) || !strings.Contains(p, s.Password) {
			t.Errorf("page %d does not show sheet %d (student %s)", i+1, i+1, s.StudentNo)
		}
	}
}

func TestLongValuesWrapAndAreNeverCut(t *testing.T) {
	s := longSheet()
	pages := pdfPages(t, writePDF(t, "long.pdf", render(t, []Sheet{s})))
	if len(pages) != 1 {
		t.Fatalf("got %d pages, want 1", len(pages))
	}
	joined := squeeze(pages[0])
	for _, want := range []string{s.FirstName, strings.ToUpper(s.LastName), s.Program, s.Login, s.ActivationURL} {
		if !strings.Contains(joined, squeeze(want)) {
			t.Errorf("%q is cut or missing:\n%s", want, pages[0])
		}
	}
}

// longSheet has every value far longer than usual.
func longSheet() Sheet {
	s := sheet("Anne-Marie-Charlotte Bénédicte Éléonore", "Saint-Exupéry de La Tour du Pin Gouvernet-Montesquiou-Fézensac", "21009999",
		"anne-marie-charlotte.saint-exupery-de-la-tour-du-pin-gouvernet-montesquiou-fezensac@etu.umontpellier.fr", "ABCD-EFGH-JKMN")
	s.Program = "Master mention Droit international et droit européen, parcours Droit des relations économiques internationales et de l'Union européenne (formation en alternance)"
	s.ActivationURL = "https://scolpass.umontpellier.fr/activation/etudiants/rentree-2025/premiere-inscription?source=scolpass-papier"
	return s
}

func TestAbsurdlyLongValueIsRefusedNotCut(t *testing.T) {
	s := sheet("Jean", "Dupont", "21000001", "jean.dupont@etu.umontpellier.fr", "ABCD-EFGH-JKMN")
	s.Program = strings.Repeat("Programme extraordinairement long ", 40)
	err := renderer(t).WriteSheets(&bytes.Buffer{}, []Sheet{s})
	if err == nil || !strings.Contains(err.Error(), "too long to fit") {
		t.Fatalf("got %v, want a too-long error", err)
	}
}

func TestWriteSheetsRefusesIncompleteSheets(t *testing.T) {
	good := sheet("Jean", "Dupont", "21000001", "jean.dupont@etu.umontpellier.fr", "SECRET-PW-1234")
	for name, tc := range map[string]struct {
		mutate func(*Sheet)
		want   string
	}{
		"no name":         {func(s *Sheet) { s.FirstName, s.LastName = "", " " }, "no name"},
		"no number":       {func(s *Sheet) { s.StudentNo = "" }, "student number"},
		"no login":        {func(s *Sheet) { s.Login = "" }, "login"},
		"no password":     {func(s *Sheet) { s.Password = "" }, "password is empty"},
		"no expiry":       {func(s *Sheet) { s.ExpiresAt = time.Time{} }, "expiry"},
		"no issue date":   {func(s *Sheet) { s.IssuedAt = time.Time{} }, "date of issue"},
		"no address":      {func(s *Sheet) { s.ActivationURL = "" }, "activation address is empty"},
		"password in URL": {func(s *Sheet) { s.ActivationURL = testURL + "?pw=SECRET-PW-1234" }, "QR code"},
		"password folded": {func(s *Sheet) { s.ActivationURL = testURL + "/secretpw1234" }, "QR code"},
	} {
		t.Run(name, func(t *testing.T) {
			s := good
			tc.mutate(&s)
			var buf bytes.Buffer
			err := renderer(t).WriteSheets(&buf, []Sheet{good, s})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error about %q", err, tc.want)
			}
			if !strings.Contains(err.Error(), "sheet 2") {
				t.Errorf("error %q does not say which sheet", err)
			}
			if strings.Contains(err.Error(), "SECRET-PW-1234") {
				t.Errorf("error %q shows the password", err)
			}
			if buf.Len() != 0 {
				t.Errorf("%d bytes written despite the error", buf.Len())
			}
		})
	}
	if err := renderer(t).WriteSheets(&bytes.Buffer{}, nil); err == nil {
		t.Error("no sheets: got no error")
	}
}

// TestQRCodeEncodesOnlyTheAddress extracts the QR image from the PDF and
// compares it, module by module, with the QR code of the bare address.
func TestQRCodeEncodesOnlyTheAddress(t *testing.T) {
	sheets := trickySheets()[:3]
	path := writePDF(t, "qr.pdf", render(t, sheets))

	// One image object for the whole document, shared by every page.
	list, err := exec.Command(tool(t, "pdfimages"), "-list", path).Output()
	if err != nil {
		t.Fatalf("pdfimages -list: %v", err)
	}
	objects := map[string]bool{}
	rows := 0
	for _, line := range strings.Split(string(list), "\n")[2:] {
		f := strings.Fields(line)
		if len(f) > 11 {
			rows++
			objects[f[10]+" "+f[11]] = true
		}
	}
	if rows != len(sheets) || len(objects) != 1 {
		t.Fatalf("want one image a page (%d), all the same object; got %d uses of %d objects:\n%s", len(sheets), rows, len(objects), list)
	}

	dir := t.TempDir()
	if out, err := exec.Command(tool(t, "pdfimages"), "-png", "-f", "1", "-l", "1", path, filepath.Join(dir, "img")).CombinedOutput(); err != nil {
		t.Fatalf("pdfimages: %v\n%s", err, out)
	}
	f, err := os.Open(filepath.Join(dir, "img-000.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	got := modules(img)
	if !sameBitmap(got, qrBitmap(t, testURL)) {
		t.Fatal("the QR code in the PDF is not the QR code of the activation address")
	}
	for _, s := range sheets {
		for _, content := range []string{s.Password, testURL + "?" + s.Password, testURL + "#" + s.Password, s.Login + " " + s.Password} {
			if sameBitmap(got, qrBitmap(t, content)) {
				t.Fatalf("the QR code encodes %q", content)
			}
		}
	}
}

// modules reads the QR modules back from an image of scale pixels a module.
func modules(img image.Image) [][]bool {
	b := img.Bounds()
	// The first row starts with a finder pattern: 7 dark modules.
	run := 0
	for x := b.Min.X; x < b.Max.X && dark(img, x, b.Min.Y); x++ {
		run++
	}
	scale := run / 7
	if scale == 0 {
		return nil
	}
	n := b.Dx() / scale
	out := make([][]bool, n)
	for y := range out {
		out[y] = make([]bool, n)
		for x := range out[y] {
			out[y][x] = dark(img, b.Min.X+x*scale+scale/2, b.Min.Y+y*scale+scale/2)
		}
	}
	return out
}

func dark(img image.Image, x, y int) bool {
	r, g, b, _ := img.At(x, y).RGBA()
	return r+g+b < 3*0x8000
}

func qrBitmap(t testing.TB, content string) [][]bool {
	t.Helper()
	q, err := qrcode.New(content, qrcode.Medium)
	if err != nil {
		t.Fatal(err)
	}
	q.DisableBorder = true
	return q.Bitmap()
}

func sameBitmap(a, b [][]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for y := range a {
		if len(a[y]) != len(b[y]) {
			return false
		}
		for x := range a[y] {
			if a[y][x] != b[y][x] {
				return false
			}
		}
	}
	return true
}

func TestRendererIsReusableAndCachesTheQRCode(t *testing.T) {
	r := renderer(t)
	a := render(t, trickySheets()[:2])
	b := render(t, trickySheets()[:2])
	if !bytes.Equal(a, b) {
		t.Error("the same sheets rendered twice give different PDFs")
	}
	p1, _ := r.qrPNG(testURL)
	p2, _ := r.qrPNG(testURL)
	if &p1[0] != &p2[0] {
		t.Error("the QR image of an address is made again instead of reused")
	}
}

// TestWriteSamples renders sample sheets (the tricky names, an ordinary
// one, a long one) and a report, and checks that poppler turns every page
// into an image with ink on it: one page a sheet, none blank. To look at
// them: PASSPDF_SAMPLES=/tmp/passpdf go test -run Samples ./internal/passpdf/
func TestWriteSamples(t *testing.T) {
	dir := os.Getenv("PASSPDF_SAMPLES")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	sheets := append(trickySheets(), sheet("Jean", "Dupont", "21001234", "jean.dupont@etu.umontpellier.fr", "K7QM-X4TP-9CWD"), longSheet())
	// write writes a document and checks its page images: pages of them
	// (any number but none when pages is 0), none blank.
	write := func(name string, b []byte, pages int) {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		prefix := strings.TrimSuffix(p, ".pdf")
		if out, err := exec.Command(tool(t, "pdftoppm"), "-r", "30", "-png", p, prefix).CombinedOutput(); err != nil {
			t.Fatalf("pdftoppm: %v\n%s", err, out)
		}
		pngs, _ := filepath.Glob(prefix + "-*.png")
		if len(pngs) != pages && !(pages == 0 && len(pngs) > 0) {
			t.Errorf("%s: %d page images, want %d", name, len(pngs), pages)
		}
		for _, png := range pngs {
			if !hasInk(t, png) {
				t.Errorf("%s is blank", png)
			}
		}
		if os.Getenv("PASSPDF_SAMPLES") != "" {
			fmt.Println("wrote", p)
		}
	}
	write("sheets.pdf", render(t, sheets), len(sheets))
	var buf bytes.Buffer
	if err := renderer(t).WriteReport(&buf, sampleReport(14)); err != nil {
		t.Fatal(err)
	}
	write("report.pdf", buf.Bytes(), 0) // as many pages as its groups need
}

// hasInk reports whether the PNG image has a pixel that is not white.
func hasInk(t *testing.T, path string) bool {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if r, g, bl, _ := img.At(x, y).RGBA(); r < 0xc000 || g < 0xc000 || bl < 0xc000 {
				return true
			}
		}
	}
	return false
}

func TestRendererIsSafeForConcurrentUse(t *testing.T) {
	r := renderer(t)
	want := render(t, trickySheets())
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			var buf bytes.Buffer
			err := r.WriteSheets(&buf, trickySheets())
			if err == nil && !bytes.Equal(buf.Bytes(), want) {
				err = fmt.Errorf("concurrent rendering gave a different PDF")
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

func TestWriteSheetsProgress(t *testing.T) {
	var calls []int
	var buf bytes.Buffer
	sheets := benchSheets(5)
	if err := renderer(t).WriteSheetsProgress(&buf, sheets, func(n int) { calls = append(calls, n) }); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(calls) != "[1 2 3 4 5]" {
		t.Errorf("progress calls %v, want one a page", calls)
	}
	if !bytes.Equal(buf.Bytes(), render(t, sheets)) {
		t.Error("WriteSheetsProgress and WriteSheets give different PDFs")
	}
}

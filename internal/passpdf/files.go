package passpdf

import (
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// WriteFileAtomic creates path with mode 0600 holding what write writes. It
// writes to a temporary file in the same directory, syncs it to disk, then
// renames it over path, so that path either keeps its old content or has the
// complete new one, never a part. It is a PendingFile committed at once.
//
// If path exists and force is false it fails with "… already exists (use
// --force to overwrite)" before calling write, and also if path appears
// while write runs. On any failure (write returns an error, disk full,
// missing or read-only directory) the temporary file is removed and path is
// left untouched.
func WriteFileAtomic(path string, force bool, write func(io.Writer) error) error {
	p, err := NewPendingFile(path, force)
	if err != nil {
		return err
	}
	if err := write(p); err != nil {
		p.Abort()
		return err
	}
	if err := p.Finish(); err != nil {
		p.Abort()
		return err
	}
	if err := p.Commit(); err != nil {
		// Unlike a two-phase caller, nothing here depends on the content:
		// remove it rather than leave it beside path.
		os.Remove(p.tmp)
		if _, serr := os.Lstat(path); serr == nil && !force {
			return fmt.Errorf("%s already exists (use --force to overwrite)", path)
		}
		return err
	}
	return nil
}

// SheetFileName returns the file name of a student's sheet in --out-dir mode,
// so that an office finds it by number and name: "21001234_DUPONT_Jean.pdf".
// The name is ASCII (accents removed, ß→ss, ł→l, æ→ae, …), holds no path
// separator, no space and no leading dot, and stays well under file-system
// limits. A student number is unique, so two students never share a name.
func SheetFileName(s Sheet) string {
	parts := []string{}
	for _, p := range []struct {
		text  string
		upper bool
		limit int
	}{
		{s.StudentNo, false, 32},
		{s.LastName, true, 48},
		{s.FirstName, false, 32},
	} {
		if a := fileSafe(p.text, p.limit); a != "" {
			if p.upper {
				a = strings.ToUpper(a)
			}
			parts = append(parts, a)
		}
	}
	if len(parts) == 0 {
		parts = []string{"scolpass"}
	}
	return strings.Join(parts, "_") + ".pdf"
}

// asciiFold maps letters that do not decompose into a base letter and marks.
var asciiFold = map[rune]string{
	'æ': "ae", 'Æ': "AE", 'œ': "oe", 'Œ': "OE", 'ß': "ss", 'ẞ': "SS",
	'ø': "o", 'Ø': "O", 'ł': "l", 'Ł': "L", 'đ': "d", 'Đ': "D",
	'ð': "d", 'Ð': "D", 'þ': "th", 'Þ': "Th", 'ı': "i", 'ħ': "h", 'Ħ': "H",
	'ŋ': "ng", 'Ŋ': "Ng", 'ĸ': "k", 'ŀ': "l", 'Ŀ': "L",
}

// fileSafe folds text to ASCII letters and digits; any run of other
// characters becomes one "-", and the result is at most limit bytes.
func fileSafe(text string, limit int) string {
	var b strings.Builder
	dash := false
	for _, c := range norm.NFKD.String(text) {
		switch {
		case c < 0x80 && (unicode.IsLetter(c) || unicode.IsDigit(c)):
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(c)
		case unicode.Is(unicode.Mn, c) || c == '\'' || c == '’' || c == 'ʼ':
			// combining accent or apostrophe: dropped ("N'Diaye" -> "NDiaye")
		case asciiFold[c] != "":
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteString(asciiFold[c])
		default:
			dash = true
		}
	}
	out := b.String()
	if len(out) > limit {
		out = strings.TrimRight(out[:limit], "-")
	}
	return out
}

package passpdf

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// WriteFileAtomic creates path with mode 0600 holding what write writes. It
// writes to a temporary file in the same directory, syncs it to disk, then
// renames it over path, so that path either keeps its old content or has the
// complete new one, never a part.
//
// If path exists and force is false it fails with "… already exists (use
// --force to overwrite)" before calling write. On any failure (write returns
// an error, disk full, missing or read-only directory) the temporary file is
// removed and path is left untouched.
func WriteFileAtomic(path string, force bool, write func(io.Writer) error) (err error) {
	if !force {
		if _, err := os.Lstat(path); err == nil {
			return fmt.Errorf("%s already exists (use --force to overwrite)", path)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("checking %s: %w", path, err)
		}
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	// CreateTemp makes the file with mode 0600, never readable by others,
	// even for an instant.
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("creating %s: %w", path, err)
	}
	tmpName := tmp.Name()
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmpName)
		}
	}()
	if err := tmp.Chmod(0o600); err != nil { // in case of an unusual umask or platform
		return fmt.Errorf("creating %s: %w", path, err)
	}
	bw := bufio.NewWriterSize(tmp, 1<<20)
	if err := write(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if force {
		if err := os.Rename(tmpName, path); err != nil {
			return fmt.Errorf("creating %s: %w", path, err)
		}
	} else {
		// A hard link fails if path appeared meanwhile, where a rename would
		// silently replace it.
		if err := os.Link(tmpName, path); err != nil {
			if errors.Is(err, fs.ErrExist) {
				return fmt.Errorf("%s already exists (use --force to overwrite)", path)
			}
			// File systems without hard links: check, then rename.
			if _, serr := os.Lstat(path); serr == nil {
				return fmt.Errorf("%s already exists (use --force to overwrite)", path)
			}
			if err := os.Rename(tmpName, path); err != nil {
				return fmt.Errorf("creating %s: %w", path, err)
			}
		} else {
			os.Remove(tmpName)
		}
	}
	// Make the new directory entry durable too; not all systems allow it.
	if d, derr := os.Open(dir); derr == nil {
		d.Sync()
		d.Close()
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

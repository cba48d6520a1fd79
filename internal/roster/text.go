package roster

import (
	"fmt"
	"strings"
	"unicode"
)

// Characters that have no place in a name, a programme or any other field
// of a student list, and what the reader does with them.
//
// Control characters (C0, DEL, C1: ESC, BEL, NUL…), bidirectional
// embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) and
// line or paragraph separators (U+2028, U+2029) are refused: the row is
// rejected, naming the field and the character. They can act on a terminal
// (`\x1b[2J` clears the screen of whoever lists the students) or show a name
// other than the one stored (U+202E prints "Dupont" backwards), and there is
// no right way to guess what was meant: the source must be corrected.
//
// Other format characters (Unicode category Cf), which are invisible —
// zero-width space, joiner and non-joiner (U+200B–U+200D), left-to-right
// and right-to-left marks (U+200E, U+200F), word joiner (U+2060), a byte
// order mark inside a field (U+FEFF), soft hyphen (U+00AD), tags… — are
// removed, and the row is kept with a Notice. They come from copy and paste,
// change nothing a person can see, and would only make "Dupont" and
// "Du\u200bpont" two different names (and duplicates undetected); rejecting
// them would block a student over a character nobody can find in the file.
// Tabs and other whitespace in a name are spaces, collapsed as before.

// Notice is a change made to a row that was kept.
type Notice struct {
	Line      int    // 1-based line of the row
	StudentNo string // the student number of the row
	Field     string // canonical name of the column changed (ColLastName…)
	Note      string // one sentence, such as `removed 1 invisible character (U+200B) from last name, now "Dupont"`
}

// String renders the notice for people: `line 14: removed …`.
func (n Notice) String() string {
	return fmt.Sprintf("line %d: %s", n.Line, n.Note)
}

// fieldLabels names the columns in reasons and notes.
var fieldLabels = [numColumns]string{
	colStudentNo: "student number",
	colLastName:  "last name",
	colFirstName: "first name",
	colBirthDate: "birth date",
	colProgram:   "programme",
	colComponent: "component",
	colYear:      "year",
	colINE:       "INE",
	colEmail:     "email",
}

// isBidiControl reports the bidirectional embeddings, overrides (U+202A–
// U+202E) and isolates (U+2066–U+2069).
func isBidiControl(r rune) bool {
	return r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069
}

// refusedRune returns what kind of refused character r is, or "".
func refusedRune(r rune) string {
	switch {
	case unicode.IsControl(r):
		return "a control character"
	case isBidiControl(r):
		return "a bidirectional text control"
	case r == 0x2028:
		return "a line separator"
	case r == 0x2029:
		return "a paragraph separator"
	}
	return ""
}

// isInvisible reports a format character that is removed from fields.
func isInvisible(r rune) bool {
	return unicode.Is(unicode.Cf, r) && !isBidiControl(r)
}

// plainASCII reports whether s holds only printable ASCII, the common case
// where there is nothing to check further.
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7F {
			return false
		}
	}
	return true
}

// removeInvisible returns s without its invisible format characters,
// trimmed again, and the characters removed ("" when none).
func removeInvisible(s string) (string, []rune) {
	if plainASCII(s) {
		return s, nil
	}
	var removed []rune
	for _, r := range s {
		if isInvisible(r) {
			removed = append(removed, r)
		}
	}
	if removed == nil {
		return s, nil
	}
	s = strings.Map(func(r rune) rune {
		if isInvisible(r) {
			return -1
		}
		return r
	}, s)
	return strings.TrimSpace(s), removed
}

// refusedIn returns the reason a field is refused for a character it holds,
// or "".
func refusedIn(label, s string) string {
	if plainASCII(s) {
		return ""
	}
	for _, r := range s {
		if kind := refusedRune(r); kind != "" {
			return fmt.Sprintf("%s %q contains %s (U+%04X)", label, s, kind, r)
		}
	}
	return ""
}

// removedNote describes the invisible characters removed from a field.
func removedNote(label, now string, removed []rune) string {
	var codes []string
	seen := map[rune]bool{}
	for _, r := range removed {
		if !seen[r] {
			seen[r] = true
			codes = append(codes, fmt.Sprintf("U+%04X", r))
		}
	}
	what := "invisible character"
	if len(removed) > 1 {
		what += "s"
	}
	return fmt.Sprintf("removed %d %s (%s) from %s, now %q", len(removed), what, strings.Join(codes, ", "), label, now)
}

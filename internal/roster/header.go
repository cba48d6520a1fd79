package roster

import (
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Canonical column names. They name the columns in Result.Columns and the
// field in a Rejection.
const (
	ColStudentNo = "student_no"
	ColLastName  = "last_name"
	ColFirstName = "first_name"
	ColBirthDate = "birth_date"
	ColProgram   = "program"
	ColComponent = "component"
	ColYear      = "year"
	ColINE       = "ine"
	ColEmail     = "email"
)

type column int

const (
	colStudentNo column = iota
	colLastName
	colFirstName
	colBirthDate
	colProgram
	colComponent
	colYear
	colINE
	colEmail
	numColumns
)

// columnNames lists, for each column, its canonical name then its aliases
// (SPEC §5, plus "date de naissance", the plain French header).
var columnNames = [numColumns][]string{
	colStudentNo: {ColStudentNo, "numero_etudiant", "cod_etu"},
	colLastName:  {ColLastName, "nom", "lib_nom_pat_ind"},
	colFirstName: {ColFirstName, "prenom", "lib_pr1_ind"},
	colBirthDate: {ColBirthDate, "date_naissance", "date_nai_ind", "date_de_naissance"},
	colProgram:   {ColProgram, "formation", "cod_etp"},
	colComponent: {ColComponent, "composante", "cod_cmp"},
	colYear:      {ColYear, "annee", "cod_anu"},
	colINE:       {ColINE, "cod_nne_ind"},
	colEmail:     {ColEmail, "email_perso"},
}

var requiredColumns = []column{colStudentNo, colLastName, colFirstName}

var columnByName = func() map[string]column {
	m := make(map[string]column)
	for c, names := range columnNames {
		for _, n := range names {
			m[n] = column(c)
		}
	}
	return m
}()

// headerKey folds a header name for matching: trimmed, lower case, without
// accents, with runs of spaces, hyphens and dots turned into one underscore,
// so that "Numéro étudiant" and "NUMERO_ETUDIANT" both match numero_etudiant.
func headerKey(name string) string {
	name = strings.TrimPrefix(strings.TrimSpace(name), "\uFEFF")
	name = norm.NFD.String(strings.TrimSpace(name))
	var b strings.Builder
	sep := false
	for _, r := range name {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == ' ' || r == '-' || r == '.' || r == '_' || unicode.IsSpace(r):
			sep = true
		default:
			if sep && b.Len() > 0 {
				b.WriteByte('_')
			}
			sep = false
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// header is where each known column sits in a row.
type header struct {
	index   [numColumns]int // field index of each column, -1 when absent
	width   int             // number of fields up to the last named one
	columns []string        // canonical names in file order
}

// columnAt returns the canonical name of the column of field i (0-based),
// or "" when it is not a known column.
func (h *header) columnAt(i int) string {
	for c, j := range h.index {
		if j == i {
			return columnNames[c][0]
		}
	}
	return ""
}

// recognized counts the known column names among fields.
func recognized(fields []string) int {
	n := 0
	for _, f := range fields {
		if _, ok := columnByName[headerKey(f)]; ok {
			n++
		}
	}
	return n
}

// detectDelimiter picks, among ',', ';' and tab, the one that splits the
// header line into the most known column names, then into the most fields,
// then the first in that order.
func detectDelimiter(line []byte) byte {
	best, bestKnown, bestFields := byte(','), -1, -1
	for _, d := range []byte{',', ';', '\t'} {
		fields := splitLine(line, d)
		known := recognized(fields)
		if known > bestKnown || known == bestKnown && len(fields) > bestFields {
			best, bestKnown, bestFields = d, known, len(fields)
		}
	}
	return best
}

// parseHeader maps the header fields to columns. A column given twice, a
// required column missing, or no known column at all is a *FileError.
func parseHeader(fields []string, line int) (*header, error) {
	h := &header{}
	for c := range h.index {
		h.index[c] = -1
	}
	for i, f := range fields {
		if strings.TrimSpace(f) != "" {
			h.width = i + 1
		}
	}
	for i, f := range fields[:h.width] {
		c, ok := columnByName[headerKey(f)]
		if !ok {
			continue
		}
		if j := h.index[c]; j >= 0 {
			return nil, &FileError{Line: line, Msg: fmt.Sprintf(
				"column %q appears twice, as %q in column %d and as %q in column %d; keep only one",
				columnNames[c][0], strings.TrimSpace(fields[j]), j+1, strings.TrimSpace(f), i+1)}
		}
		h.index[c] = i
		h.columns = append(h.columns, columnNames[c][0])
	}
	if len(h.columns) == 0 {
		return nil, &FileError{Line: line, Msg: fmt.Sprintf(
			"no known column name in the header; the first line must name the columns, such as %s;%s;%s",
			ColStudentNo, ColLastName, ColFirstName)}
	}
	var missing []string
	for _, c := range requiredColumns {
		if h.index[c] < 0 {
			names := columnNames[c]
			missing = append(missing, fmt.Sprintf("%q (also accepted: %s)", names[0], strings.Join(names[1:], ", ")))
		}
	}
	switch len(missing) {
	case 0:
		return h, nil
	case 1:
		return nil, &FileError{Line: line, Msg: "missing required column " + missing[0]}
	default:
		list := strings.Join(missing[:len(missing)-1], ", ") + " and " + missing[len(missing)-1]
		return nil, &FileError{Line: line, Msg: "missing required columns " + list}
	}
}

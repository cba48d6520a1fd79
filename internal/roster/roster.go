// Package roster reads the student list exported from the student
// information system (Apogée or Pégase) as CSV, and checks each row (SPEC §5).
//
// It guesses what spreadsheets and exports produce: the delimiter (',' ';'
// or tab), the encoding (UTF-8 with or without BOM, Windows-1252, and UTF-16
// as saved by Excel's "Unicode text"), CRLF, LF or CR line endings, and the
// column names with their French and Apogée aliases. A problem with the file
// as a whole is a *FileError; a problem with one row is a Rejection and the
// other rows are kept. Nothing here touches the database.
package roster

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/login"
)

// MaxStudentNoLen is the longest student number accepted.
const MaxStudentNoLen = 20

// Student is one accepted row of the file, as the store takes it (the
// same type, so that the rows read are the rows imported, without a copy):
//   - Line is the 1-based physical line where the row starts (the header
//     is line 1);
//   - StudentNo holds letters and digits only, at most MaxStudentNoLen;
//   - LastName and FirstName are trimmed, inner whitespace collapsed to
//     single spaces, never empty;
//   - BirthDate is midnight UTC of the birth day, the zero time when the
//     file gives none;
//   - the other fields are trimmed, empty when absent; Email is empty or a
//     plain address name@domain.tld;
//   - LoginBase is login.Derive(FirstName, LastName).
type Student = activation.ImportRecord

// Rejection is a row that was not kept, with the reason.
type Rejection struct {
	Line      int    // 1-based physical line where the row starts
	StudentNo string // the student number of the row as given, when there is one
	Field     string // canonical name of the column at fault (ColBirthDate…), empty when the whole row is
	Reason    string // one sentence, such as `birth date "31/02/2004" is not a date`
}

// ReasonCount is how many rows one rule rejected.
type ReasonCount struct {
	Field     string // canonical name of the column at fault, empty when the whole row is
	Reason    string // the reason without the row's values: `birth date "…" is not a date`
	Rows      int
	FirstLine int // the first row it rejected
}

// String renders the rejection for people: `line 14: birth date "31/02/2004" is not a date`.
func (r Rejection) String() string {
	return fmt.Sprintf("line %d: %s", r.Line, r.Reason)
}

// Result is what Read found in a file.
type Result struct {
	Students []Student   // accepted rows, in file order
	Rejected []Rejection // the first rejected rows (Options.ListRejections), one each, in file order
	// RejectedRows counts every rejected row, listed or not, and Reasons
	// counts them by reason, in order of first appearance.
	RejectedRows int
	Reasons      []ReasonCount
	Notices      []Notice // changes made to kept rows (invisible characters removed), in file order
	Delimiter    rune     // ',' ';' or '\t'
	Encoding     string   // EncodingUTF8, EncodingUTF8BOM, EncodingWindows1252, EncodingUTF16LE or EncodingUTF16BE
	Columns      []string // canonical names of the recognized columns, in file order
}

// FileError is a problem that makes the whole file unusable.
type FileError struct {
	Line int    // the line at fault, 0 when the problem is not on one line
	Msg  string // one sentence
}

// Error renders "line N: Msg", or Msg alone when no line is at fault.
func (e *FileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	}
	return e.Msg
}

// ReadAsOf parses the whole input; a birth date after the calendar day of
// now (in now's location) is rejected.
//
// A problem with the file as a whole returns a *FileError and no result:
// the file is empty, has a header but no student rows, lacks a required
// column (student number, last name, first name), names a column twice, is
// binary data, or has a header whose quote is not closed on its line. A row
// with a problem is reported in Result.Rejected, with its line and the first
// problem found, and the other rows are kept: a quote not closed on its line
// (see unclosedQuote: a row is always one line, and the lines after it are
// read as rows), a missing required field, a student number that is not
// letters and digits or already appeared on an earlier row, a field holding
// a control character, a bidirectional override or a line separator (see
// text.go), a birth date that is not a real date in DD/MM/YYYY or
// YYYY-MM-DD form between 1900 and today, an email that is not a plain
// address, a name longer than activation.MaxNameLen or holding a link
// (activation.NameProblem), a name from which no login can be built, a field count that
// differs from the header's, or a line longer than MaxLineBytes. A rejected row that a quote left open on an
// earlier line would have swallowed says so in its reason. Invisible
// format characters (zero-width spaces, U+FEFF…) are removed from the
// fields of a kept row, each removal reported in Result.Notices.
//
// Blank lines, and rows whose fields are all empty, are skipped, and so is
// a first line "sep=;" (or "sep=," or "sep=" and a tab) that fixes the
// delimiter for Excel. A line that
// is not valid UTF-8 is read as Windows-1252. Columns with other names are
// ignored, and so are extra empty fields at the end of a row.
//
// Memory use is bounded by the rows kept, not by the length of any line.
// Errors reading r are returned wrapped.
func ReadAsOf(r io.Reader, now time.Time) (*Result, error) {
	return Read(r, Options{Now: now})
}

// Options tune Read.
type Options struct {
	// Now is the day birth dates may not be after (see ReadAsOf).
	Now time.Time
	// EachBatch, when not nil, gets the accepted rows Batch at a time as
	// they are read, in file order, on the calling goroutine (the last
	// ones fewer, once the file is read), so that a caller can write rows
	// out while the rest of the file is read. Each batch is a piece of the
	// list Result.Students, not a copy, which the callee must not change
	// (appending to it allocates). When Read returns an error, rows
	// already handed out are not part of any result.
	EachBatch func([]Student)
	Batch     int
	// ListRejections is how many rejected rows Result.Rejected lists one
	// by one (default MaxListedRejections; negative: none). Every
	// rejected row is counted in Result.RejectedRows and by reason in
	// Result.Reasons, so that memory does not follow a file of millions
	// of bad rows.
	ListRejections int
}

// MaxListedRejections is how many rejected rows are listed one by one by
// default: enough to correct a file by hand; past it, a file is wrong as
// a whole and the counts by reason say how.
const MaxListedRejections = 1000

// Read is ReadAsOf with options.
func Read(r io.Reader, o Options) (*Result, error) {
	size := inputSize(r) // before anything is read
	src, err := newSource(r)
	if err != nil {
		return nil, fmt.Errorf("reading the student file: %w", err)
	}
	if o.ListRejections == 0 {
		o.ListRejections = MaxListedRejections
	}
	rd := &reader{
		src:  src,
		size: size,
		now:  o.Now,
		// Sized from the input when it is known (rows are 60 bytes or
		// more), so that 100,000 numbers are not rehashed as it grows.
		seen:    make(map[string]int32, min(max(size, 0)/64, 1<<20)),
		res:     &Result{},
		batches: o.EachBatch,
		batch:   max(o.Batch, 1),
		list:    max(o.ListRejections, 0),
		reasons: map[string]int{},
	}
	sc := &scan{rd: rd, src: src, rec: &records{}}
	for {
		more, err := sc.step()
		if err != nil {
			return nil, err
		}
		if !more {
			break
		}
	}
	sc.settle()
	rd.sendBatch(1)
	for _, u := range sc.unclosed {
		rd.setReason(u.rejection, u.reason(0, src.line))
	}
	if !sc.headerSeen {
		return nil, &FileError{Msg: "the file is empty"}
	}
	if rd.rows == 0 {
		return nil, &FileError{Msg: "the file has a header but no student rows"}
	}
	rd.res.Encoding = src.Encoding()
	return rd.res, nil
}

// scan is the reading of one file, line by line: the header, then the
// rows, with the quotes left open by rejected rows.
type scan struct {
	rd  *reader
	src *source
	rec *records
	// unclosed lists the rejected rows whose quote no later line has
	// closed yet; they are all in the same state (inside a quoted field at
	// the start of a line), so the first line that would close one closes
	// them all.
	unclosed []unclosedQuote
	opened   *unclosedQuote // by the line just read
	closes   bool           // the line just read would close the quotes of unclosed
	fields   []string
	// headerSeen once the first line is read; delimSet by an Excel
	// "sep=;" line.
	headerSeen, delimSet bool
}

// settle, once a line is read and its row checked, closes the quotes it
// closes and adds the one it opens.
func (sc *scan) settle() {
	if sc.closes {
		for _, u := range sc.unclosed {
			sc.rd.setReason(u.rejection, u.reason(sc.src.line, 0))
		}
		sc.unclosed, sc.closes = sc.unclosed[:0], false
	}
	if sc.opened != nil {
		sc.unclosed, sc.opened = append(sc.unclosed, *sc.opened), nil
	}
	sc.rd.afterQuote = 0
	if len(sc.unclosed) > 0 {
		sc.rd.afterQuote = sc.unclosed[0].line
	}
}

// skip follows a line too long to keep.
func (sc *scan) skip(b []byte) {
	sc.rec.begin(sc.src.line)
	sc.rec.skipLine()
	sc.rec.feed(b)
	sc.closes = sc.closes || len(sc.unclosed) > 0 && closesQuote(b)
}

// step reads one line and checks it as the header or a row; more=false at
// the end of the input.
func (sc *scan) step() (more bool, err error) {
	sc.settle()
	rec := sc.rec
	line, long, err := sc.src.next(sc.skip)
	if err == io.EOF {
		return false, nil
	}
	var bin errBinary
	if errors.As(err, &bin) {
		return false, binaryError(bin.line, sc.src.magic)
	}
	if err != nil {
		return false, fmt.Errorf("reading the student file: %w", err)
	}
	if !long {
		sc.closes = sc.closes || len(sc.unclosed) > 0 && closesQuote(line)
		if !rec.open && isBlank(line) {
			return true, nil
		}
		if !sc.headerSeen && !rec.open {
			if d, ok := excelSep(line); ok && !sc.delimSet {
				rec.delim, sc.delimSet = d, true
				return true, nil
			}
			if !sc.delimSet {
				rec.delim = detectDelimiter(line)
			}
		}
		rec.begin(sc.src.line)
		rec.feed(line)
	}
	rec.endLine()
	if !sc.headerSeen {
		sc.headerSeen = true
		return true, sc.header()
	}
	sc.record()
	return true, nil
}

// header reads the first line's column names.
func (sc *scan) header() error {
	rec, rd := sc.rec, sc.rd
	if !rec.keep {
		return &FileError{Line: rec.startLine, Msg: fmt.Sprintf("the header is longer than %d bytes; the first line must name the columns", MaxLineBytes)}
	}
	if rec.unclosed {
		return &FileError{Line: rec.startLine, Msg: fmt.Sprintf(
			"a quote opened in column %d of the header is not closed on this line; the first line must name the columns", rec.quoteField)}
	}
	h, err := parseHeader(rec.fields(nil), rec.startLine)
	if err != nil {
		return err
	}
	rd.h = h
	rd.res.Columns = h.columns
	rd.res.Delimiter = rune(rec.delim)
	return nil
}

// record checks the row just read.
func (sc *scan) record() {
	rec, rd := sc.rec, sc.rd
	if !rec.keep {
		rd.reject(rec.startLine, "", "", fmt.Sprintf("line is longer than %d bytes", MaxLineBytes))
		return
	}
	sc.fields = rec.fields(sc.fields)
	if rec.unclosed {
		u := unclosedQuote{line: rec.startLine, field: rec.quoteField, column: rd.h.columnAt(rec.quoteField - 1),
			rejection: rd.res.RejectedRows}
		rd.reject(u.line, rd.get(sc.fields, colStudentNo), u.column, u.reason(0, 0))
		sc.opened = &u
		return
	}
	rd.row(rec.startLine, sc.fields)
}

// unclosedQuote is a row rejected because a quote opened in it is not
// closed on its line.
//
// RFC 4180 lets a quoted field run over several lines, and the row then
// ends wherever the next quote happens to be: one stray quote (`10;"Dupont`)
// would swallow every row up to the next quote in the file, hundreds of
// students lost without a word. A student list never has a line break
// inside a field, so the reader does not follow it there. It rejects the
// row where the quote opens (what the scolarité office needs: that row
// fixed, not the whole import blocked) and reads every following line as a
// row of its own, checked like any other: no student is swallowed, each one
// is imported or rejected with its line. To help find the typo, the reason
// names the line where RFC 4180 would have closed the quote, which the
// reader finds by following the quotes of the later lines on the side.
type unclosedQuote struct {
	line      int    // line of the rejected row
	field     int    // 1-based field where the quote opens
	column    string // canonical name of that field's column, "" when not a known column
	rejection int    // number of the rejection (its index in Result.Rejected when listed)
}

// reason says why the row is rejected: closedOn is the line that would
// close the quote (0 when none does), lastLine the last line of the file
// when none does (0 while the rest of the file is unknown).
func (u unclosedQuote) reason(closedOn, lastLine int) string {
	field := fmt.Sprintf("field %d", u.field)
	if u.column != "" {
		field += " (" + u.column + ")"
	}
	const why = "a field never spans lines in a student list, so "
	switch {
	case closedOn == u.line+1:
		return fmt.Sprintf("unclosed quote in %s: it is not closed on this line but on line %d; %sline %d is read as a row of its own",
			field, closedOn, why, closedOn)
	case closedOn > 0:
		return fmt.Sprintf("unclosed quote in %s: it is not closed on this line but on line %d; %slines %d to %d are read as rows of their own",
			field, closedOn, why, u.line+1, closedOn)
	case lastLine == u.line:
		return fmt.Sprintf("unclosed quote in %s: it is never closed", field)
	}
	return fmt.Sprintf("unclosed quote in %s: no later line closes it; %sthe lines after this one are read as rows of their own", field, why)
}

// excelSep recognizes the "sep=;" line that some exports put before the
// header to tell Excel the delimiter.
func excelSep(line []byte) (byte, bool) {
	if len(line) == 5 && strings.EqualFold(string(line[:4]), "sep=") {
		switch d := line[4]; d {
		case ',', ';', '\t':
			return d, true
		}
	}
	return 0, false
}

// inputSize returns the number of bytes left in r when r can tell, else 0.
func inputSize(r io.Reader) int64 {
	switch v := r.(type) {
	case interface{ Len() int }:
		return int64(v.Len())
	case interface{ Stat() (fs.FileInfo, error) }:
		if fi, err := v.Stat(); err == nil && fi.Mode().IsRegular() {
			return fi.Size()
		}
	}
	return 0
}

func isBlank(line []byte) bool {
	for _, c := range line {
		if c != ' ' && c != '\t' && c != '\r' {
			return false
		}
	}
	return true
}

// binaryError names the kind of binary file when it is a common mistake.
func binaryError(line int, magic []byte) *FileError {
	msg := "the file is not a text CSV (binary data)"
	if line == 1 {
		switch {
		case strings.HasPrefix(string(magic), "PK\x03\x04"):
			msg += "; it looks like an Excel workbook or a ZIP archive: save it as CSV first"
		case strings.HasPrefix(string(magic), "\xD0\xCF\x11\xE0"):
			msg += "; it looks like an old Excel workbook (.xls): save it as CSV first"
		case strings.HasPrefix(string(magic), "%PDF"):
			msg += "; it is a PDF document"
		}
	}
	return &FileError{Line: line, Msg: msg}
}

// reader checks the rows of one file.
type reader struct {
	now        time.Time
	afterQuote int // line of an unclosed quote that RFC 4180 would still be in, 0 if none
	h          *header
	seen       map[string]int32 // student number → line of its first row
	rows       int              // rows that were not blank, kept or rejected
	src        *source
	size       int64 // bytes in the input, 0 when unknown
	res        *Result
	batches    func([]Student) // called with the rows kept, batch at a time, when not nil
	batch      int
	sent       int            // rows of res.Students handed to batches
	list       int            // rejections listed one by one
	reasons    map[string]int // general reason → index in res.Reasons
}

func (rd *reader) reject(line int, studentNo, field, reason string) {
	rd.rows++
	if rd.afterQuote > 0 {
		// The line would have been swallowed by that quote; say so, since a
		// fragment of a row is often why this one is rejected.
		reason += fmt.Sprintf(" (after the unclosed quote of line %d)", rd.afterQuote)
	}
	rd.res.RejectedRows++
	rd.count(field, reason, line)
	if len(rd.res.Rejected) < rd.list {
		rd.res.Rejected = append(rd.res.Rejected, Rejection{Line: line, StudentNo: strings.Clone(studentNo), Field: field, Reason: reason})
	}
}

// setReason rewrites the reason of the n-th rejection, when it is listed.
func (rd *reader) setReason(n int, reason string) {
	if n < len(rd.res.Rejected) {
		rd.res.Rejected[n].Reason = reason
	}
}

// maxReasons bounds the reasons counted apart; the others are counted
// together.
const maxReasons = 100

// count adds a rejected row to the count of its reason in general form.
func (rd *reader) count(field, reason string, line int) {
	key := field + "\x00" + generalReason(reason)
	i, ok := rd.reasons[key]
	if !ok {
		if len(rd.res.Reasons) >= maxReasons {
			key = "\x00other"
			if i, ok = rd.reasons[key]; !ok {
				rd.reasons[key] = len(rd.res.Reasons)
				rd.res.Reasons = append(rd.res.Reasons, ReasonCount{Reason: "other reasons", FirstLine: line})
				i = len(rd.res.Reasons) - 1
			}
		} else {
			i = len(rd.res.Reasons)
			rd.reasons[key] = i
			rd.res.Reasons = append(rd.res.Reasons, ReasonCount{Field: field, Reason: generalReason(reason), FirstLine: line})
		}
	}
	rd.res.Reasons[i].Rows++
}

// generalReason is a reason without the values of its row: quoted values
// become "…" and words holding a digit N, so that rows rejected by one
// rule are counted together (`birth date "…" is not a date`).
func generalReason(reason string) string {
	var b strings.Builder
	b.Grow(len(reason))
	for i := 0; i < len(reason); {
		c := reason[i]
		switch {
		case c == '"':
			// A Go-quoted value: up to the closing quote not escaped.
			j := i + 1
			for j < len(reason) && reason[j] != '"' {
				if reason[j] == '\\' {
					j++
				}
				j++
			}
			b.WriteString(`"…"`)
			i = min(j+1, len(reason))
		case isWordByte(c):
			j, digit := i, false
			for j < len(reason) && isWordByte(reason[j]) {
				digit = digit || reason[j] >= '0' && reason[j] <= '9'
				j++
			}
			if digit {
				b.WriteByte('N')
			} else {
				b.WriteString(reason[i:j])
			}
			i = j
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}

func isWordByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '+' || c >= 0x80
}

// get returns a field of the row, trimmed, or "" when the column is absent.
func (rd *reader) get(fields []string, c column) string {
	i := rd.h.index[c]
	if i < 0 || i >= len(fields) {
		return ""
	}
	return strings.TrimSpace(fields[i])
}

// row checks one row and keeps it or rejects it for its first problem.
func (rd *reader) row(line int, fields []string) {
	empty := true
	for _, f := range fields {
		if strings.TrimSpace(f) != "" {
			empty = false
			break
		}
	}
	if empty {
		return
	}
	no := rd.get(fields, colStudentNo)
	if n := len(fields); n < rd.h.width || n > rd.h.width && !allBlank(fields[rd.h.width:]) {
		rd.reject(line, no, "", fmt.Sprintf("has %d fields, the header has %d", n, rd.h.width))
		return
	}
	// Invisible characters are removed from every field, and noted (see
	// text.go); names have their whitespace collapsed.
	var vals [numColumns]string
	var notices []Notice
	for c := range vals {
		v, removed := removeInvisible(rd.get(fields, column(c)))
		if c == int(colLastName) || c == int(colFirstName) {
			v = collapseSpaces(v)
		}
		if removed != nil {
			notices = append(notices, Notice{Field: columnNames[c][0], Note: removedNote(fieldLabels[c], v, removed)})
		}
		vals[c] = v
	}
	no = vals[colStudentNo]
	if reason := checkStudentNo(no); reason != "" {
		rd.reject(line, no, ColStudentNo, reason)
		return
	}
	if first, dup := rd.seen[no]; dup {
		rd.reject(line, no, ColStudentNo, fmt.Sprintf("student number %s already on line %d", no, first))
		return
	}
	rd.seen[strings.Clone(no)] = int32(line)
	// Control characters and bidirectional overrides are refused (text.go).
	for c, v := range vals {
		if reason := refusedIn(fieldLabels[c], v); reason != "" {
			rd.reject(line, no, columnNames[c][0], reason)
			return
		}
	}

	s := Student{
		Line:      line,
		StudentNo: no,
		LastName:  vals[colLastName],
		FirstName: vals[colFirstName],
		Program:   vals[colProgram],
		Component: vals[colComponent],
		Year:      vals[colYear],
		INE:       vals[colINE],
		Email:     vals[colEmail],
	}
	if s.LastName == "" {
		rd.reject(line, no, ColLastName, "last name is missing")
		return
	}
	if s.FirstName == "" {
		rd.reject(line, no, ColFirstName, "first name is missing")
		return
	}
	// Names are printed on the sheet and greeted in the emails: no
	// overlong name, no link (activation.NameProblem).
	if reason := activation.NameProblem("last name", s.LastName); reason != "" {
		rd.reject(line, no, ColLastName, reason)
		return
	}
	if reason := activation.NameProblem("first name", s.FirstName); reason != "" {
		rd.reject(line, no, ColFirstName, reason)
		return
	}
	if d := vals[colBirthDate]; d != "" {
		date, reason := parseBirthDate(d, rd.now)
		if reason != "" {
			rd.reject(line, no, ColBirthDate, reason)
			return
		}
		s.BirthDate = date
	}
	if s.Email != "" && !isPlainEmail(s.Email) {
		rd.reject(line, no, ColEmail, fmt.Sprintf("email %q is not a plain address such as name@example.fr", s.Email))
		return
	}
	base, err := login.Derive(s.FirstName, s.LastName)
	if err != nil {
		field := ColFirstName
		var ne *login.NameError
		if errors.As(err, &ne) && ne.Part == login.LastName {
			field = ColLastName
		}
		rd.reject(line, no, field, err.Error())
		return
	}
	s.LoginBase = base
	rd.rows++
	rd.keep(s)
	for _, n := range notices {
		n.Line, n.StudentNo = line, no
		rd.res.Notices = append(rd.res.Notices, n)
	}
}

// keep adds an accepted student. When the size of the input is known, the
// slice is sized once from the rows read so far, so that 100,000 students
// are not copied over and over as it grows.
func (rd *reader) keep(s Student) {
	st := rd.res.Students
	if len(st) == cap(st) {
		n := max(2*cap(st), 256)
		if rd.size > 0 && len(st) >= 256 && rd.src.consumed > 0 {
			est := int(float64(len(st))*float64(rd.size)/float64(rd.src.consumed)*1.05) + 64
			n = max(n, est)
		}
		grown := make([]Student, len(st), n)
		copy(grown, st)
		st = grown
	}
	rd.res.Students = append(st, s)
	rd.sendBatch(rd.batch)
}

// sendBatch hands the rows kept and not yet sent to batches, when there
// are at least n (n >= 1). A batch is a piece of res.Students, capacity
// cut to its length; one the list was copied away from (keep) holds the
// same rows.
func (rd *reader) sendBatch(n int) {
	st := rd.res.Students
	if rd.batches == nil || len(st)-rd.sent < n {
		return
	}
	rd.batches(st[rd.sent:len(st):len(st)])
	rd.sent = len(st)
}

func allBlank(fields []string) bool {
	for _, f := range fields {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// checkStudentNo returns why a student number is not acceptable, or "".
func checkStudentNo(no string) string {
	if no == "" {
		return "student number is missing"
	}
	for i := 0; i < len(no); i++ {
		c := no[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return fmt.Sprintf("student number %q must contain only letters and digits", no)
		}
	}
	if len(no) > MaxStudentNoLen {
		return fmt.Sprintf("student number %q is longer than %d characters", no, MaxStudentNoLen)
	}
	return ""
}

// collapseSpaces turns each run of whitespace of a trimmed string into one space.
func collapseSpaces(s string) string {
	prevSpace := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ':
			if prevSpace {
				return strings.Join(strings.Fields(s), " ")
			}
			prevSpace = true
		case c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f':
			return strings.Join(strings.Fields(s), " ")
		case c >= utf8.RuneSelf:
			if r, _ := utf8.DecodeRuneInString(s[i:]); unicode.IsSpace(r) {
				return strings.Join(strings.Fields(s), " ")
			}
			prevSpace = false
		default:
			prevSpace = false
		}
	}
	return s
}

// parseBirthDate reads DD/MM/YYYY (day and month may have one digit) or
// YYYY-MM-DD, optionally followed by a midnight time as some exports add,
// and checks that the day exists and lies between 1900 and the day of now.
func parseBirthDate(s string, now time.Time) (time.Time, string) {
	v := s
	if i := strings.IndexByte(v, ' '); i > 0 {
		switch strings.TrimSpace(v[i:]) {
		case "00:00", "00:00:00", "0:00", "0:00:00":
			v = v[:i]
		}
	}
	var y, m, d int
	var ok bool
	if strings.IndexByte(v, '/') >= 0 {
		d, m, y, ok = threeNumbers(v, '/', 2, 2, 4)
	} else {
		y, m, d, ok = threeNumbers(v, '-', 4, 2, 2)
	}
	if !ok {
		return time.Time{}, fmt.Sprintf("birth date %q is not in DD/MM/YYYY or YYYY-MM-DD form", s)
	}
	date := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if m < 1 || m > 12 || d < 1 || date.Day() != d {
		return time.Time{}, fmt.Sprintf("birth date %q is not a date", s)
	}
	if y < 1900 {
		return time.Time{}, fmt.Sprintf("birth date %q is before 1900", s)
	}
	ny, nm, nd := now.Date()
	if date.After(time.Date(ny, nm, nd, 0, 0, 0, 0, time.UTC)) {
		return time.Time{}, fmt.Sprintf("birth date %q is in the future", s)
	}
	return date, ""
}

// threeNumbers splits s at sep into three runs of digits: a year of exactly
// four digits, and a day and a month of one or two.
func threeNumbers(s string, sep byte, w1, w2, w3 int) (a, b, c int, ok bool) {
	widths := [3]int{w1, w2, w3}
	var n [3]int
	for k := 0; k < 3; k++ {
		end := len(s)
		if k < 2 {
			end = strings.IndexByte(s, sep)
			if end < 0 {
				return 0, 0, 0, false
			}
		}
		part := s[:end]
		if len(part) == 0 || len(part) > widths[k] || widths[k] == 4 && len(part) != 4 {
			return 0, 0, 0, false
		}
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return 0, 0, 0, false
			}
			n[k] = n[k]*10 + int(part[i]-'0')
		}
		if k < 2 {
			s = s[end+1:]
		}
	}
	return n[0], n[1], n[2], true
}

// isPlainEmail accepts a bare address (no display name, no angle brackets)
// whose domain has a dot between non-empty labels.
func isPlainEmail(s string) bool {
	if isSimpleEmail(s) {
		return true
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	domain := s[at+1:]
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") ||
		strings.Contains(domain, "..") || strings.HasPrefix(domain, "[") {
		return false
	}
	return true
}

// isSimpleEmail is a fast path of isPlainEmail for the common addresses:
// dot-separated runs of letters, digits and _%+- before the "@", and
// dot-separated labels of letters, digits and hyphens after it. Every
// address it accepts, isPlainEmail accepts too.
func isSimpleEmail(s string) bool {
	at := strings.IndexByte(s, '@')
	if at <= 0 {
		return false
	}
	return dotAtom(s[:at], "_%+-") && dotAtom(s[at+1:], "-") && strings.IndexByte(s[at+1:], '.') > 0
}

// dotAtom reports whether s is non-empty runs of ASCII letters, digits and
// the bytes of extra, joined by single dots.
func dotAtom(s, extra string) bool {
	run := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.':
			if run == 0 {
				return false
			}
			run = 0
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', strings.IndexByte(extra, c) >= 0:
			run++
		default:
			return false
		}
	}
	return run > 0
}

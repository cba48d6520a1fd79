package roster

import (
	"bufio"
	"bytes"
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// MaxLineBytes is the longest line that Read accepts. Longer ones are
// rejected without being held in memory.
const MaxLineBytes = 64 << 10

// Encodings reported in Result.Encoding.
const (
	EncodingUTF8        = "UTF-8"
	EncodingUTF8BOM     = "UTF-8 with BOM"
	EncodingWindows1252 = "Windows-1252"
	EncodingUTF16LE     = "UTF-16LE"
	EncodingUTF16BE     = "UTF-16BE"
)

// source hands out the physical lines of the input, undoing its encoding.
type source struct {
	br       *bufio.Reader
	encoding string // fixed by a byte order mark, else "" (decided line by line)
	cp1252   bool   // at least one line was decoded as Windows-1252
	line     int    // number of the last line returned
	consumed int64  // bytes of the lines read so far
	decoded  []byte // reused buffer for a line decoded from Windows-1252
	magic    []byte // the first bytes of the input, to name a binary format
}

// newSource looks at the start of the input for a byte order mark and for
// old Macintosh line endings (CR alone) and prepares to read lines.
func newSource(r io.Reader) (*source, error) {
	const size = MaxLineBytes + 2 // room for a full line and its CRLF
	br := bufio.NewReaderSize(r, size)
	s := &source{}
	head, err := br.Peek(4)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, err
	}
	switch {
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}):
		s.encoding = EncodingUTF16LE
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		s.encoding = EncodingUTF16BE
	}
	if s.encoding != "" {
		dec := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder()
		br = bufio.NewReaderSize(dec.Reader(br), size)
	}
	head, err = br.Peek(size)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, err
	}
	s.magic = append([]byte(nil), head[:min(len(head), 8)]...)
	if bytes.HasPrefix(head, []byte("\xEF\xBB\xBF")) {
		if _, err := br.Discard(3); err != nil {
			return nil, err
		}
		if s.encoding == "" {
			s.encoding = EncodingUTF8BOM
		}
	}
	if bytes.IndexByte(head, '\n') < 0 && bytes.IndexByte(head, '\r') >= 0 {
		br = bufio.NewReaderSize(crToLF{br}, size)
	}
	s.br = br
	return s, nil
}

// Encoding names the encoding the input was read in.
func (s *source) Encoding() string {
	switch {
	case s.encoding != "":
		return s.encoding
	case s.cp1252:
		return EncodingWindows1252
	}
	return EncodingUTF8
}

// errBinary is returned by next for a line that is binary data.
type errBinary struct{ line int }

func (e errBinary) Error() string { return "binary data" }

// next returns the next physical line, decoded to UTF-8, without its line
// ending. A line longer than MaxLineBytes is not returned: next passes its raw
// bytes, piece by piece, to skip (which must only look at ASCII bytes, alike
// in every encoding read here) and returns long = true. At the end of the
// input next returns io.EOF.
func (s *source) next(skip func([]byte)) (line []byte, long bool, err error) {
	chunk, err := s.br.ReadSlice('\n')
	s.consumed += int64(len(chunk))
	if len(chunk) == 0 && err == io.EOF {
		return nil, false, io.EOF
	}
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, false, err
	}
	s.line++
	if err == bufio.ErrBufferFull {
		for err == bufio.ErrBufferFull {
			if isBinary(chunk) {
				return nil, true, errBinary{s.line}
			}
			skip(chunk)
			chunk, err = s.br.ReadSlice('\n')
			s.consumed += int64(len(chunk))
		}
		if err != nil && err != io.EOF {
			return nil, true, err
		}
		chunk = trimEOL(chunk)
		if isBinary(chunk) {
			return nil, true, errBinary{s.line}
		}
		skip(chunk)
		return nil, true, nil
	}
	chunk = trimEOL(chunk)
	if isBinary(chunk) {
		return nil, false, errBinary{s.line}
	}
	if len(chunk) > MaxLineBytes {
		skip(chunk)
		return nil, true, nil
	}
	if isASCII(chunk) || utf8.Valid(chunk) {
		return chunk, false, nil
	}
	s.cp1252 = true
	s.decoded = s.decoded[:0]
	for _, c := range chunk {
		if c < utf8.RuneSelf {
			s.decoded = append(s.decoded, c)
		} else {
			s.decoded = utf8.AppendRune(s.decoded, windows1252[c-0x80])
		}
	}
	return s.decoded, false, nil
}

// windows1252 maps the bytes 0x80–0xFF of Windows-1252 to runes.
var windows1252 = func() (t [128]rune) {
	for i := range t {
		t[i] = charmap.Windows1252.DecodeByte(byte(0x80 + i))
	}
	return t
}()

func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	return b
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// isBinary reports a line that holds a NUL byte or where control characters
// (other than tab and carriage return) make up a tenth of the bytes or more.
func isBinary(b []byte) bool {
	ctrl := 0
	for _, c := range b {
		if c < 0x20 {
			if c == 0 {
				return true
			}
			if c != '\t' && c != '\r' && c != '\n' {
				ctrl++
			}
		} else if c == 0x7F {
			ctrl++
		}
	}
	return ctrl >= 4 && ctrl*10 >= len(b)
}

// crToLF turns the lone carriage returns of old Macintosh files into line feeds.
type crToLF struct{ r io.Reader }

func (c crToLF) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	for i, b := range p[:n] {
		if b == '\r' {
			p[i] = '\n'
		}
	}
	return n, err
}

// csvState is where the parser stands within a line.
type csvState uint8

const (
	atFieldStart  csvState = iota
	inUnquoted             // in a field that did not start with a quote
	inQuoted               // in a quoted field
	quoteInQuoted          // just after a quote inside a quoted field
)

// records splits lines into fields following RFC 4180, leniently: a quote
// inside an unquoted field, or text after a closing quote, is kept as text.
// Unlike RFC 4180, a record is always one physical line: a student list has
// no line break inside a field, and a stray quote must not swallow the rows
// after it (see ReadAsOf). A line that ends inside a quoted field ends its
// record all the same, marked unclosed. The fields of the current record
// are kept in one buffer; a line too long to keep is only followed.
type records struct {
	delim      byte
	state      csvState
	buf        []byte // the bytes of the fields of the current record
	ends       []int  // where each complete field ends in buf
	nfields    int    // fields completed in the current record, kept or not
	open       bool   // a record is in progress
	startLine  int    // line of the current record
	quoteField int    // 1-based field of the last opening quote
	keep       bool   // false for a line too long to keep
	unclosed   bool   // the record just completed ended inside a quoted field
}

// begin starts a record at line unless one is in progress.
func (p *records) begin(line int) {
	if p.open {
		return
	}
	p.open, p.startLine, p.keep, p.unclosed, p.nfields = true, line, true, false, 0
	p.buf, p.ends = p.buf[:0], p.ends[:0]
}

// skipLine marks the current record as a line too long to keep.
func (p *records) skipLine() {
	p.keep = false
}

func (p *records) add(b []byte) {
	if p.keep {
		p.buf = append(p.buf, b...)
	}
}

func (p *records) endField() {
	p.nfields++
	if p.keep {
		p.ends = append(p.ends, len(p.buf))
	}
}

// feed consumes a piece of a physical line, without its line ending.
func (p *records) feed(b []byte) {
	for len(b) > 0 {
		switch p.state {
		case atFieldStart:
			if b[0] == '"' {
				p.state, p.quoteField = inQuoted, p.nfields+1
				b = b[1:]
			} else {
				p.state = inUnquoted
			}
		case inUnquoted:
			i := bytes.IndexByte(b, p.delim)
			if i < 0 {
				p.add(b)
				return
			}
			p.add(b[:i])
			p.endField()
			p.state = atFieldStart
			b = b[i+1:]
		case inQuoted:
			i := bytes.IndexByte(b, '"')
			if i < 0 {
				p.add(b)
				return
			}
			p.add(b[:i])
			p.state = quoteInQuoted
			b = b[i+1:]
		case quoteInQuoted:
			switch b[0] {
			case '"':
				p.add(b[:1])
				p.state = inQuoted
				b = b[1:]
			case p.delim:
				p.endField()
				p.state = atFieldStart
				b = b[1:]
			default:
				p.state = inUnquoted
			}
		}
	}
}

// endLine ends a physical line, and with it the record; unclosed tells
// whether the line ended inside a quoted field.
func (p *records) endLine() {
	p.unclosed = p.state == inQuoted
	p.endField()
	p.state = atFieldStart
	p.open = false
}

// fields returns the fields of the record just completed. They share one
// string, so a row costs one allocation.
func (p *records) fields(dst []string) []string {
	s := string(p.buf)
	dst = dst[:0]
	start := 0
	for _, end := range p.ends {
		dst = append(dst, s[start:end])
		start = end
	}
	return dst
}

// splitLine splits one line with delim, for delimiter detection.
func splitLine(line []byte, delim byte) []string {
	p := records{delim: delim}
	p.begin(1)
	p.feed(line)
	p.endLine()
	return p.fields(nil)
}

// closesQuote reports whether line, read as the continuation of a quoted
// field, holds the quote that closes it under RFC 4180: a quote that is not
// doubled.
func closesQuote(line []byte) bool {
	for {
		i := bytes.IndexByte(line, '"')
		if i < 0 {
			return false
		}
		if i+1 < len(line) && line[i+1] == '"' {
			line = line[i+2:]
			continue
		}
		return true
	}
}

package roster

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// now is the fixed "today" of every test.
var now = time.Date(2026, 5, 10, 23, 30, 0, 0, time.UTC)

// summary renders the fields of a student that the tests look at.
func summary(s Student) string {
	date := "-"
	if !s.BirthDate.IsZero() {
		date = s.BirthDate.Format("2006-01-02")
	}
	return fmt.Sprintf("%d %s %s|%s %s %s|%s|%s|%s|%s|%s", s.Line, s.StudentNo, s.LastName, s.FirstName,
		date, s.LoginBase, s.Program, s.Component, s.Year, s.INE, s.Email)
}

func rejection(r Rejection) string {
	return r.String() + " [" + r.Field + "]"
}

func equalLists(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") == strings.Join(want, "\n") {
		return
	}
	t.Errorf("%s:\ngot:\n  %s\nwant:\n  %s", what, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
}

func TestRead(t *testing.T) {
	tests := []struct {
		name      string
		file      string // in testdata, when input is empty
		input     string
		delimiter rune
		encoding  string
		columns   string
		students  []string
		rejected  []string
	}{
		{
			name:      "Apogée export in Windows-1252 with semicolons and CRLF",
			file:      "apogee-windows1252.csv",
			delimiter: ';',
			encoding:  "Windows-1252",
			columns:   "student_no last_name first_name birth_date program component year ine",
			students: []string{
				"2 21000001 LEFÈVRE|Héloïse 2005-03-12 heloise.lefevre|L1INFO|FDS|2025|1234567890A|",
				"3 21000002 DUPONT|Jean-Pierre 2004-01-01 jean-pierre.dupont|L1INFO|FDS|2025|1234567891B|",
				"4 21000003 N'DIAYE|Aïcha 2005-07-14 aicha.ndiaye|L2MATH|FDS|2025||",
				"5 21000004 BŒUF|Œdipe 2004-02-29 oedipe.boeuf|L1INFO|FDS|2025||",
				"7 21000006 DE LA FONTAINE|Marie Claire - marie-claire.de-la-fontaine|L3DROIT|DSP|2025||",
			},
			rejected: []string{`line 6: birth date "31/02/2004" is not a date [birth_date]`},
		},
		{
			name:      "Pégase export in UTF-8 with BOM and commas",
			file:      "pegase-utf8-bom.csv",
			delimiter: ',',
			encoding:  "UTF-8 with BOM",
			columns:   "student_no last_name first_name birth_date program component year ine email",
			students: []string{
				"2 2100001 Wałęsa|Łukasz 2004-05-06 lukasz.walesa|L1INFO|FDS|2025-2026||lukasz@example.pl",
				"3 2100002 Þórsdóttir|Guðrún 2004-05-06 gudrun.thorsdottir|L1INFO|FDS|2025-2026||",
				"4 2100003 Nguyễn|Thị Minh Khai - thi-minh-khai.nguyen|M1BIO|FDS|2025-2026||khai@example.vn",
			},
		},
		{
			name:      "Excel Unicode text: UTF-16 with tabs and French headers",
			file:      "excel-unicode-text.txt",
			delimiter: '\t',
			encoding:  "UTF-16LE",
			columns:   "student_no last_name first_name birth_date program",
			students: []string{
				"2 3100001 Müller|Jürgen 2003-02-01 jurgen.muller|L2 Éco, gestion||||",
				"3 3100002 O'Brien|Seán - sean.obrien|L2 Éco, gestion||||",
			},
		},
		{
			name:      "tab delimiter, no final newline, homonyms kept with one base",
			file:      "tab.tsv",
			delimiter: '\t',
			encoding:  "UTF-8",
			columns:   "student_no last_name first_name",
			students: []string{
				"2 4100001 Durand|Anne - anne.durand|||||",
				"3 4100002 Durand|Anne - anne.durand|||||",
			},
		},
		{
			// A student list has no line break inside a field: a quoted one
			// is an unclosed quote, and the lines after it are rows.
			name:      "quoted fields with delimiters and doubled quotes; quoted line breaks are unclosed quotes",
			file:      "quoted.csv",
			delimiter: ',',
			encoding:  "UTF-8",
			columns:   "student_no last_name first_name program email",
			students: []string{
				`2 1001 De La Fontaine|Marie Claire - marie-claire.de-la-fontaine|L1, parcours "A"||||mc@example.fr`,
				`9 1004 Bad "Quote" Inside|Léa - lea.bad-quote-inside|L1||||`,
				`10 1005 Jean "Jo" Dupont|Jo - jo.jean-jo-dupont|L1||||`,
				"12 1007 Grand|Louis - louis.grand|L1||||",
			},
			rejected: []string{
				"line 3: unclosed quote in field 3 (first_name): it is not closed on this line but on line 4; " +
					"a field never spans lines in a student list, so line 4 is read as a row of its own [first_name]",
				"line 4: has 3 fields, the header has 5 (after the unclosed quote of line 3) []",
				"line 5: unclosed quote in field 4 (program): it is not closed on this line but on line 8; " +
					"a field never spans lines in a student list, so lines 6 to 8 are read as rows of their own [program]",
				"line 6: has 1 fields, the header has 5 (after the unclosed quote of line 5) []",
				"line 8: has 2 fields, the header has 5 (after the unclosed quote of line 5) []",
				`line 11: email "not an email" is not a plain address such as name@example.fr [email]`,
			},
		},
		{
			name: "every kind of row rejection",
			input: "student_no;last_name;first_name;birth_date;email\n" +
				"1;Dupont;Jean;01/01/2000;jean@example.fr\n" +
				";Dupont;Jean;;\n" +
				"2;;Jean;;\n" +
				"3;Dupont; ;;\n" +
				"4;Dupont;Jean;31/02/2004;\n" +
				"5;Dupont;Jean;2004/02/01;\n" +
				"6;Dupont;Jean;31/12/1899;\n" +
				"7;Dupont;Jean;11/05/2026;\n" +
				"8;Dupont;Jean;;Jean <j@example.fr>\n" +
				"9;Dupont;Jean;;j@localhost\n" +
				"10;Dupont;!!!;;\n" +
				"11;王;Jean;;\n" +
				"12;Dupont;Jean\n" +
				"13;Dupont;Jean;;;x\n" +
				"14;Dupont;Jean;10/05/2026;;\n" +
				"1;Martin;Paul;;\n" +
				"21-001;Dupont;Jean;;\n" +
				"123456789012345678901;Dupont;Jean;;\n" +
				";;;;\n" +
				"\n" +
				"   \n" +
				"15;  Dupont   de\tla  Tour ;Jean;2004-02-29 00:00:00;\n" +
				"16;Dupont;Jean;1-2-2004;\n" +
				"17;Dupont;Jean;2004-2-1;\n" +
				"18;Dupont;Jean;29/02/2005;\n" +
				"19;Dupont;Jean;;<j@example.fr>\n" +
				"20;Dupont;Jean;;j@example..fr\n",
			delimiter: ';',
			encoding:  "UTF-8",
			columns:   "student_no last_name first_name birth_date email",
			students: []string{
				"2 1 Dupont|Jean 2000-01-01 jean.dupont|||||jean@example.fr",
				"16 14 Dupont|Jean 2026-05-10 jean.dupont|||||",
				"23 15 Dupont de la Tour|Jean 2004-02-29 jean.dupont-de-la-tour|||||",
				"25 17 Dupont|Jean 2004-02-01 jean.dupont|||||",
			},
			rejected: []string{
				"line 3: student number is missing [student_no]",
				"line 4: last name is missing [last_name]",
				"line 5: first name is missing [first_name]",
				`line 6: birth date "31/02/2004" is not a date [birth_date]`,
				`line 7: birth date "2004/02/01" is not in DD/MM/YYYY or YYYY-MM-DD form [birth_date]`,
				`line 8: birth date "31/12/1899" is before 1900 [birth_date]`,
				`line 9: birth date "11/05/2026" is in the future [birth_date]`,
				`line 10: email "Jean <j@example.fr>" is not a plain address such as name@example.fr [email]`,
				`line 11: email "j@localhost" is not a plain address such as name@example.fr [email]`,
				`line 12: first name "!!!" has no letters to build a login from [first_name]`,
				`line 13: last name "王" has no letters to build a login from [last_name]`,
				"line 14: has 3 fields, the header has 5 []",
				"line 15: has 6 fields, the header has 5 []",
				"line 17: student number 1 already on line 2 [student_no]",
				`line 18: student number "21-001" must contain only letters and digits [student_no]`,
				`line 19: student number "123456789012345678901" is longer than 20 characters [student_no]`,
				`line 24: birth date "1-2-2004" is not in DD/MM/YYYY or YYYY-MM-DD form [birth_date]`,
				`line 26: birth date "29/02/2005" is not a date [birth_date]`,
				`line 27: email "<j@example.fr>" is not a plain address such as name@example.fr [email]`,
				`line 28: email "j@example..fr" is not a plain address such as name@example.fr [email]`,
			},
		},
		{
			name:      "duplicate student numbers: the first row wins, even when rejected",
			input:     "cod_etu,nom,prenom,date_naissance\n2100001,A,B,\n2100002,C,D,99/99/2000\n2100001,E,F,\n2100002,G,H,\n",
			delimiter: ',',
			encoding:  "UTF-8",
			columns:   "student_no last_name first_name birth_date",
			students:  []string{"2 2100001 A|B - b.a|||||"},
			rejected: []string{
				`line 3: birth date "99/99/2000" is not a date [birth_date]`,
				"line 4: student number 2100001 already on line 2 [student_no]",
				"line 5: student number 2100002 already on line 3 [student_no]",
			},
		},
		{
			name:      "header names in any case, padded, with unknown and empty extra columns",
			input:     "  Nom ;PRENOM;Commentaire;Student_No;;\r\nDupont;Jean;rien;7;;\r\nMartin;Paul;;8\r\n",
			delimiter: ';',
			encoding:  "UTF-8",
			columns:   "last_name first_name student_no",
			students: []string{
				"2 7 Dupont|Jean - jean.dupont|||||",
				"3 8 Martin|Paul - paul.martin|||||",
			},
		},
		{
			name:      "semicolons inside a comma-separated file do not fool the detection",
			input:     "student_no,last_name,first_name,program\n1,Dupont,Jean,L1;L2\n",
			delimiter: ',',
			encoding:  "UTF-8",
			columns:   "student_no last_name first_name program",
			students:  []string{"2 1 Dupont|Jean - jean.dupont|L1;L2||||"},
		},
		{
			name:      "an Excel sep= line fixes the delimiter",
			input:     "SEP=\t\r\nstudent_no\tnom\tprenom\r\n1\tA\tB, C\r\n",
			delimiter: '\t',
			encoding:  "UTF-8",
			columns:   "student_no last_name first_name",
			students:  []string{"3 1 A|B, C - b.a|||||"},
		},
		{
			name:      "old Macintosh line endings",
			input:     "student_no;nom;prenom\r1;Dupont;Jean\r2;Martin;Paul\r",
			delimiter: ';',
			encoding:  "UTF-8",
			columns:   "student_no last_name first_name",
			students:  []string{"2 1 Dupont|Jean - jean.dupont|||||", "3 2 Martin|Paul - paul.martin|||||"},
		},
		{
			name:      "blank lines before the header and between rows",
			input:     "\n\nstudent_no;nom;prenom\n\n1;Dupont;Jean\n\n\n2;Martin;Paul\n\n",
			delimiter: ';',
			encoding:  "UTF-8",
			columns:   "student_no last_name first_name",
			students:  []string{"5 1 Dupont|Jean - jean.dupont|||||", "8 2 Martin|Paul - paul.martin|||||"},
		},
		{
			name:      "a Windows-1252 line among UTF-8 lines",
			input:     "student_no;nom;prenom\n1;Lefèvre;Héloïse\n2;Lef\xe8vre;H\xe9lo\xefse\n",
			delimiter: ';',
			encoding:  "Windows-1252",
			columns:   "student_no last_name first_name",
			students:  []string{"2 1 Lefèvre|Héloïse - heloise.lefevre|||||", "3 2 Lefèvre|Héloïse - heloise.lefevre|||||"},
		},
		{
			name:      "only rejected rows is not a file error",
			input:     "student_no;nom;prenom\n1;;Jean\n",
			delimiter: ';',
			encoding:  "UTF-8",
			columns:   "student_no last_name first_name",
			rejected:  []string{"line 2: last name is missing [last_name]"},
		},
		{
			name: "a line longer than 64 KiB is rejected, and its quotes still followed",
			input: "student_no;nom;prenom\n1;Dupont;Jean\n2;" + strings.Repeat("x", MaxLineBytes+1) + ";Jean\n" +
				"3;\"" + strings.Repeat("y", MaxLineBytes) + "\";Paul\n" +
				"4;Martin;Paul\n" +
				"5;\"" + strings.Repeat("z", MaxLineBytes) + "\n" +
				"6;Petit;\"Luc\"\n" +
				"7;\"Grand;Louis\n" +
				"8;" + strings.Repeat("w", MaxLineBytes) + "\";Jean\n" +
				"9;Moreau;Eva\n",
			delimiter: ';',
			encoding:  "UTF-8",
			columns:   "student_no last_name first_name",
			students: []string{
				"2 1 Dupont|Jean - jean.dupont|||||",
				"5 4 Martin|Paul - paul.martin|||||",
				"7 6 Petit|Luc - luc.petit|||||",
				"10 9 Moreau|Eva - eva.moreau|||||",
			},
			rejected: []string{
				"line 3: line is longer than 65536 bytes []",
				"line 4: line is longer than 65536 bytes []",
				"line 6: line is longer than 65536 bytes []",
				"line 8: unclosed quote in field 2 (last_name): it is not closed on this line but on line 9; " +
					"a field never spans lines in a student list, so line 9 is read as a row of its own [last_name]",
				"line 9: line is longer than 65536 bytes (after the unclosed quote of line 8) []",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			input := []byte(tt.input)
			if tt.file != "" {
				var err error
				if input, err = os.ReadFile(filepath.Join("testdata", tt.file)); err != nil {
					t.Fatal(err)
				}
			}
			res, err := ReadAsOf(bytes.NewReader(input), now)
			if err != nil {
				t.Fatalf("ReadAsOf: %v", err)
			}
			if res.Delimiter != tt.delimiter {
				t.Errorf("delimiter %q, want %q", res.Delimiter, tt.delimiter)
			}
			if res.Encoding != tt.encoding {
				t.Errorf("encoding %q, want %q", res.Encoding, tt.encoding)
			}
			if got := strings.Join(res.Columns, " "); got != tt.columns {
				t.Errorf("columns %q, want %q", got, tt.columns)
			}
			var students, rejected []string
			for _, s := range res.Students {
				students = append(students, summary(s))
			}
			for _, r := range res.Rejected {
				rejected = append(rejected, rejection(r))
			}
			equalLists(t, "students", students, tt.students)
			equalLists(t, "rejected", rejected, tt.rejected)
		})
	}
}

func TestReadFileErrors(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  string
	}{
		{"empty", "", "the file is empty"},
		{"blank lines only", "\n  \r\n\t\n", "the file is empty"},
		{"header only", "student_no;nom;prenom\n", "the file has a header but no student rows"},
		{"header and empty rows", "student_no;nom;prenom\r\n;;\r\n\r\n ; ; \r\n", "the file has a header but no student rows"},
		{"missing first name column", "student_no;nom;date_naissance\n1;Dupont;\n",
			`line 1: missing required column "first_name" (also accepted: prenom, lib_pr1_ind)`},
		{"missing two columns", "\nnom;ine\nDupont;1\n",
			`line 2: missing required columns "student_no" (also accepted: numero_etudiant, cod_etu) and "first_name" (also accepted: prenom, lib_pr1_ind)`},
		{"no header at all", "2100001;Dupont;Jean\n2100002;Martin;Paul\n",
			"line 1: no known column name in the header; the first line must name the columns, such as student_no;last_name;first_name"},
		{"column twice through an alias", "NOM;prenom;student_no;Last_Name\nA;B;1;C\n",
			`line 1: column "last_name" appears twice, as "NOM" in column 1 and as "Last_Name" in column 4; keep only one`},
		{"quote not closed in the header", "student_no;\"nom;prenom\nnom\";1;Dupont;Jean\n",
			"line 1: a quote opened in column 2 of the header is not closed on this line; the first line must name the columns"},
		{"header too long", strings.Repeat("nom;", MaxLineBytes) + "\n1;2;3\n",
			"line 1: the header is longer than 65536 bytes; the first line must name the columns"},
		{"xlsx workbook", "PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00",
			"line 1: the file is not a text CSV (binary data); it looks like an Excel workbook or a ZIP archive: save it as CSV first"},
		{"xls workbook", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00",
			"line 1: the file is not a text CSV (binary data); it looks like an old Excel workbook (.xls): save it as CSV first"},
		{"NUL bytes after good rows", "student_no;nom;prenom\n1;Dupont;Jean\n\x89\x00\x01garbage\x00\n",
			"line 3: the file is not a text CSV (binary data)"},
		{"control characters", "student_no;nom;prenom\n1;Dupont;Jean\n\x01\x02\x03\x04\x05\x06abc\n",
			"line 3: the file is not a text CSV (binary data)"},
		{"UTF-16 without BOM looks binary", "s\x00t\x00u\x00d\x00\n\x00",
			"line 1: the file is not a text CSV (binary data)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := ReadAsOf(strings.NewReader(tt.input), now)
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("got (%v, %v), want a *FileError", res, err)
			}
			if res != nil {
				t.Errorf("got a result with the error: %+v", res)
			}
			if err.Error() != tt.want {
				t.Errorf("error:\n  %s\nwant:\n  %s", err, tt.want)
			}
		})
	}
}

func TestReadRandomBinary(t *testing.T) {
	// Pseudo-random bytes, as in a picture or a compressed file.
	b := make([]byte, 1<<16)
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	_, err := ReadAsOf(bytes.NewReader(b), now)
	var fe *FileError
	if !errors.As(err, &fe) || !strings.Contains(fe.Msg, "not a text CSV") {
		t.Fatalf("got %v, want the binary data error", err)
	}
}

func TestReadIOError(t *testing.T) {
	boom := errors.New("disk on fire")
	r := io.MultiReader(strings.NewReader("student_no;nom;prenom\n1;A;B\n"), errReader{boom})
	_, err := ReadAsOf(r, now)
	if !errors.Is(err, boom) {
		t.Fatalf("got %v, want an error wrapping %v", err, boom)
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// repeatReader yields n copies of one byte without holding them.
type repeatReader struct {
	b byte
	n int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	k := min(len(p), r.n)
	for i := range p[:k] {
		p[i] = r.b
	}
	r.n -= k
	return k, nil
}

func TestReadTenMegabyteLine(t *testing.T) {
	const size = 10 << 20
	input := io.MultiReader(
		strings.NewReader("student_no,nom,prenom\r\n1,Dupont,Jean\r\n2,\""),
		&repeatReader{b: 'x', n: size},
		strings.NewReader("\",Jean\r\n3,Martin,Paul\r\n"),
	)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	res, err := ReadAsOf(input, now)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 2<<20 {
		t.Errorf("reading a 10 MB line allocated %d bytes, want less than 2 MiB", got)
	}
	var got []string
	for _, s := range res.Students {
		got = append(got, summary(s))
	}
	equalLists(t, "students", got, []string{"2 1 Dupont|Jean - jean.dupont|||||", "4 3 Martin|Paul - paul.martin|||||"})
	if len(res.Rejected) != 1 || res.Rejected[0].String() != "line 3: line is longer than 65536 bytes" {
		t.Errorf("rejected %v, want line 3 too long", res.Rejected)
	}
}

func TestDetectDelimiter(t *testing.T) {
	tests := []struct {
		header string
		want   byte
	}{
		{"student_no,nom,prenom", ','},
		{"student_no;nom;prenom", ';'},
		{"student_no\tnom\tprenom", '\t'},
		{`"student_no;x",nom,prenom`, ','},          // quoted ';' does not count
		{"nom,prenom;student_no;program;year", ';'}, // 3 known with ';' against 1 with ','
		{"a;b;c,d", ';'},                            // no known name: most fields
		{"a,b,c", ','},
		{"nom", ','}, // a tie in everything: the first
	}
	for _, tt := range tests {
		if got := detectDelimiter([]byte(tt.header)); got != tt.want {
			t.Errorf("detectDelimiter(%q) = %q, want %q", tt.header, got, tt.want)
		}
	}
}

func TestHeaderKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"COD_ETU", "cod_etu"},
		{"  Numéro étudiant ", "numero_etudiant"},
		{"Date de naissance", "date_de_naissance"},
		{"Prénom", "prenom"},
		{"\ufeffstudent_no", "student_no"},
		{"E-mail perso", "e_mail_perso"},
		{"first  name", "first_name"},
		{"ANNÉE", "annee"},
	}
	for _, tt := range tests {
		if got := headerKey(tt.in); got != tt.want {
			t.Errorf("headerKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestReadUsesCalendarDayOfNow(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	// 00:30 on 11 May in Paris is still 10 May in UTC: the day of now counts.
	at := time.Date(2026, 5, 11, 0, 30, 0, 0, paris)
	res, err := ReadAsOf(strings.NewReader("student_no;nom;prenom;birth_date\n1;A;B;11/05/2026\n"), at)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Students) != 1 {
		t.Errorf("a student born today was rejected: %v", res.Rejected)
	}
}

// benchInput builds an Apogée-style file of n rows, a tenth with accents.
func benchInput(n int) []byte {
	var b bytes.Buffer
	b.WriteString("COD_ETU;LIB_NOM_PAT_IND;LIB_PR1_IND;DATE_NAI_IND;COD_ETP;COD_CMP;COD_ANU;COD_NNE_IND;EMAIL_PERSO\r\n")
	for i := 0; i < n; i++ {
		last, first := "DUPONT", "Jean-Pierre"
		if i%10 == 0 {
			last, first = "LEFÈVRE", "Héloïse"
		}
		fmt.Fprintf(&b, "%d;%s%d;%s;%02d/%02d/%d;L%dINFO;FDS;2025;%011dA;etudiant%d@example.fr\r\n",
			21000000+i, last, i%97, first, 1+i%28, 1+i%12, 1990+i%15, 1+i%3, i, i)
	}
	return b.Bytes()
}

func TestReadFromFile(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "apogee-windows1252.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	if size := inputSize(f); size != fi.Size() {
		t.Errorf("inputSize = %d, want the file size %d", size, fi.Size())
	}
	res, err := ReadAsOf(f, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Students) != 5 || len(res.Rejected) != 1 {
		t.Errorf("got %d students and %d rejections, want 5 and 1", len(res.Students), len(res.Rejected))
	}
}

func TestBenchInput(t *testing.T) {
	res, err := ReadAsOf(bytes.NewReader(benchInput(1000)), now)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Students) != 1000 || len(res.Rejected) != 0 {
		t.Fatalf("got %d students and rejections %v", len(res.Students), res.Rejected)
	}
}

// BenchmarkRead reads 100,000 rows from memory (size known) and from a
// plain stream (size unknown, as from a pipe).
func BenchmarkRead(b *testing.B) {
	input := benchInput(100_000)
	for _, bm := range []struct {
		name string
		wrap func(io.Reader) io.Reader
	}{
		{"sized", func(r io.Reader) io.Reader { return r }},
		{"stream", func(r io.Reader) io.Reader { return struct{ io.Reader }{r} }},
	} {
		b.Run(bm.name, func(b *testing.B) {
			b.SetBytes(int64(len(input)))
			b.ReportAllocs()
			for b.Loop() {
				res, err := ReadAsOf(bm.wrap(bytes.NewReader(input)), now)
				if err != nil || len(res.Students) != 100_000 {
					b.Fatalf("err %v, %d students", err, len(res.Students))
				}
			}
		})
	}
}

// FuzzRead checks that any input gives either a *FileError or a result whose
// rows are in file order, each kept or rejected once.
func FuzzRead(f *testing.F) {
	for _, seed := range []string{
		"student_no;nom;prenom\n1;A;B\n",
		"\xef\xbb\xbfcod_etu,nom,prenom\r\n\"1\",\"A\nB\",C\r\n2,\"\",D\r\n",
		"sep=;\nstudent_no;nom;prenom;email\n1;\"A\"\"x\";B;a@b.fr\n1;C;D;\n",
		"numero_etudiant\tnom\tprenom\n1\tL\xe9a\tZ\n",
		"student_no;nom;prenom\r1;A;\"B\r2;C;D\r",
		"student_no;nom;prenom\n1;\"A;B\n2;C;\"D\"\n3;E;F\"\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		res, err := ReadAsOf(bytes.NewReader(input), now)
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) || res != nil {
				t.Fatalf("got (%v, %v), want only a *FileError", res, err)
			}
			return
		}
		lines := map[int]bool{}
		for _, s := range res.Students {
			if lines[s.Line] || s.LoginBase == "" || s.StudentNo == "" {
				t.Fatalf("bad student %+v", s)
			}
			lines[s.Line] = true
		}
		for _, r := range res.Rejected {
			if lines[r.Line] || r.Reason == "" {
				t.Fatalf("bad rejection %+v", r)
			}
			lines[r.Line] = true
		}
	})
}

// strayQuoteFile is the file of issue 10: 1,000 students, student n on line
// n+1, and on line 11 `10;"Dupont;Jean;L1INFO`, a quote that no later line
// closes before line 901 (whose first name is quoted as some exports do).
func strayQuoteFile() string {
	var b strings.Builder
	b.WriteString("student_no;last_name;first_name;program\n")
	for n := 1; n <= 1000; n++ {
		switch n {
		case 10:
			b.WriteString("10;\"Dupont;Jean;L1INFO\n")
		case 900:
			b.WriteString("900;Nom900;\"Prenom900\";L1INFO\n")
		default:
			fmt.Fprintf(&b, "%d;Nom%d;Prenom%d;L1INFO\n", n, n, n)
		}
	}
	return b.String()
}

// TestReadStrayQuoteLosesNobody: a quoted field never spans lines in a
// student list. The row whose quote is not closed on its line is rejected,
// with the line where the quote would close, and every line after it is
// read as a row of its own: each of the 1,000 students is imported or
// rejected, none vanishes.
func TestReadStrayQuoteLosesNobody(t *testing.T) {
	res, err := ReadAsOf(strings.NewReader(strayQuoteFile()), now)
	if err != nil {
		t.Fatal(err)
	}
	var rejected []string
	for _, r := range res.Rejected {
		rejected = append(rejected, rejection(r))
	}
	equalLists(t, "rejected", rejected, []string{
		"line 11: unclosed quote in field 2 (last_name): it is not closed on this line but on line 901; " +
			"a field never spans lines in a student list, so lines 12 to 901 are read as rows of their own [last_name]",
	})
	if len(res.Rejected) == 1 && res.Rejected[0].StudentNo != "10" {
		t.Errorf("rejection names student %q, want 10", res.Rejected[0].StudentNo)
	}
	seen := map[string]bool{}
	for _, s := range res.Students {
		if s.Line != mustAtoi(t, s.StudentNo)+1 {
			t.Errorf("student %s read on line %d", s.StudentNo, s.Line)
		}
		seen[s.StudentNo] = true
	}
	if len(res.Students) != 999 {
		t.Errorf("%d students kept, want 999", len(res.Students))
	}
	for n := 1; n <= 1000; n++ {
		if no := fmt.Sprint(n); !seen[no] && n != 10 {
			t.Errorf("student %s lost", no)
		}
	}
	if s := res.Students[898]; s.StudentNo != "900" || s.FirstName != "Prenom900" {
		t.Errorf("line 901 read as %s", summary(s))
	}
}

func TestReadUnclosedQuote(t *testing.T) {
	tests := []struct {
		name     string
		input    string
		students []string
		rejected []string
	}{
		{
			name:     "closed on the next line",
			input:    "student_no,nom,prenom,email\n1,Martin,\"Anne\nSophie\",a@example.fr\n2,Petit,Luc,\n",
			students: []string{"4 2 Petit|Luc - luc.petit|||||"},
			rejected: []string{
				"line 2: unclosed quote in field 3 (first_name): it is not closed on this line but on line 3; " +
					"a field never spans lines in a student list, so line 3 is read as a row of its own [first_name]",
				"line 3: has 2 fields, the header has 4 (after the unclosed quote of line 2) []",
			},
		},
		{
			name:     "never closed",
			input:    "student_no;nom;prenom\n1;Dupont;Jean\n2;\"Martin;Paul\n3;Petit;Luc\n",
			students: []string{"2 1 Dupont|Jean - jean.dupont|||||", "4 3 Petit|Luc - luc.petit|||||"},
			rejected: []string{
				"line 3: unclosed quote in field 2 (last_name): no later line closes it; " +
					"a field never spans lines in a student list, so the lines after this one are read as rows of their own [last_name]",
			},
		},
		{
			name:     "never closed, on the last line",
			input:    "student_no;nom;prenom;commentaire\n1;Dupont;Jean;\"à voir\n",
			rejected: []string{"line 2: unclosed quote in field 4: it is never closed []"},
		},
		{
			name:     "doubled quotes on a later line do not close it",
			input:    "student_no;nom;prenom\n1;\"Dupont;Jean\n2;Martin;Paul \"\"Jo\"\"\n3;Petit;Luc\"\n",
			students: []string{`3 2 Martin|Paul ""Jo"" - paul-jo.martin|||||`, `4 3 Petit|Luc" - luc.petit|||||`},
			rejected: []string{
				"line 2: unclosed quote in field 2 (last_name): it is not closed on this line but on line 4; " +
					"a field never spans lines in a student list, so lines 3 to 4 are read as rows of their own [last_name]",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := ReadAsOf(strings.NewReader(tt.input), now)
			if err != nil {
				t.Fatal(err)
			}
			var students, rejected []string
			for _, s := range res.Students {
				students = append(students, summary(s))
			}
			for _, r := range res.Rejected {
				rejected = append(rejected, rejection(r))
			}
			equalLists(t, "students", students, tt.students)
			equalLists(t, "rejected", rejected, tt.rejected)
		})
	}
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestReadControlAndInvisibleCharacters: terminal escapes, controls and
// bidirectional overrides reject the row, naming the field and the
// character; invisible format characters are removed and noted.
func TestReadControlAndInvisibleCharacters(t *testing.T) {
	input := "student_no;nom;prenom;formation;composante\n" +
		"1;Dup\x1b[2J\x1b[31mont;Jean;L1INFO;FDS\n" +
		"2;Martin;Paul\a;L1INFO;FDS\n" +
		"3;Petit;\u202eLuc;L1INFO;FDS\n" +
		"4;Moreau;Eva;L1\u2066INFO\u2069;FDS\n" +
		"5;Roux;Léa;L1INFO;F\u0085DS\n" +
		"6;Du\u200bpont;Anne;L1INFO;FDS\n" +
		"7;\ufeffBlanc;Marc\u200d\u200c;\u2060L1INFO;FDS\u00ad\n" +
		"8;Noir;\u200b;L1INFO;FDS\n" +
		"9;Vert;Ana\tMaria;L1INFO;FDS\n" +
		"10;Gris;Tom;L1\u2028INFO;FDS\n" +
		"1\u200b1;Bleu;Ève;L1INFO;FDS\n" +
		"12;Rose;Ivy;L1\tINFO;FDS\n"
	res, err := ReadAsOf(strings.NewReader(input), now)
	if err != nil {
		t.Fatal(err)
	}
	var students, rejected, notices []string
	for _, s := range res.Students {
		students = append(students, summary(s))
	}
	for _, r := range res.Rejected {
		rejected = append(rejected, rejection(r))
	}
	for _, n := range res.Notices {
		notices = append(notices, n.String()+" ["+n.StudentNo+" "+n.Field+"]")
	}
	equalLists(t, "students", students, []string{
		"7 6 Dupont|Anne - anne.dupont|L1INFO|FDS|||",
		"8 7 Blanc|Marc - marc.blanc|L1INFO|FDS|||",
		"10 9 Vert|Ana Maria - ana-maria.vert|L1INFO|FDS|||",
		"12 11 Bleu|Ève - eve.bleu|L1INFO|FDS|||",
	})
	equalLists(t, "rejected", rejected, []string{
		`line 2: last name "Dup\x1b[2J\x1b[31mont" contains a control character (U+001B) [last_name]`,
		`line 3: first name "Paul\a" contains a control character (U+0007) [first_name]`,
		`line 4: first name "\u202eLuc" contains a bidirectional text control (U+202E) [first_name]`,
		`line 5: programme "L1\u2066INFO\u2069" contains a bidirectional text control (U+2066) [program]`,
		`line 6: component "F\u0085DS" contains a control character (U+0085) [component]`,
		`line 9: first name is missing [first_name]`,
		`line 11: programme "L1\u2028INFO" contains a line separator (U+2028) [program]`,
		`line 13: programme "L1\tINFO" contains a control character (U+0009) [program]`,
	})
	equalLists(t, "notices", notices, []string{
		`line 7: removed 1 invisible character (U+200B) from last name, now "Dupont" [6 last_name]`,
		`line 8: removed 1 invisible character (U+FEFF) from last name, now "Blanc" [7 last_name]`,
		`line 8: removed 2 invisible characters (U+200D, U+200C) from first name, now "Marc" [7 first_name]`,
		`line 8: removed 1 invisible character (U+2060) from programme, now "L1INFO" [7 program]`,
		`line 8: removed 1 invisible character (U+00AD) from component, now "FDS" [7 component]`,
		`line 12: removed 1 invisible character (U+200B) from student number, now "11" [11 student_no]`,
	})
}

// TestLetterWithoutSpellingRejected: a Latin letter that has no ASCII
// spelling rejects the row, naming the line, the field and the letter.
func TestLetterWithoutSpellingRejected(t *testing.T) {
	in := "student_no;nom;prenom\n1;ǂKhomani;Anna\n2;Dupont;Jean\n"
	res, err := ReadAsOf(strings.NewReader(in), time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Students) != 1 || len(res.Rejected) != 1 {
		t.Fatalf("%d students, %d rejected, want 1 and 1", len(res.Students), len(res.Rejected))
	}
	r := res.Rejected[0]
	if r.Line != 2 || r.Field != ColLastName || !strings.Contains(r.Reason, `the letter "ǂ" (U+01C2)`) {
		t.Errorf("rejection %+v, want line 2, last_name and the letter ǂ", r)
	}
}

// EachBatch hands the accepted rows, in file order, Batch at a time and
// the rest at the end, as pieces of Result.Students itself: no row is
// copied, and a batch cannot be appended to in place.
func TestReadEachBatch(t *testing.T) {
	input := benchInput(2345)
	// A rejected row (no last name), then one more accepted: the batches
	// carry only accepted rows.
	input = append(input, "99999999;;Nobody;01/01/2000;L1INFO;FDS;2026;;\r\n"...)
	input = append(input, "99999998;MARTIN;Léa;01/01/2000;L1INFO;FDS;2026;;\r\n"...)
	var batches [][]Student
	res, err := Read(bytes.NewReader(input), Options{Now: now, Batch: 1000, EachBatch: func(b []Student) {
		batches = append(batches, b)
	}})
	if err != nil {
		t.Fatal(err)
	}
	if res.RejectedRows != 1 || len(res.Students) != 2346 {
		t.Fatalf("%d rows kept, %d rejected; want 2346 and the one without a last name", len(res.Students), res.RejectedRows)
	}
	var sizes []int
	var all []Student
	for _, b := range batches {
		sizes = append(sizes, len(b))
		if cap(b) != len(b) {
			t.Errorf("a batch of %d rows has room for %d: appending would write into the list", len(b), cap(b))
		}
		all = append(all, b...)
	}
	n := len(res.Students)
	if want := fmt.Sprint([]int{1000, 1000, n - 2000}); fmt.Sprint(sizes) != want {
		t.Errorf("batches of %v rows, want %s", sizes, want)
	}
	if len(all) != n {
		t.Fatalf("%d rows in the batches, %d in the list", len(all), n)
	}
	for i := range all {
		if all[i] != res.Students[i] {
			t.Fatalf("row %d: batch has %s, the list %s", i, summary(all[i]), summary(res.Students[i]))
		}
	}
	last := batches[len(batches)-1]
	if &last[0] != &res.Students[n-len(last)] {
		t.Error("the last batch is a copy, not a piece of Result.Students")
	}
}

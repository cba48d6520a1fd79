package login

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
)

func TestDerive(t *testing.T) {
	tests := []struct {
		first, last string
		want        string
	}{
		// The table of SPEC §3.
		{"Héloïse", "Lefèvre", "heloise.lefevre"},
		{"Jean-Pierre", "DUPONT", "jean-pierre.dupont"},
		{"Marie Claire", "De La Fontaine", "marie-claire.de-la-fontaine"},
		{"Aïcha", "N'Diaye", "aicha.ndiaye"},
		{"Œdipe", "Bœuf", "oedipe.boeuf"},

		// Accents removed by decomposition.
		{"François", "Garçon", "francois.garcon"},
		{"Ñuño", "Muñoz", "nuno.munoz"},
		{"Antonín", "Dvořák", "antonin.dvorak"},
		{"Łukasz", "Wałęsa", "lukasz.walesa"},
		{"Şükrü", "Öztürk", "sukru.ozturk"},
		{"Ayşe", "Yılmaz", "ayse.yilmaz"},
		{"İlkay", "Gündoğan", "ilkay.gundogan"},
		{"Thị Minh Khai", "Nguyễn", "thi-minh-khai.nguyen"},
		{"Ưng", "Phạm Ơn", "ung.pham-on"},
		{"Ștefan", "Țiriac", "stefan.tiriac"},
		{"Jūratė", "Šležaitė", "jurate.slezaite"},
		{"Ödön", "Erdős", "odon.erdos"},
		{"Åse", "Ångström", "ase.angstrom"},
		{"He\u0301loi\u0308se", "Lefe\u0300vre", "heloise.lefevre"}, // already decomposed

		// Letters that do not decompose.
		{"Ærøskøbing", "Ø", "aeroskobing.o"},
		{"Þór", "Guðmundsson", "thor.gudmundsson"},
		{"Ðorđe", "Đoković", "dorde.dokovic"},
		{"Gießen", "STRAẞE", "giessen.strasse"},
		{"Ħamrun", "Ħal", "hamrun.hal"},
		{"Ŀluís", "Col·lell", "lluis.collell"},
		{"Æsa", "Œuvray", "aesa.oeuvray"},
		{"Ŋgozi", "Ɖaɓo", "ngozi.dabo"}, // CLDR: ŋ → n
		{"Ĳsbrand", "ﬁne", "ijsbrand.fine"},

		// Apostrophes vanish.
		{"Seán", "O'Brien", "sean.obrien"},
		{"Charles", "D’Artagnan", "charles.dartagnan"},
		{"Jeanne", "D‘Arc", "jeanne.darc"},
		{"Jeanne", "Dʼ Arc", "jeanne.d-arc"},
		{"Jeanne", "D`Arc", "jeanne.darc"},
		{"Jeanne", "D´Arc", "jeanne.darc"},

		// Separators: one hyphen inside, none at the edges.
		{"  jean--pierre  ", "dupont", "jean-pierre.dupont"},
		{"Jean - Pierre", "Dupont", "jean-pierre.dupont"},
		{"Jean_Pierre", "Du.Pont", "jean-pierre.du-pont"},
		{"J.-P.", "Dupont", "j-p.dupont"},
		{"-Anne-", "--Martin--", "anne.martin"},
		{"Anne\u00a0Sophie", "Martin\u2013Durand", "anne-sophie.martin-durand"},
		{"Anne\tSophie", "Martin — Durand", "anne-sophie.martin-durand"},
		{"Anne", "Martin/Durand", "anne.martin-durand"},
		{"Anne", "Martin, Durand", "anne.martin-durand"},

		// Only the first given name of a list.
		{"Marie, Louise", "Curie", "marie.curie"},
		{"Marie; Louise", "Curie", "marie.curie"},
		{"Marie/Louise", "Curie", "marie.curie"},
		{", Louise", "Curie", "louise.curie"},
		{"Marie Claire, Anne", "Curie", "marie-claire.curie"},

		// Digits and other characters are dropped.
		{"Jean2", "Dupont3", "jean.dupont"},
		{"Louis XIV", "de Bourbon (1638)", "louis-xiv.de-bourbon"},
		{"Ann!e", "Mar#tin", "anne.martin"},
		{"Élise", "Ζαχαρίας Martin", "elise.martin"},
		{"Yuki", "Tanaka 田中", "yuki.tanaka"},
		{"ＪＥＡＮ", "Ｄｕｐｏｎｔ", "jean.dupont"},
		// Only the first given name counts: a letter without a spelling in
		// another one does not matter.
		{"Marie, ƛ", "Dupont", "marie.dupont"},
		// CLDR's Latin-ASCII, beyond the SPEC's examples.
		{"Ĳsbrand", "Ǆukić", "ijsbrand.dzukic"},
		{"ʼNaomi", "Ꜳberg", "naomi.aaberg"},
		{"Ɓello", "Ƙano", "bello.kano"},
		// Letters CLDR leaves as they are, spelled as before (supplement).
		{"Ələkbər", "Əliyev", "elekber.eliyev"},
		{"Ɛkua", "Ɔdoom", "ekua.odoom"},
	}
	for _, tt := range tests {
		got, err := Derive(tt.first, tt.last)
		if err != nil {
			t.Errorf("Derive(%q, %q): unexpected error %v", tt.first, tt.last, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Derive(%q, %q) = %q, want %q", tt.first, tt.last, got, tt.want)
		}
	}
}

func TestDeriveRejects(t *testing.T) {
	tests := []struct {
		first, last string
		part        string
		msg         string
	}{
		{"", "Dupont", FirstName, "first name is empty, a login cannot be built without it"},
		{"   ", "Dupont", FirstName, "first name is empty, a login cannot be built without it"},
		{"Jean", "", LastName, "last name is empty, a login cannot be built without it"},
		{"!!!", "Dupont", FirstName, `first name "!!!" has no letters to build a login from`},
		{"Jean", "--- ' .", LastName, `last name "--- ' ." has no letters to build a login from`},
		{"1234", "Dupont", FirstName, `first name "1234" has no letters to build a login from`},
		{"Jean", "王", LastName, `last name "王" has no letters to build a login from`},
		{"太郎", "山田", FirstName, `first name "太郎" has no letters to build a login from`},
		{"Дмитрий", "Dupont", FirstName, `first name "Дмитрий" has no letters to build a login from`},
		{", ;", "Dupont", FirstName, `first name ", ;" has no letters to build a login from`},
		{"Jean", ",/;", LastName, `last name ",/;" has no letters to build a login from`},
		// A Latin letter without an ASCII spelling is named, not dropped.
		{"Anna", "ǂKhomani", LastName, `last name "ǂKhomani" has the letter "ǂ" (U+01C2), which has no ASCII spelling for a login: write the name without it`},
		{"Ƨara", "Dupont", FirstName, `first name "Ƨara" has the letter "Ƨ" (U+01A7), which has no ASCII spelling for a login: write the name without it`},
	}
	for _, tt := range tests {
		got, err := Derive(tt.first, tt.last)
		if err == nil {
			t.Errorf("Derive(%q, %q) = %q, want an error", tt.first, tt.last, got)
			continue
		}
		var ne *NameError
		if !errors.As(err, &ne) || ne.Part != tt.part {
			t.Errorf("Derive(%q, %q): error %#v, want a *NameError about the %s", tt.first, tt.last, err, tt.part)
		}
		if err.Error() != tt.msg {
			t.Errorf("Derive(%q, %q): error %q, want %q", tt.first, tt.last, err, tt.msg)
		}
	}
}

func TestDeriveLength(t *testing.T) {
	long := strings.Repeat("a", 70)
	tests := []struct {
		name        string
		first, last string
		want        string
	}{
		{"fits exactly", strings.Repeat("b", 29), strings.Repeat("c", 30), strings.Repeat("b", 29) + "." + strings.Repeat("c", 30)},
		{"last name cut at a hyphen", "marie-claire", "de-la-fontaine-de-saint-exupery-de-montmorency-laval",
			"marie-claire.de-la-fontaine-de-saint-exupery-de-montmorency"},
		{"last name cut hard", "jean", long, "jean." + strings.Repeat("a", 55)},
		{"first name cut to leave room", long, "dupont", strings.Repeat("a", 53) + ".dupont"},
		{"both cut", long, long, strings.Repeat("a", 39) + "." + strings.Repeat("a", 20)},
		{"first name cut at a hyphen", "jean-" + strings.Repeat("x", 30) + "-paul-" + strings.Repeat("y", 30), strings.Repeat("z", 25),
			"jean-" + strings.Repeat("x", 30) + "." + strings.Repeat("z", 24)},
	}
	for _, tt := range tests {
		got, err := Derive(tt.first, tt.last)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got != tt.want {
			t.Errorf("%s: Derive = %q (%d), want %q (%d)", tt.name, got, len(got), tt.want, len(tt.want))
		}
		if len(got) > MaxBaseLen {
			t.Errorf("%s: %q is longer than %d", tt.name, got, MaxBaseLen)
		}
		if strings.HasSuffix(got, "-") || strings.Contains(got, "-.") || strings.Contains(got, ".-") {
			t.Errorf("%s: %q has a dangling hyphen", tt.name, got)
		}
	}
}

// FuzzDerive checks the shape of every login: words of a–z joined by single
// hyphens, one dot between the parts, at most MaxBaseLen bytes, and a
// *NameError whenever there is no login.
func FuzzDerive(f *testing.F) {
	for _, seed := range [][2]string{
		{"Héloïse", "Lefèvre"}, {"Œdipe", "Dʼ Arc"}, {"ǅemal", "ŉ"}, {"Ⅻ", "ｼ"},
		{"Müller-Lüdenscheidt", "x\u0301\u0302y"}, {"a\x00b", "\xff\xfe"},
		{"Marie,,;/ Louise", "--.__"}, {strings.Repeat("é-", 80), strings.Repeat("ø ", 80)},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, first, last string) {
		got, err := Derive(first, last)
		if err != nil {
			var ne *NameError
			if !errors.As(err, &ne) {
				t.Fatalf("Derive(%q, %q): error %v is not a *NameError", first, last, err)
			}
			return
		}
		if len(got) > MaxBaseLen {
			t.Errorf("Derive(%q, %q) = %q is longer than %d", first, last, got, MaxBaseLen)
		}
		parts := strings.Split(got, ".")
		if len(parts) != 2 {
			t.Fatalf("Derive(%q, %q) = %q, want exactly one dot", first, last, got)
		}
		for _, p := range parts {
			for _, w := range strings.Split(p, "-") {
				if w == "" || strings.Trim(w, "abcdefghijklmnopqrstuvwxyz") != "" {
					t.Fatalf("Derive(%q, %q) = %q: %q is not a word of a-z", first, last, got, w)
				}
			}
		}
		again, _ := Derive(first, last)
		if again != got {
			t.Fatalf("Derive(%q, %q) gave %q then %q", first, last, got, again)
		}
	})
}

func BenchmarkDerive(b *testing.B) {
	b.Run("ascii", func(b *testing.B) {
		for b.Loop() {
			_, _ = Derive("Jean-Pierre", "DE LA FONTAINE")
		}
	})
	b.Run("accents", func(b *testing.B) {
		for b.Loop() {
			_, _ = Derive("Héloïse", "Lefèvre-Œuvray")
		}
	})
}

// TestSPECTransliterations: the letters SPEC §3 names, in both cases.
func TestSPECTransliterations(t *testing.T) {
	for _, tt := range []struct{ letters, want string }{
		{"æÆ", "ae"}, {"œŒ", "oe"}, {"ßẞ", "ss"}, {"øØ", "o"}, {"łŁ", "l"}, {"đĐ", "d"}, {"þÞ", "th"},
		{"éÉ", "e"}, {"çÇ", "c"}, {"ñÑ", "n"},
	} {
		for _, r := range tt.letters {
			if got, ok := foldRune(r); !ok || got != tt.want {
				t.Errorf("%c is spelled %q (ok %v), want %q", r, got, ok, tt.want)
			}
		}
	}
}

// TestLatinTableMatchesCLDR regenerates latin_ascii.go with
// scripts/gen-latin-ascii (it needs uconv, from icu-devtools) and compares:
// the committed table is what CLDR's Latin-ASCII gives.
func TestLatinTableMatchesCLDR(t *testing.T) {
	if _, err := exec.LookPath("uconv"); err != nil {
		t.Skip("uconv not installed (apt-get install icu-devtools): cannot regenerate the table")
	}
	out := filepath.Join(t.TempDir(), "latin_ascii.go")
	cmd := exec.Command("go", "run", "../../scripts/gen-latin-ascii", "-o", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gen-latin-ascii: %v\n%s", err, b)
	}
	want, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("latin_ascii.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("latin_ascii.go differs from what scripts/gen-latin-ascii makes now: run go generate ./internal/login")
	}
}

// TestEveryLatinLetterSpelledOrRefused: each letter of the Latin script is
// either spelled with a–z or refused by name; none vanishes silently.
func TestEveryLatinLetterSpelledOrRefused(t *testing.T) {
	spelled, refused := 0, 0
	for r := rune(0x80); r <= unicode.MaxRune; r++ {
		if !unicode.Is(unicode.Latin, r) || !unicode.IsLetter(r) {
			continue
		}
		s, ok := foldRune(r)
		switch {
		case !ok:
			refused++
			_, err := Derive("Anne", "X"+string(r))
			var ne *NameError
			if !errors.As(err, &ne) || ne.Letter != r {
				t.Errorf("%c (%U) has no spelling but Derive says %v", r, r, err)
			}
		case s == "" || strings.Trim(s, "abcdefghijklmnopqrstuvwxyz") != "":
			t.Errorf("%c (%U) is spelled %q", r, r, s)
		default:
			spelled++
		}
	}
	t.Logf("%d Latin letters spelled, %d refused", spelled, refused)
}

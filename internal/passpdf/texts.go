package passpdf

import (
	"bufio"
	"fmt"
	"io/fs"
	"strings"
)

// textFile is a parsed texts file of templates/sheet/: sections of
// "key = value" lines, in file order.
type textFile struct {
	name     string
	sections map[string][]textEntry
}

type textEntry struct {
	key, value string
	line       int
}

// parseTextFile reads a texts file. The format is deliberately small so that
// an office can reword it without knowing a template language:
//
//	# comment
//	[section]
//	key = value
//
// A key outside a section, a line without "=", an empty key or a key given
// twice in one section is an error that names the file and the line.
func parseTextFile(fsys fs.FS, name string) (*textFile, error) {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("reading texts: %w", err)
	}
	tf := &textFile{name: name, sections: map[string][]textEntry{}}
	section := ""
	seen := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(strings.TrimPrefix(string(data), "\ufeff")))
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
			continue
		case strings.HasPrefix(line, "["):
			if !strings.HasSuffix(line, "]") || len(line) < 3 {
				return nil, fmt.Errorf("%s:%d: a section header looks like [name]", name, n)
			}
			section = strings.TrimSpace(line[1 : len(line)-1])
			if _, dup := tf.sections[section]; dup {
				return nil, fmt.Errorf("%s:%d: section [%s] appears twice", name, n, section)
			}
			tf.sections[section] = nil
			continue
		}
		if section == "" {
			return nil, fmt.Errorf("%s:%d: text outside a [section]", name, n)
		}
		key, value, ok := strings.Cut(line, "=")
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		if !ok || key == "" {
			return nil, fmt.Errorf("%s:%d: expected \"key = value\"", name, n)
		}
		if seen[section+"\x00"+key] {
			return nil, fmt.Errorf("%s:%d: key %q appears twice in [%s]", name, n, key, section)
		}
		seen[section+"\x00"+key] = true
		tf.sections[section] = append(tf.sections[section], textEntry{key: key, value: value, line: n})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	return tf, nil
}

// lookup returns the value of key in section, or "" and false.
func (tf *textFile) lookup(section, key string) (string, bool) {
	for _, e := range tf.sections[section] {
		if e.key == key {
			return e.value, true
		}
	}
	return "", false
}

// require fills each *string of keys from section and fails, naming the file,
// on the first key that is missing or empty, and on any key of the section
// that is not expected (a misspelt key would otherwise be silently ignored).
func (tf *textFile) require(section string, keys map[string]*string) error {
	if _, ok := tf.sections[section]; !ok {
		return fmt.Errorf("%s: section [%s] is missing", tf.name, section)
	}
	for key, dst := range keys {
		v, ok := tf.lookup(section, key)
		if !ok || v == "" {
			return fmt.Errorf("%s: [%s] %s is missing", tf.name, section, key)
		}
		*dst = v
	}
	for _, e := range tf.sections[section] {
		if _, ok := keys[e.key]; !ok {
			return fmt.Errorf("%s:%d: unknown key %q in [%s]", tf.name, e.line, e.key, section)
		}
	}
	return nil
}

// bilingual is a text printed in French first, then in English.
type bilingual struct{ fr, en string }

// sheetTexts are the texts of the SCOL'PASS page.
type sheetTexts struct {
	caption, subtitle, issued, name, studentNo, program, login bilingual
	password, validUntil, singleUse, activation, qrCaption     bilingual
	steps, confidential                                        bilingual
	title                                                      string
	stepsFR, stepsEN                                           []step
}

// step is one step of the guide, in one language.
type step struct {
	number, title, text string
}

func loadSheetTexts(fsys fs.FS) (*sheetTexts, error) {
	tf, err := parseTextFile(fsys, "sheet/sheet.txt")
	if err != nil {
		return nil, err
	}
	t := &sheetTexts{}
	keys := map[string]*string{"title": &t.title}
	for _, b := range []struct {
		key string
		dst *bilingual
	}{
		{"caption", &t.caption}, {"subtitle", &t.subtitle}, {"issued", &t.issued},
		{"name", &t.name}, {"student_no", &t.studentNo}, {"program", &t.program},
		{"login", &t.login}, {"password", &t.password}, {"valid_until", &t.validUntil},
		{"single_use", &t.singleUse}, {"activation", &t.activation},
		{"qr_caption", &t.qrCaption}, {"steps", &t.steps},
		{"confidential", &t.confidential},
	} {
		keys[b.key+".fr"] = &b.dst.fr
		keys[b.key+".en"] = &b.dst.en
	}
	if err := tf.require("sheet", keys); err != nil {
		return nil, err
	}
	if t.stepsFR, err = tf.steps("steps.fr"); err != nil {
		return nil, err
	}
	if t.stepsEN, err = tf.steps("steps.en"); err != nil {
		return nil, err
	}
	if len(t.stepsFR) != len(t.stepsEN) {
		return nil, fmt.Errorf("%s: [steps.fr] has %d steps but [steps.en] has %d", tf.name, len(t.stepsFR), len(t.stepsEN))
	}
	return t, nil
}

// steps reads a [steps.xx] section: "number = title | text" lines, in order.
func (tf *textFile) steps(section string) ([]step, error) {
	entries, ok := tf.sections[section]
	if !ok || len(entries) == 0 {
		return nil, fmt.Errorf("%s: section [%s] is missing or empty", tf.name, section)
	}
	out := make([]step, 0, len(entries))
	for _, e := range entries {
		title, text, ok := strings.Cut(e.value, "|")
		title, text = strings.TrimSpace(title), strings.TrimSpace(text)
		if !ok || title == "" || text == "" {
			return nil, fmt.Errorf("%s:%d: a step reads \"number = short title | text\"", tf.name, e.line)
		}
		out = append(out, step{number: e.key, title: title, text: text})
	}
	return out, nil
}

// reportTexts are the texts of the printable report.
type reportTexts struct {
	caption, generated, by, students, issued, locked, rateShort, total bilingual
	rateLegend, funnel, page, empty, count                             bilingual
	byNames                                                            map[string]bilingual
	stateShort                                                         map[string]bilingual
	stateLong                                                          map[string]string
}

func loadReportTexts(fsys fs.FS) (*reportTexts, error) {
	tf, err := parseTextFile(fsys, "sheet/report.txt")
	if err != nil {
		return nil, err
	}
	t := &reportTexts{byNames: map[string]bilingual{}, stateShort: map[string]bilingual{}, stateLong: map[string]string{}}
	keys := map[string]*string{}
	for _, b := range []struct {
		key string
		dst *bilingual
	}{
		{"caption", &t.caption}, {"generated", &t.generated}, {"by", &t.by},
		{"students", &t.students}, {"issued", &t.issued}, {"locked", &t.locked},
		{"rate", &t.rateShort}, {"rate_legend", &t.rateLegend}, {"total", &t.total}, {"funnel", &t.funnel},
		{"page", &t.page}, {"empty", &t.empty}, {"count", &t.count},
	} {
		keys[b.key+".fr"] = &b.dst.fr
		keys[b.key+".en"] = &b.dst.en
	}
	if err := tf.require("report", keys); err != nil {
		return nil, err
	}
	// [by] and [states] are open lists: a grouping or a state without a text
	// is printed under its own key.
	for _, e := range tf.sections["by"] {
		k, lang, ok := strings.Cut(e.key, ".")
		if !ok || (lang != "fr" && lang != "en") {
			return nil, fmt.Errorf("%s:%d: [by] keys read \"name.fr\" or \"name.en\"", tf.name, e.line)
		}
		b := t.byNames[k]
		if lang == "fr" {
			b.fr = e.value
		} else {
			b.en = e.value
		}
		t.byNames[k] = b
	}
	for _, e := range tf.sections["states"] {
		state, rest, ok := strings.Cut(e.key, ".")
		switch {
		case ok && rest == "long":
			t.stateLong[state] = e.value
		case ok && (rest == "short.fr" || rest == "short.en"):
			b := t.stateShort[state]
			if rest == "short.fr" {
				b.fr = e.value
			} else {
				b.en = e.value
			}
			t.stateShort[state] = b
		default:
			return nil, fmt.Errorf("%s:%d: [states] keys read \"state.short.fr\", \"state.short.en\" or \"state.long\"", tf.name, e.line)
		}
	}
	return t, nil
}

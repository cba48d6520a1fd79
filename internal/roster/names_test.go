package roster

import (
	"strings"
	"testing"
)

// Names reach the sheet and the emails: an overlong name or one holding a
// link is refused at import, naming the row, the field and the rule.
func TestNamesRefusedAtImport(t *testing.T) {
	long := strings.Repeat("a", 599)
	in := "student_no;last_name;first_name\n" +
		"1;Dupont;Jean\n" +
		"2;Dupont;Click https://evil.example/verify/XYZ now\n" +
		"3;" + long + ";Jean\n" +
		"4;Martin;" + strings.Repeat("é", 101) + "\n" +
		"5;see www.evil.example;Anne\n" +
		"6;N'Diaye;J.-P.\n"
	res, err := ReadAsOf(strings.NewReader(in), now)
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, s := range res.Students {
		kept = append(kept, s.StudentNo)
	}
	equalLists(t, "kept", kept, []string{"1", "6"})
	var got []string
	for _, r := range res.Rejected {
		got = append(got, rejection(r))
	}
	equalLists(t, "rejected", got, []string{
		`line 3: first name "Click https://evil.example/verify/XYZ now" holds "://", which emails would show as a link: a name holds no address [first_name]`,
		`line 4: last name is 599 characters long; at most 100 are accepted [last_name]`,
		`line 5: first name is 101 characters long; at most 100 are accepted [first_name]`,
		`line 6: last name "see www.evil.example" holds "www.", which emails would show as a link: a name holds no address [last_name]`,
	})
}

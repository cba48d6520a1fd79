package roster

import (
	"fmt"
	"strings"
	"testing"
)

// A file of many bad rows lists the first ones and counts all of them by
// reason, without keeping each one.
func TestRejectionsListedThenCounted(t *testing.T) {
	var b strings.Builder
	b.WriteString("student_no;last_name;first_name;birth_date\n")
	for i := range 2500 {
		switch i % 5 {
		case 0:
			fmt.Fprintf(&b, "%d;;Jean;01/01/2000\n", 21000000+i)
		case 1:
			fmt.Fprintf(&b, "%d;Dupont;Jean;%d/02/2004\n", 21000000+i, 30+i%2)
		case 2:
			fmt.Fprintf(&b, "%d;Dupont;Jean;\n", 21000000+i-1) // a number seen on the row before
		case 3:
			fmt.Fprintf(&b, "%d;Dupont;see www.x%d.example;\n", 21000000+i, i)
		default:
			fmt.Fprintf(&b, "%d;Dupont;Jean;01/01/2000\n", 21000000+i)
		}
	}
	res, err := Read(strings.NewReader(b.String()), Options{Now: now, ListRejections: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Students) != 500 || res.RejectedRows != 2000 || len(res.Rejected) != 10 {
		t.Fatalf("%d kept, %d rejected, %d listed", len(res.Students), res.RejectedRows, len(res.Rejected))
	}
	if res.Rejected[0].Line != 2 || res.Rejected[9].Line != 13 {
		t.Fatalf("not the first rows: %v", res.Rejected)
	}
	var got []string
	for _, r := range res.Reasons {
		got = append(got, fmt.Sprintf("%d [%s] %s (first line %d)", r.Rows, r.Field, r.Reason, r.FirstLine))
	}
	equalLists(t, "reasons", got, []string{
		"500 [last_name] last name is missing (first line 2)",
		`500 [birth_date] birth date "…" is not a date (first line 3)`,
		"500 [student_no] student number N already on line N (first line 4)",
		`500 [first_name] first name "…" holds "…", which emails would show as a link: a name holds no address (first line 5)`,
	})
	// The default lists MaxListedRejections.
	if res, _ := ReadAsOf(strings.NewReader(b.String()), now); len(res.Rejected) != min(MaxListedRejections, 2000) || res.RejectedRows != 2000 {
		t.Fatalf("default: %d listed of %d", len(res.Rejected), res.RejectedRows)
	}
}

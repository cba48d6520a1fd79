package ldaptest_test

import (
	"testing"

	"github.com/umontpellier/scolpass/internal/directory/ldaptest"
)

func TestStartStop(t *testing.T) {
	s := ldaptest.Start(t)
	dn := s.AddStudent("jean.dupont", "Jean", "Dupont")
	if e := s.Entry(dn); e["uid"][0] != "jean.dupont" {
		t.Fatalf("entry: %v", e)
	}
	if err := s.Bind(ldaptest.WriterDN, ldaptest.WriterPW); err != nil {
		t.Fatal(err)
	}
	s.Stop()
	if err := s.Bind(ldaptest.WriterDN, ldaptest.WriterPW); err == nil {
		t.Fatal("bind succeeded on a stopped server")
	}
	s.Start()
	if e := s.Entry(dn); e == nil {
		t.Fatal("entry lost across a restart")
	}
}

package activation

import "strings"

// Given is a fixed set of answers: the JSON answers of a script, the one
// form a web page posts. A nil field is no answer (the run stops before
// that step).
type Given struct {
	Provisional *string
	Recovery    *string
	Charter     *bool
	RedirectTo  *string // "" : no redirect
	KeepCopy    bool
	NewPass     *string
}

// ProvisionalPassword implements Answers.
func (g *Given) ProvisionalPassword(*Account) (string, bool, error) {
	if g.Provisional == nil {
		return "", false, nil
	}
	return *g.Provisional, true, nil
}

// RecoveryEmail implements Answers; an empty address is no answer.
func (g *Given) RecoveryEmail(*Account) (string, bool, error) {
	if g.Recovery == nil || *g.Recovery == "" {
		return "", false, nil
	}
	return *g.Recovery, true, nil
}

// AcceptCharter implements Answers.
func (g *Given) AcceptCharter(*Account, string) (bool, bool, error) {
	if g.Charter == nil {
		return false, false, nil
	}
	return *g.Charter, true, nil
}

// Redirect implements Answers.
func (g *Given) Redirect(*Account, string) (string, bool, bool, error) {
	if g.RedirectTo == nil {
		return "", false, false, nil
	}
	return strings.TrimSpace(*g.RedirectTo), g.KeepCopy, true, nil
}

// NewPassword implements Answers.
func (g *Given) NewPassword(*Account, func(string) error) (string, bool, error) {
	if g.NewPass == nil {
		return "", false, nil
	}
	return *g.NewPass, true, nil
}

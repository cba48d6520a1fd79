package activation

// RedirectAnswer is the rule of step 6-1 for a document of answers (a
// script's JSON): the redirect is optional, so an absent redirect_to is the
// answer "no redirect" (""), never a missing answer that would stop the
// run before step 6.
func RedirectAnswer(to *string) *string {
	if to == nil {
		return new(string)
	}
	return to
}

package activation

// CharterNeedsReacceptance is the charter rule for an account that accepted
// version accepted (step 5) while version inForce is the one in force: it
// must accept the charter again when a newer version was published since.
// An account that never accepted one, or a database with no charter
// published, needs nothing.
func CharterNeedsReacceptance(accepted, inForce string) bool {
	return accepted != "" && inForce != "" && accepted != inForce
}

package activation

// Why an account is written to the directory (the reason of a provisioning
// job).
const (
	ProvisionActivated = "activated" // step 7: the account became active
	ProvisionRedirect  = "redirect"  // the redirect of an active account changed
)

// provision queues, in the step's transaction, a directory write of an
// active account when provisioning is on (Config.Provision). The job
// carries no password: the directory writer reads the account (its argon2id
// hash, addresses, charter) when it applies the job, so that the directory
// always gets the account as it stands then.
func (s *Service) provision(tx Tx, a *Account, reason string) error {
	if !s.Config.Provision || MayProvision(a.Login, a.State) != nil {
		return nil
	}
	return tx.QueueProvision(a, reason)
}

package activation

// The kinds of email the steps queue; Config.RenderMail renders each (one
// template a kind: templates/mail/<kind>.txt, see package mail).
const (
	MailRecoveryLink = "recovery_link" // step 4: confirm the recovery address
	MailRedirectLink = "redirect_link" // step 6-2: confirm the redirect address
	MailActivated    = "activated"     // step 8: the account is active
)

// MailKinds lists every kind of email, in the order of the guide.
var MailKinds = []string{MailRecoveryLink, MailRedirectLink, MailActivated, MailResetLink, MailPasswordChanged, MailLoginReminder}

// mailKindOfPurpose is the email that carries a link of that purpose.
func mailKindOfPurpose(purpose string) string {
	if purpose == PurposeRedirect {
		return MailRedirectLink
	}
	return MailRecoveryLink
}

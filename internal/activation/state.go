package activation

// State is where an account stands in the activation guide.
type State string

// The states of the life cycle, in the order of the guide.
const (
	StateImported         State = "imported"
	StateIssued           State = "issued"
	StateAuthenticated    State = "authenticated"
	StateRecoveryPending  State = "recovery_pending"
	StateRecoveryVerified State = "recovery_verified"
	StateCharterAccepted  State = "charter_accepted"
	StateRedirectPending  State = "redirect_pending"
	StateMailboxReady     State = "mailbox_ready"
	StateActive           State = "active"
)

// States lists every state in life-cycle order.
var States = []State{
	StateImported, StateIssued, StateAuthenticated, StateRecoveryPending,
	StateRecoveryVerified, StateCharterAccepted, StateRedirectPending,
	StateMailboxReady, StateActive,
}

// Valid reports whether s is one of the states of the life cycle.
func (s State) Valid() bool {
	for _, v := range States {
		if v == s {
			return true
		}
	}
	return false
}

// NextStep describes, for people, the step of the guide an account in state s
// has to take next.
func (s State) NextStep() string {
	switch s {
	case StateImported:
		return "issue a SCOL'PASS (issue-scolpass)"
	case StateIssued:
		return "step 1-2: identifier and provisional password"
	case StateAuthenticated:
		return "step 3: recovery email"
	case StateRecoveryPending:
		return "step 4: follow the link sent to the recovery email"
	case StateRecoveryVerified:
		return "step 5: accept the IT charter"
	case StateCharterAccepted:
		return "step 6-1: university mailbox and optional redirect"
	case StateRedirectPending:
		return "step 6-2: follow the link sent to the redirect address"
	case StateMailboxReady:
		return "step 7: new password"
	case StateActive:
		return "none: the account is active"
	}
	return "unknown"
}

// StepNumber is the step of the guide the account is at ("0" before any
// SCOL'PASS, "8" when active).
func (s State) StepNumber() string {
	switch s {
	case StateImported:
		return "0"
	case StateIssued:
		return "1"
	case StateAuthenticated:
		return "3"
	case StateRecoveryPending:
		return "4"
	case StateRecoveryVerified:
		return "5"
	case StateCharterAccepted:
		return "6-1"
	case StateRedirectPending:
		return "6-2"
	case StateMailboxReady:
		return "7"
	case StateActive:
		return "8"
	}
	return "?"
}

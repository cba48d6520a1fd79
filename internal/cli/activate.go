package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/templates"
)

type activateOptions struct {
	Login   string
	Answers string
	Resend  bool
}

func newActivateCmd(env *Env) *cobra.Command {
	opts := &activateOptions{}
	cmd := &cobra.Command{
		Use:   "activate LOGIN",
		Short: "Run the activation steps 1-8 as far as the answers allow",
		Long: `Run the steps of the activation guide for one account, from where it stands,
as far as the answers allow. Every run starts with steps 1-2 (identifier and
provisional password) until the account is active.

--answers FILE|- reads a JSON object with any of:
  provisional_password, recovery_email, accept_charter (bool),
  redirect_to, keep_copy (bool), new_password
Secrets are never taken from flags. Without --answers, on a terminal, it asks
step by step (assisted mode at the helpdesk; passwords are not echoed).

Where an emailed link must be followed (step 4, step 6-2) it stops with exit 3
and says where the link went and until when it is valid; after verify-token,
run activate again. Where the answers run out it stops with exit 0 and names
the next step. At step 8 it prints the confirmation. --resend sends a new
link when one is pending (lost or expired email); at most
SCOLPASS_LINKS_PER_DAY links (5) per account per day.`,
		Example: `  scolpass activate jean.dupont                      # assisted, at the helpdesk
  scolpass activate jean.dupont --answers answers.json -o json
  echo '{"provisional_password":"…","recovery_email":"jean@example.org"}' | scolpass activate jean.dupont --answers -`,
		Args: exactArgs("LOGIN"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Login = args[0]
			return runActivate(cmd, env, opts)
		},
	}
	cmd.Flags().StringVar(&opts.Answers, "answers", "", "JSON answers file, or - for stdin")
	cmd.Flags().BoolVar(&opts.Resend, "resend", false, "send a new link when one is pending (lost email); the old one stops working")
	return cmd
}

// answerFile is the JSON answers document; absent keys are nil.
type answerFile struct {
	Provisional *string `json:"provisional_password"`
	Recovery    *string `json:"recovery_email"`
	Charter     *bool   `json:"accept_charter"`
	RedirectTo  *string `json:"redirect_to"`
	KeepCopy    *bool   `json:"keep_copy"`
	NewPass     *string `json:"new_password"`
}

// given turns the document into the domain's answers; what an absent
// redirect_to means is the domain's rule (activation.RedirectAnswer).
func (f *answerFile) given() *activation.Given {
	return &activation.Given{Provisional: f.Provisional, Recovery: f.Recovery, Charter: f.Charter,
		RedirectTo: activation.RedirectAnswer(f.RedirectTo), KeepCopy: f.KeepCopy != nil && *f.KeepCopy, NewPass: f.NewPass}
}

func readAnswers(env *Env, name string) (*answerFile, error) {
	var data []byte
	var err error
	if name == "-" {
		data, err = io.ReadAll(io.LimitReader(env.Stdin, 1<<20))
	} else {
		data, err = os.ReadFile(name)
	}
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, usagef("--answers %s: no such file", name)
		}
		return nil, usagef("--answers %s: %v", name, err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f answerFile
	if err := dec.Decode(&f); err != nil {
		// Never echo the document: it holds passwords.
		msg := err.Error()
		if i := strings.Index(msg, "unknown field"); i >= 0 {
			msg = msg[i:] + " (known: provisional_password, recovery_email, accept_charter, redirect_to, keep_copy, new_password)"
		} else {
			msg = "it is not a JSON object of answers"
		}
		return nil, usagef("--answers %s: %s", name, msg)
	}
	return &f, nil
}

func runActivate(cmd *cobra.Command, env *Env, opts *activateOptions) error {
	ctx := cmd.Context()
	var ans activation.Answers
	channel := "script"
	switch {
	case opts.Answers != "":
		f, err := readAnswers(env, opts.Answers)
		if err != nil {
			return err
		}
		ans = f.given()
	case isTerminal(env.Stdin):
		channel = "helpdesk"
	default:
		return usagef("no --answers given and stdin is not a terminal: give --answers FILE or --answers -")
	}
	run, err := env.accountService(ctx, channel)
	if err != nil {
		return err
	}
	if ans == nil {
		p := newPrompter(env)
		p.policy = run.svc.Config.Policy
		ans = p
	}
	return env.finish(run.svc.ActivateWith(ctx, run.login(opts.Login), ans, activation.ActivateOptions{Resend: opts.Resend}, run.now))
}

func printOutcome(env *Env, out *activation.Outcome) error {
	if env.Output == "json" {
		return writeJSON(env.Stdout, out)
	}
	w := env.Stdout
	if len(out.Done) > 0 {
		fmt.Fprintf(w, "Steps done:  %s\n", strings.Join(out.Done, ", "))
	}
	fmt.Fprintf(w, "Account:     %s\nState:       %s (step %s)\nNext:        %s\n", termSafe(out.Login), out.State, out.Step, out.NextStep)
	if out.LinkSentTo != "" {
		fmt.Fprintf(w, "Link sent to %s, valid until %s (Paris time)\n", termSafe(out.LinkSentTo), activation.ParisTime(*out.LinkValidUntil))
	}
	if c := out.Confirmation; c != nil {
		fmt.Fprintf(w, "\nStep 8 — your account is active / votre compte est activé\n")
		fmt.Fprintf(w, "  Identifier / identifiant ENT:        %s\n", termSafe(c.Login))
		fmt.Fprintf(w, "  University mailbox / messagerie UM:  %s\n", termSafe(c.Mailbox))
		if c.RedirectTo != "" {
			copyNote := "no copy kept / sans copie"
			if c.KeepCopy {
				copyNote = "a copy is kept / copie conservée"
			}
			fmt.Fprintf(w, "  Redirect / redirection:              %s (%s)\n", termSafe(c.RedirectTo), copyNote)
		}
	} else if out.Message != "" && out.LinkSentTo == "" {
		fmt.Fprintf(env.Stderr, "%s\n", termSafeText(out.Message))
	}
	return nil
}

// prompter asks the student's answers at a terminal (assisted mode).
type prompter struct {
	env    *Env
	in     *bufio.Reader
	fd     int
	policy activation.PasswordPolicy // told before step 7
}

func newPrompter(env *Env) *prompter {
	fd := -1
	if f, ok := env.Stdin.(*os.File); ok {
		fd = int(f.Fd())
	}
	return &prompter{env: env, in: bufio.NewReader(env.Stdin), fd: fd}
}

func (p *prompter) line(prompt string) (string, error) {
	fmt.Fprint(p.env.Stderr, prompt)
	s, err := p.in.ReadString('\n')
	if err != nil && s == "" {
		return "", activation.Errorf(activation.EINVALID, "input closed: nothing more done")
	}
	return strings.TrimSpace(s), nil
}

func (p *prompter) secret(prompt string) (string, error) {
	fmt.Fprint(p.env.Stderr, prompt)
	b, err := term.ReadPassword(p.fd)
	fmt.Fprintln(p.env.Stderr)
	if err != nil {
		return "", activation.Errorf(activation.EINVALID, "cannot read a hidden answer: %v", err)
	}
	return string(b), nil
}

func (p *prompter) yes(prompt string, def bool) (bool, error) {
	s, err := p.line(prompt)
	if err != nil {
		return false, err
	}
	switch strings.ToLower(s) {
	case "":
		return def, nil
	case "y", "yes", "o", "oui":
		return true, nil
	}
	return false, nil
}

func (p *prompter) ProvisionalPassword(a *activation.Account) (string, bool, error) {
	if a != nil { // the agent at the desk may see where the account stands
		fmt.Fprintf(p.env.Stderr, "Steps 1-2 — %s %s, state %s (step %s)\n", termSafe(a.FirstName), termSafe(a.LastName), a.State, a.State.StepNumber())
	}
	s, err := p.secret("Provisional password (from the SCOL'PASS) / mot de passe provisoire: ")
	return s, s != "", err
}

func (p *prompter) RecoveryEmail(a *activation.Account) (string, bool, error) {
	prompt := "Step 3 — recovery email (personal address) / mail de secours: "
	if a.State == activation.StateRecoveryPending {
		prompt = fmt.Sprintf("Step 4 — a link was sent to %s. Enter another address to send a new link, or press Enter to wait: ", termSafe(a.RecoveryEmail))
	}
	s, err := p.line(prompt)
	return s, s != "", err
}

func (p *prompter) AcceptCharter(a *activation.Account, version string) (bool, bool, error) {
	text, err := fs.ReadFile(templates.FS, "charter/charter-"+version+".txt")
	if err == nil {
		fmt.Fprintf(p.env.Stderr, "\nStep 5 — IT charter, version %s:\n\n%s\n", version, text)
	} else {
		fmt.Fprintf(p.env.Stderr, "\nStep 5 — IT charter, version %s\n", version)
	}
	ok, err := p.yes("Does the student accept the IT charter? / accepte la charte ? [y/N]: ", false)
	return ok, true, err
}

func (p *prompter) Redirect(a *activation.Account, def string) (string, bool, bool, error) {
	fmt.Fprintln(p.env.Stderr, "\nStep 6 — university mailbox. 6-1: redirect the mail to an external address (optional).")
	yes, err := p.yes("Redirect the mail? / rediriger les mails ? [y/N]: ", false)
	if err != nil || !yes {
		return "", false, true, err
	}
	to, err := p.line(fmt.Sprintf("Redirect address [%s]: ", termSafe(def)))
	if err != nil {
		return "", false, false, err
	}
	if to == "" {
		to = def
	}
	keep, err := p.yes("Keep a copy in the university mailbox? / conserver une copie ? [y/N]: ", false)
	return to, keep, true, err
}

func (p *prompter) NewPassword(a *activation.Account, check func(string) error) (string, bool, error) {
	var rules []string
	for _, r := range p.policy.Rules() {
		rules = append(rules, r.Text)
	}
	fmt.Fprintf(p.env.Stderr, "\nStep 7 — new password: %s.\n", strings.Join(rules, "; "))
	for try := 0; try < 3; try++ {
		pw, err := p.secret("New password / nouveau mot de passe: ")
		if err != nil {
			return "", false, err
		}
		if err := check(pw); err != nil {
			fmt.Fprintf(p.env.Stderr, "%s\n", termSafeText(activation.ErrorMessage(err)))
			continue
		}
		again, err := p.secret("Repeat / confirmez: ")
		if err != nil {
			return "", false, err
		}
		if again != pw {
			fmt.Fprintln(p.env.Stderr, "the two passwords differ; again")
			continue
		}
		return pw, true, nil
	}
	return "", false, activation.Errorf(activation.EPOLICY, "no acceptable new password after 3 tries")
}

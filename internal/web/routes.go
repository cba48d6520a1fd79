package web

import (
	"net/http"
)

// routes is every address the site answers, in one table. The activation
// pages live under the path printed on the SCOL'PASS sheet (a), the emailed
// links under the verify prefix (v).
func (s *Server) routes() http.Handler {
	a, v := s.opt.ActivationPath, s.opt.VerifyPath
	mux := http.NewServeMux()

	mux.HandleFunc("GET /{$}", s.rootShow)                                    // → the activation page
	mux.HandleFunc("GET "+a, s.activationShow)                                // the step the account is at (steps 1-2 without a session)
	mux.HandleFunc("POST "+a+"/login", s.limit(s.login, s.loginSubmit))       // steps 1-2
	mux.HandleFunc("POST "+a+"/recovery", s.limit(s.links, s.recoverySubmit)) // step 3 (sends step 4's link)
	mux.HandleFunc("POST "+a+"/resend", s.limit(s.links, s.resendSubmit))     // step 4 / 6-2: send the link again
	mux.HandleFunc("GET "+a+"/charter", s.charterShow)                        // step 5: the charter's text
	mux.HandleFunc("POST "+a+"/charter", s.charterSubmit)                     // step 5
	mux.HandleFunc("POST "+a+"/mailbox", s.limit(s.links, s.mailboxSubmit))   // step 6-1 (may send 6-2's link)
	mux.HandleFunc("POST "+a+"/password", s.passwordSubmit)                   // step 7 → 8
	mux.HandleFunc("POST "+a+"/logout", s.logoutSubmit)                       // leave
	mux.HandleFunc("GET "+v+"/{token}", s.verifyShow)                         // an emailed link: says what it confirms, changes nothing
	mux.HandleFunc("POST "+v+"/{token}", s.verifySubmit)                      // the button: follows the link

	// After the activation (recovery.go): lost password, its link, lost login, change of password.
	mux.HandleFunc("GET "+a+"/forgot-password", s.forgotPasswordShow)
	mux.HandleFunc("POST "+a+"/forgot-password", s.limit(s.links, s.forgotPasswordSubmit))
	mux.HandleFunc("GET "+s.resetPath()+"/{token}", s.resetShow)
	mux.HandleFunc("POST "+s.resetPath()+"/{token}", s.limit(s.login, s.resetSubmit))
	mux.HandleFunc("GET "+a+"/forgot-login", s.forgotLoginShow)
	mux.HandleFunc("POST "+a+"/forgot-login", s.limit(s.links, s.forgotLoginSubmit))
	mux.HandleFunc("GET "+a+"/change-password", s.passwordChangeShow)
	mux.HandleFunc("POST "+a+"/change-password", s.limit(s.login, s.passwordChangeSubmit))

	mux.HandleFunc("GET /privacy", s.privacyShow)             // "Données personnelles": what is kept, how long, the rights
	mux.HandleFunc("GET /accessibility", s.accessibilityShow) // the RGAA declaration
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /static/", http.StripPrefix("/static/", s.staticHandler()))

	return s.middleware(mux)
}

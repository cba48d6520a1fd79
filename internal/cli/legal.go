package cli

import (
	"strings"
	"time"

	"github.com/umontpellier/scolpass/internal/web"
)

// legal reads what the personal-data and accessibility pages say (serve):
// the controller, the DPO, the retention settings, the RGAA status and
// the directory of the university's own texts.
func (env *Env) legal() (*web.Legal, error) {
	l := web.DefaultLegal()
	ret, err := env.retention()
	if err != nil {
		return nil, err
	}
	l.Retention = ret
	for name, dst := range map[string]*string{
		"SCOLPASS_CONTROLLER_NAME":    &l.Controller,
		"SCOLPASS_CONTROLLER_CONTACT": &l.Contact,
		"SCOLPASS_DPO_EMAIL":          &l.DPOEmail,
		"SCOLPASS_PAGES_DIR":          &l.PagesDir,
		"SCOLPASS_A11Y_STATUS":        &l.A11yStatus,
		"SCOLPASS_A11Y_DATE":          &l.A11yDate,
	} {
		if v := strings.TrimSpace(env.Getenv(name)); v != "" {
			*dst = v
		}
	}
	switch l.A11yStatus {
	case "full", "partial", "none":
	default:
		return nil, usagef("SCOLPASS_A11Y_STATUS=%q must be full, partial or none", l.A11yStatus)
	}
	if _, err := time.Parse("2006-01-02", l.A11yDate); err != nil {
		return nil, usagef("SCOLPASS_A11Y_DATE=%q must be a date such as 2026-12-05", l.A11yDate)
	}
	if !strings.Contains(l.DPOEmail, "@") {
		return nil, usagef("SCOLPASS_DPO_EMAIL=%q is not an email address", l.DPOEmail)
	}
	return &l, nil
}

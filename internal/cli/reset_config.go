package cli

import (
	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/directory"
)

// passwordChecker is the directory's word on a student's current password
// ("change my password" binds as the student) when a directory is
// configured (SCOLPASS_LDAP_URL), else nil: the stored hash decides.
func (env *Env) passwordChecker(cfg activation.Config) (activation.PasswordChecker, error) {
	if !cfg.Provision {
		return nil, nil
	}
	dir, err := env.directoryConfig()
	if err != nil {
		return nil, err
	}
	c, err := directory.NewPasswordChecker(*dir)
	if err != nil {
		return nil, err
	}
	return c.Check, nil
}

DROP INDEX IF EXISTS audit_events_password_idx;
DROP INDEX IF EXISTS students_recovery_email_idx;
DELETE FROM provision_jobs WHERE reason IN ('password', 'revoked');
ALTER TABLE provision_jobs DROP CONSTRAINT provision_jobs_reason_check,
    ADD CONSTRAINT provision_jobs_reason_check CHECK (reason IN ('activated', 'redirect', 'requeued'));
DELETE FROM tokens WHERE purpose = 'reset';
ALTER TABLE tokens DROP CONSTRAINT tokens_purpose_check,
    ADD CONSTRAINT tokens_purpose_check CHECK (purpose IN ('recovery', 'redirect'));

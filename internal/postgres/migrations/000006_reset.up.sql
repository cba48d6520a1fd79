-- After the activation (README "After activation"): lost-password links
-- live in tokens (purpose 'reset', one hour), a changed password and a
-- re-issued account reach the directory through provision_jobs, and the
-- lost-login form finds accounts by their recovery address.
ALTER TABLE tokens DROP CONSTRAINT tokens_purpose_check,
    ADD CONSTRAINT tokens_purpose_check CHECK (purpose IN ('recovery', 'redirect', 'reset'));
ALTER TABLE provision_jobs DROP CONSTRAINT provision_jobs_reason_check,
    ADD CONSTRAINT provision_jobs_reason_check CHECK (reason IN ('activated', 'redirect', 'requeued', 'password', 'revoked'));
CREATE INDEX students_recovery_email_idx ON students (lower(recovery_email)) WHERE recovery_email IS NOT NULL;
-- report counts the password resets of a period.
CREATE INDEX audit_events_password_idx ON audit_events (at)
    WHERE action IN ('password-reset', 'password-change') AND outcome = 'ok';

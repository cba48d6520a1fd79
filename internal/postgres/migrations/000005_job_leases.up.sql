-- One job queue (README "Mail" and "Directory"): the outbox and the
-- provisioning jobs are claimed with a lease, in a short transaction
-- committed before any SMTP or LDAP exchange; the outcome is recorded in a
-- second one. A worker that dies leaves a lease that runs out, and another
-- worker claims the job again.
ALTER TABLE outbox ADD COLUMN leased_until timestamptz;
ALTER TABLE provision_jobs ADD COLUMN leased_until timestamptz;

-- An email's body carries its link: it is stored encrypted (AES-256-GCM,
-- "enc1:" prefix) and cleared on every terminal state, refusals included.
UPDATE outbox SET body = NULL WHERE failed_at IS NOT NULL;
ALTER TABLE outbox ADD CONSTRAINT outbox_failed_body_cleared CHECK (failed_at IS NULL OR body IS NULL);
DROP INDEX outbox_pending_idx;
CREATE INDEX outbox_due_idx ON outbox (next_attempt_at, id) WHERE sent_at IS NULL AND failed_at IS NULL;

-- The key of the bodies when SCOLPASS_OUTBOX_KEY is not set: made here by
-- the server (no statement or parameter carries it), read by each process.
-- It keeps links out of the statement log and of a dump of the outbox; a
-- dump of the whole database holds it, SCOLPASS_OUTBOX_KEY does not.
CREATE TABLE outbox_key (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    key bytea NOT NULL CHECK (length(key) = 32)
);
INSERT INTO outbox_key (key)
    SELECT sha256(convert_to(gen_random_uuid()::text || gen_random_uuid()::text || gen_random_uuid()::text, 'UTF8'));

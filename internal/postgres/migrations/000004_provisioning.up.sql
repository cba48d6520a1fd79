-- Directory (LDAP) provisioning jobs (README "Directory"): written in the
-- same transaction as the step that activates an account or changes the
-- redirect of an active one, applied after commit by `scolpass provision
-- run` (or right away by the command, best effort), retried with a growing
-- delay while the directory is down. A job carries no password: the runner
-- reads the account (its argon2id hash, addresses, charter) when it applies
-- the job.
CREATE TABLE provision_jobs (
    id              bigserial PRIMARY KEY,
    student_id      bigint NOT NULL REFERENCES students (id) ON DELETE CASCADE,
    reason          text NOT NULL CHECK (reason IN ('activated', 'redirect', 'requeued')),
    created_at      timestamptz NOT NULL,
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    last_error      text,
    dn              text,           -- the entry written, once known
    done_at         timestamptz,
    failed_at       timestamptz,    -- given up: the directory refused it for good
    CHECK (done_at IS NULL OR failed_at IS NULL)
);
CREATE INDEX provision_jobs_due_idx ON provision_jobs (next_attempt_at, id)
    WHERE done_at IS NULL AND failed_at IS NULL;
CREATE INDEX provision_jobs_student_idx ON provision_jobs (student_id, id);

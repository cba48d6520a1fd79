-- The student web site (scolpass serve): audit events of channel 'web' and
-- browser sessions that stand for steps 1-2.
ALTER TABLE audit_events DROP CONSTRAINT audit_events_channel_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_channel_check
    CHECK (channel IN ('bulk', 'helpdesk', 'script', 'web'));

-- A session is opened by steps 1-2 on the site. The browser holds a random
-- secret; only its SHA-256 is stored. The rules of its lifetime (idle
-- timeout, absolute lifetime) live in internal/activation.
CREATE TABLE web_sessions (
    id           bigserial PRIMARY KEY,
    student_id   bigint NOT NULL REFERENCES students (id) ON DELETE CASCADE,
    secret_hash  bytea NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    ended_at     timestamptz,
    end_reason   text            -- 'replaced', 'logout', 'activated', 'reset', 'expired'
);
CREATE INDEX web_sessions_live_idx ON web_sessions (student_id) WHERE ended_at IS NULL;

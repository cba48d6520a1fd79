-- scolpass schema: the whole SCOL'PASS life cycle (SPEC §2).

-- A student and the state of their account are one row: the account is
-- 1:1 with the student, and a bulk import then writes each student once.
CREATE TABLE students (
    id          bigserial PRIMARY KEY,
    student_no  text NOT NULL UNIQUE CHECK (student_no ~ '^[A-Za-z0-9]{1,20}$'),
    last_name   text NOT NULL CHECK (last_name <> ''),
    first_name  text NOT NULL CHECK (first_name <> ''),
    birth_date  date,
    program     text NOT NULL DEFAULT '',
    component   text NOT NULL DEFAULT '',
    year        text NOT NULL DEFAULT '',
    ine         text NOT NULL DEFAULT '',
    email       text NOT NULL DEFAULT '',
    -- The login is derived once at import and never changes: login_base is
    -- "prenom.nom", login_seq the homonym number (1 = no suffix).
    login_base  text NOT NULL CHECK (login_base ~ '^[a-z-]+\.[a-z-]+$'),
    login_seq   integer NOT NULL CHECK (login_seq >= 1),
    login       text NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,

    -- The account: where the student is in the activation guide.
    state               text NOT NULL DEFAULT 'imported' CHECK (state IN (
                            'imported', 'issued', 'authenticated', 'recovery_pending',
                            'recovery_verified', 'charter_accepted', 'redirect_pending',
                            'mailbox_ready', 'active')),
    state_since         timestamptz NOT NULL,
    version             bigint NOT NULL DEFAULT 0,   -- bumped by every change (conflicts)
    failed_attempts     integer NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
    locked_until        timestamptz,
    recovery_email      text,
    redirect_to         text,
    keep_copy           boolean NOT NULL DEFAULT false,
    charter_version     text,
    charter_accepted_at timestamptz,
    password_hash       text,                        -- argon2id, PHC string
    password_set_at     timestamptz,
    activated_at        timestamptz,

    -- (login_base, login_seq) is unique through login: the CHECK below
    -- ties them, and bases hold no digits. No more indexes than needed: a
    -- 100,000-row import pays for each one.
    CHECK (login = login_base || CASE WHEN login_seq = 1 THEN '' ELSE login_seq::text END),
    CHECK (state <> 'active' OR password_hash IS NOT NULL)
);
-- No index on state or state_since: reports read every row anyway (a
-- sequential scan of 100,000 rows takes milliseconds), and every index slows
-- the bulk import down.

-- The account columns under their own name, for people who query by hand
-- (a simple view: it can be updated too).
CREATE VIEW accounts AS
SELECT id AS student_id, state, state_since, version, failed_attempts, locked_until, recovery_email,
       redirect_to, keep_copy, charter_version, charter_accepted_at, password_hash, password_set_at,
       activated_at
FROM students;

-- Provisional credentials: one per account at most; a new SCOL'PASS replaces
-- the previous one, which then stops working.
CREATE TABLE provisional_credentials (
    student_id  bigint PRIMARY KEY REFERENCES students (id) ON DELETE CASCADE,
    hash        text NOT NULL,
    issued_at   timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL CHECK (expires_at > issued_at),
    used_at     timestamptz,
    batch       text NOT NULL
);

-- Emailed links (step 4 and 6-2). Only the SHA-256 of the token is stored.
CREATE TABLE tokens (
    id          bigserial PRIMARY KEY,
    student_id  bigint NOT NULL REFERENCES students (id) ON DELETE CASCADE,
    purpose     text NOT NULL CHECK (purpose IN ('recovery', 'redirect')),
    token_hash  bytea NOT NULL UNIQUE,
    email       text NOT NULL,
    keep_copy   boolean NOT NULL DEFAULT false,
    issued_at   timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    revoked_at  timestamptz
);
CREATE INDEX tokens_student_idx ON tokens (student_id, issued_at);
-- The pending link of an account (report --stuck, a paused activation).
CREATE INDEX tokens_live_idx ON tokens (student_id, issued_at DESC) INCLUDE (email, expires_at)
    WHERE used_at IS NULL AND revoked_at IS NULL;

CREATE TABLE charters (
    version      text PRIMARY KEY,
    published_at timestamptz NOT NULL,
    digest       text NOT NULL
);

CREATE TABLE outbox (
    id              bigserial PRIMARY KEY,
    student_id      bigint REFERENCES students (id) ON DELETE SET NULL,
    kind            text NOT NULL,
    to_addr         text NOT NULL,
    subject         text NOT NULL,
    body            text,           -- cleared once delivered (it may carry a link)
    created_at      timestamptz NOT NULL,
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    last_error      text,
    sent_at         timestamptz,
    failed_at       timestamptz,    -- given up: the server refused it for good
    CHECK (sent_at IS NULL OR body IS NULL)
);
CREATE INDEX outbox_pending_idx ON outbox (next_attempt_at) WHERE sent_at IS NULL;

CREATE TABLE audit_events (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL,
    clock       text NOT NULL DEFAULT 'system',  -- 'system' or 'SCOLPASS_NOW=<value>'
    operator    text NOT NULL,
    channel     text NOT NULL CHECK (channel IN ('bulk', 'helpdesk', 'script')),
    -- No foreign key: the trail outlives what it describes, and a bulk
    -- import writes 100,000 events without 100,000 key checks.
    student_id  bigint,
    action      text NOT NULL,
    from_state  text,
    to_state    text,
    outcome     text NOT NULL,
    detail      text NOT NULL DEFAULT ''
);
CREATE INDEX audit_events_student_idx ON audit_events (student_id, id);

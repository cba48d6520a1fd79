-- Personal data (README "Personal data"): what scolpass needs to keep its
-- retention promises and to answer a DPO.

-- When a student was last in an imported file. NULL: not seen since the
-- import that created them (created_at). scolpass purge removes the
-- never-activated students unseen for SCOLPASS_RETAIN_UNSEEN.
ALTER TABLE students ADD COLUMN last_seen_at timestamptz;

-- The address of the device behind a web event (the students' site);
-- NULL for the commands. Kept as long as the event (SCOLPASS_RETAIN_AUDIT).
ALTER TABLE audit_events ADD COLUMN client_addr inet;

-- scolpass audit reads a time range in (at, id) order, and purge deletes
-- from the oldest: both walk this index. Events are written in time order,
-- so it grows at its right edge.
CREATE INDEX audit_events_at_idx ON audit_events (at, id);

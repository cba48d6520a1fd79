DROP INDEX IF EXISTS audit_events_at_idx;
ALTER TABLE audit_events DROP COLUMN IF EXISTS client_addr;
ALTER TABLE students DROP COLUMN IF EXISTS last_seen_at;

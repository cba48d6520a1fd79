DROP TABLE outbox_key;
DROP INDEX outbox_due_idx;
CREATE INDEX outbox_pending_idx ON outbox (next_attempt_at) WHERE sent_at IS NULL;
ALTER TABLE outbox DROP CONSTRAINT outbox_failed_body_cleared;
ALTER TABLE provision_jobs DROP COLUMN leased_until;
ALTER TABLE outbox DROP COLUMN leased_until;

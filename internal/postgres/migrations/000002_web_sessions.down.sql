DROP TABLE web_sessions;
DELETE FROM audit_events WHERE channel = 'web';
ALTER TABLE audit_events DROP CONSTRAINT audit_events_channel_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_channel_check
    CHECK (channel IN ('bulk', 'helpdesk', 'script'));

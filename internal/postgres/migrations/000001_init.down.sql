DROP VIEW IF EXISTS accounts;
DROP TABLE IF EXISTS audit_events, outbox, charters, tokens, provisional_credentials, students;

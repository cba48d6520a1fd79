DROP TABLE IF EXISTS audit_events, outbox, charters, tokens, provisional_credentials, accounts, students;

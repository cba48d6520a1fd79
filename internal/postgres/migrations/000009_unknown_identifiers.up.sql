-- Steps 1-2 tried with an identifier no account has. A wrong password
-- counts a failure on the student's row; an unknown identifier counts one
-- here, so that both answers cost the same write (the timing tells nothing,
-- issue of the site's hostile review). The identifier itself is never kept:
-- the failures are spread over 256 rows by one byte of its SHA-256, so no
-- row is hot and no row names anyone. An operator sees guessing as a whole.
CREATE TABLE unknown_identifier_failures (
    bucket         smallint PRIMARY KEY CHECK (bucket BETWEEN 0 AND 255),
    failures       bigint NOT NULL,
    last_failed_at timestamptz NOT NULL
);

-- report --stuck lists the accounts, not active, whose state has not
-- changed since a given time, oldest first. It may read students, but
-- through this index: only the accounts not yet active are in it, so
-- that at the end of a year, when nearly every account is active, the
-- list costs what it lists, not what the university holds (a sequential
-- scan of 1,000,000 students took 0.39 s for 10,000 listed; README
-- "Performance"). state_since alone: an import adds its students with one
-- time, each after the last (the B-tree appends and deduplicates them),
-- and the list's second order, the login, is sorted within a time.
CREATE INDEX students_stuck_idx ON students (state_since) WHERE state <> 'active';

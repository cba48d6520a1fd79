-- report reads per-group counts, not students: student_counts holds signed
-- changes of the number of students per (program, component, year, state),
-- written by statement triggers on students in the transaction that makes
-- the change (import, issue, every step, reset, purge, a hand-made UPDATE).
--
-- The triggers only append rows: two transactions changing students of the
-- same group never wait for each other on a counter row. report sums the
-- rows per group and, when there are many more rows than groups, folds them
-- back into one row per group (postgres.(*DB).Report).
CREATE TABLE student_counts (
    program   text NOT NULL,
    component text NOT NULL,
    year      text NOT NULL,
    state     text NOT NULL,
    n         bigint NOT NULL
);

INSERT INTO student_counts (program, component, year, state, n)
SELECT program, component, year, state, count(*) FROM students GROUP BY 1, 2, 3, 4;

CREATE FUNCTION student_counts_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO student_counts (program, component, year, state, n)
    SELECT program, component, year, state, count(*) FROM new_rows GROUP BY 1, 2, 3, 4;
    RETURN NULL;
END $$;

-- An UPDATE counts -1 for each old row and +1 for each new one; groups
-- whose sum is zero (the rows that stayed in their group: most updates)
-- write nothing.
CREATE FUNCTION student_counts_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO student_counts (program, component, year, state, n)
    SELECT program, component, year, state, sum(n) FROM (
        SELECT program, component, year, state, -1 AS n FROM old_rows
        UNION ALL
        SELECT program, component, year, state, 1 FROM new_rows
    ) d GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0;
    RETURN NULL;
END $$;

CREATE FUNCTION student_counts_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO student_counts (program, component, year, state, n)
    SELECT program, component, year, state, -count(*) FROM old_rows GROUP BY 1, 2, 3, 4;
    RETURN NULL;
END $$;

CREATE FUNCTION student_counts_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM student_counts;
    RETURN NULL;
END $$;

CREATE TRIGGER student_counts_insert AFTER INSERT ON students
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION student_counts_insert();
CREATE TRIGGER student_counts_update AFTER UPDATE ON students
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION student_counts_update();
CREATE TRIGGER student_counts_delete AFTER DELETE ON students
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION student_counts_delete();
CREATE TRIGGER student_counts_truncate AFTER TRUNCATE ON students
    FOR EACH STATEMENT EXECUTE FUNCTION student_counts_truncate();

-- The accounts locked now (report's "locked"): only rows that were ever
-- locked are in the index, so an import adds nothing to it.
CREATE INDEX students_locked_idx ON students (locked_until) WHERE locked_until IS NOT NULL;

ALTER TABLE students DROP CONSTRAINT students_student_no_check,
    ADD CONSTRAINT students_student_no_check CHECK (student_no ~ '^[A-Za-z0-9]{1,20}$');

ALTER TABLE students
    ALTER COLUMN student_no TYPE text COLLATE "default",
    ALTER COLUMN login_base TYPE text COLLATE "default",
    ALTER COLUMN login TYPE text COLLATE "default";

ALTER TABLE students ADD CONSTRAINT students_check
    CHECK (login = login_base || CASE WHEN login_seq = 1 THEN '' ELSE login_seq::text END);

ALTER TABLE students
    ALTER COLUMN student_no TYPE text COLLATE "default",
    ALTER COLUMN login_base TYPE text COLLATE "default",
    ALTER COLUMN login TYPE text COLLATE "default";

ALTER TABLE students ADD CONSTRAINT students_check
    CHECK (login = login_base || CASE WHEN login_seq = 1 THEN '' ELSE login_seq::text END);

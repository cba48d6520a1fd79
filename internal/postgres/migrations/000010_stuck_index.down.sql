DROP INDEX students_stuck_idx;

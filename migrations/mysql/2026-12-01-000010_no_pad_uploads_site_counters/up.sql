-- The uploads table (2026-12-01-000004) was created with utf8mb4_bin, which is PAD SPACE: its
-- object keys compared as if padded with spaces, so 'k' = 'k ' held, unlike on SQLite and
-- PostgreSQL. site_counters (2026-11-30-000002) was created with the server's default collation
-- (utf8mb4_general_ci on MariaDB): it has no text column today, but one added later would
-- inherit it. Every table compares exactly, with a NO PAD binary collation (see
-- 2026-11-30-000001_no_pad_identifiers, whose approach this repeats): MariaDB's
-- utf8mb4_nopad_bin or MySQL's utf8mb4_0900_bin, whichever the server has. MySQL only: the other
-- backends compare bytes already.
SET @conduit_collation = (
    SELECT MIN(COLLATION_NAME) FROM information_schema.COLLATIONS
    WHERE COLLATION_NAME IN ('utf8mb4_nopad_bin', 'utf8mb4_0900_bin')
);

SET @conduit_statement = COALESCE(
    CONCAT('ALTER TABLE uploads CONVERT TO CHARACTER SET utf8mb4 COLLATE ', @conduit_collation),
    'Conduit needs MariaDB 10.2 or later, or MySQL 8.0 or later (a NO PAD binary collation)'
);
PREPARE conduit_alter FROM @conduit_statement;
EXECUTE conduit_alter;
DEALLOCATE PREPARE conduit_alter;

SET @conduit_statement = COALESCE(
    CONCAT('ALTER TABLE site_counters CONVERT TO CHARACTER SET utf8mb4 COLLATE ', @conduit_collation),
    'Conduit needs MariaDB 10.2 or later, or MySQL 8.0 or later (a NO PAD binary collation)'
);
PREPARE conduit_alter FROM @conduit_statement;
EXECUTE conduit_alter;
DEALLOCATE PREPARE conduit_alter;

-- Usernames, emails, slugs and tag names compare exactly, as on SQLite and PostgreSQL.
-- utf8mb4_bin is PAD SPACE: it compares as if the shorter string were padded with spaces, so
-- 'alice' = 'alice ' was true, and /api/profiles/alice%20 found alice, ?tag=rust%20 matched rust.
-- A NO PAD binary collation compares the bytes and nothing else. Changing the columns' collation
-- (rather than writing BINARY col = ? into each query) fixes every comparison at once, the
-- unique constraints included, and keeps `col = ?` able to use the indexes: a parameter takes
-- the column's collation, whereas BINARY col wraps the column in a conversion that no index
-- covers.
--
-- MariaDB (10.2+) calls the collation utf8mb4_nopad_bin and MySQL (8.0+) utf8mb4_0900_bin; no
-- name exists on both, so each statement is built for the server at hand. On a server with
-- neither, the statement is the message below, which fails to parse and names the requirement.
SET @conduit_collation = (
    SELECT MIN(COLLATION_NAME) FROM information_schema.COLLATIONS
    WHERE COLLATION_NAME IN ('utf8mb4_nopad_bin', 'utf8mb4_0900_bin')
);

SET @conduit_statement = COALESCE(
    CONCAT('ALTER TABLE users CONVERT TO CHARACTER SET utf8mb4 COLLATE ', @conduit_collation),
    'Conduit needs MariaDB 10.2 or later, or MySQL 8.0 or later (a NO PAD binary collation)'
);
PREPARE conduit_alter FROM @conduit_statement;
EXECUTE conduit_alter;
DEALLOCATE PREPARE conduit_alter;

SET @conduit_statement = COALESCE(
    CONCAT('ALTER TABLE follows CONVERT TO CHARACTER SET utf8mb4 COLLATE ', @conduit_collation),
    'Conduit needs MariaDB 10.2 or later, or MySQL 8.0 or later (a NO PAD binary collation)'
);
PREPARE conduit_alter FROM @conduit_statement;
EXECUTE conduit_alter;
DEALLOCATE PREPARE conduit_alter;

SET @conduit_statement = COALESCE(
    CONCAT('ALTER TABLE articles CONVERT TO CHARACTER SET utf8mb4 COLLATE ', @conduit_collation),
    'Conduit needs MariaDB 10.2 or later, or MySQL 8.0 or later (a NO PAD binary collation)'
);
PREPARE conduit_alter FROM @conduit_statement;
EXECUTE conduit_alter;
DEALLOCATE PREPARE conduit_alter;

SET @conduit_statement = COALESCE(
    CONCAT('ALTER TABLE tags CONVERT TO CHARACTER SET utf8mb4 COLLATE ', @conduit_collation),
    'Conduit needs MariaDB 10.2 or later, or MySQL 8.0 or later (a NO PAD binary collation)'
);
PREPARE conduit_alter FROM @conduit_statement;
EXECUTE conduit_alter;
DEALLOCATE PREPARE conduit_alter;

SET @conduit_statement = COALESCE(
    CONCAT('ALTER TABLE article_tags CONVERT TO CHARACTER SET utf8mb4 COLLATE ', @conduit_collation),
    'Conduit needs MariaDB 10.2 or later, or MySQL 8.0 or later (a NO PAD binary collation)'
);
PREPARE conduit_alter FROM @conduit_statement;
EXECUTE conduit_alter;
DEALLOCATE PREPARE conduit_alter;

SET @conduit_statement = COALESCE(
    CONCAT('ALTER TABLE favorites CONVERT TO CHARACTER SET utf8mb4 COLLATE ', @conduit_collation),
    'Conduit needs MariaDB 10.2 or later, or MySQL 8.0 or later (a NO PAD binary collation)'
);
PREPARE conduit_alter FROM @conduit_statement;
EXECUTE conduit_alter;
DEALLOCATE PREPARE conduit_alter;

SET @conduit_statement = COALESCE(
    CONCAT('ALTER TABLE comments CONVERT TO CHARACTER SET utf8mb4 COLLATE ', @conduit_collation),
    'Conduit needs MariaDB 10.2 or later, or MySQL 8.0 or later (a NO PAD binary collation)'
);
PREPARE conduit_alter FROM @conduit_statement;
EXECUTE conduit_alter;
DEALLOCATE PREPARE conduit_alter;

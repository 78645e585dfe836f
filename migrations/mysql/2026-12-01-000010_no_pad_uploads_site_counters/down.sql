-- Back to the PAD SPACE collation the uploads table was created with. site_counters keeps its
-- NO PAD default: it has no text column, so no comparison depends on it, and the collation it
-- was created with was whatever the server's default then was.
ALTER TABLE uploads CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;

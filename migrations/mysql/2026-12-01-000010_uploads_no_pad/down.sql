-- Back to the PAD SPACE collation the uploads table was created with.
ALTER TABLE uploads CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;

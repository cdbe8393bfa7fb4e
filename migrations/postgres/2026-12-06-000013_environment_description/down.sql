-- Back to a description that is never null ("" for none).
UPDATE environments SET description = '' WHERE description IS NULL;
ALTER TABLE environments ALTER COLUMN description SET NOT NULL;

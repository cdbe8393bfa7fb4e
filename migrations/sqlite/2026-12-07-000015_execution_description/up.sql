-- An execution's description is kept as given, as Mistral keeps it: null
-- (a start with `description: null`) or any text, "" included. SQLite
-- cannot drop a NOT NULL: the column is made anew (it is not indexed).
ALTER TABLE workflow_executions ADD COLUMN description_kept TEXT;
UPDATE workflow_executions SET description_kept = description;
ALTER TABLE workflow_executions DROP COLUMN description;
ALTER TABLE workflow_executions RENAME COLUMN description_kept TO description;

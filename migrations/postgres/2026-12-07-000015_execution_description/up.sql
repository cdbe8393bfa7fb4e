-- An execution's description is kept as given, as Mistral keeps it: null
-- (a start with `description: null`) or any text, "" included.
ALTER TABLE workflow_executions ALTER COLUMN description DROP NOT NULL;

-- Back to a description that is never null ("" for none).
UPDATE workflow_executions SET description = '' WHERE description IS NULL;
ALTER TABLE workflow_executions ALTER COLUMN description SET NOT NULL;

-- Back to a description that is never null ("" for none).
ALTER TABLE workflow_executions ADD COLUMN description_text TEXT NOT NULL DEFAULT '';
UPDATE workflow_executions SET description_text = COALESCE(description, '');
ALTER TABLE workflow_executions DROP COLUMN description;
ALTER TABLE workflow_executions RENAME COLUMN description_text TO description;

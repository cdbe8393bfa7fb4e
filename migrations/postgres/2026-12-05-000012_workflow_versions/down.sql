DROP INDEX workflow_executions_spec_id;
ALTER TABLE workflow_executions ADD COLUMN spec TEXT NOT NULL DEFAULT '{}';
UPDATE workflow_executions SET spec = COALESCE(
    (SELECT v.spec FROM workflow_versions v WHERE v.id = workflow_executions.spec_id), '{}');
ALTER TABLE workflow_executions DROP COLUMN spec_id;
DROP TABLE workflow_versions;

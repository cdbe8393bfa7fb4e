-- Retention reads finished top-level executions by when they were last
-- updated; sub-executions go with their root.
CREATE INDEX workflow_executions_root_updated_at ON workflow_executions (updated_at)
    WHERE task_execution_id IS NULL;

CREATE INDEX task_executions_state ON task_executions (state);
CREATE INDEX task_executions_workflow_name ON task_executions (workflow_name);
CREATE INDEX action_executions_state ON action_executions (state);
CREATE INDEX action_executions_name ON action_executions (name);

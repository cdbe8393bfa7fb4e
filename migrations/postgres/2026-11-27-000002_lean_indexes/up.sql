-- Task and action execution rows are rewritten at every state change; these
-- indexes cost each rewrite and serve only rare unscoped list filters.
DROP INDEX task_executions_state;
DROP INDEX task_executions_workflow_name;
DROP INDEX action_executions_state;
DROP INDEX action_executions_name;

DROP TABLE action_executions;
DROP TABLE task_executions;
DROP TABLE workflow_executions;
DROP TABLE workflow_definitions;

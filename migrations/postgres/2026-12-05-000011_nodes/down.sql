DROP INDEX action_executions_node;
ALTER TABLE action_executions DROP COLUMN node_id;
DROP INDEX workflow_executions_node;
ALTER TABLE workflow_executions DROP COLUMN node_id;
DROP TABLE nodes;

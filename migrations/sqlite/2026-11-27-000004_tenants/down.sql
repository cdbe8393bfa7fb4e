DROP INDEX workflow_executions_project_id;
DROP INDEX workflow_definitions_name_namespace_project;
CREATE UNIQUE INDEX workflow_definitions_name_namespace ON workflow_definitions (name, namespace);

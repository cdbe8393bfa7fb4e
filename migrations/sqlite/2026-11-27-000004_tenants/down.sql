DROP INDEX workflow_executions_project_id;
DROP INDEX action_definitions_name_namespace_project;
CREATE UNIQUE INDEX action_definitions_name_namespace ON action_definitions (name, namespace);
DROP INDEX workbooks_name_namespace_project;
CREATE UNIQUE INDEX workbooks_name_namespace ON workbooks (name, namespace);
DROP INDEX workflow_definitions_name_namespace_project;
CREATE UNIQUE INDEX workflow_definitions_name_namespace ON workflow_definitions (name, namespace);

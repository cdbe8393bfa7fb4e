-- Names are unique per project: two tenants may each have a workflow (a
-- workbook, an ad-hoc action) called "deploy". Environments already are
-- (name, project_id).
DROP INDEX workflow_definitions_name_namespace;
CREATE UNIQUE INDEX workflow_definitions_name_namespace_project
    ON workflow_definitions (name, namespace, project_id);
DROP INDEX workbooks_name_namespace;
CREATE UNIQUE INDEX workbooks_name_namespace_project
    ON workbooks (name, namespace, project_id);
DROP INDEX action_definitions_name_namespace;
CREATE UNIQUE INDEX action_definitions_name_namespace_project
    ON action_definitions (name, namespace, project_id);
CREATE INDEX workflow_executions_project_id ON workflow_executions (project_id);

-- A project's list of executions in creation order reads its first page
-- from one index: with (project_id) alone the planner found every row of
-- the project and sorted them all before it could return 100.
DROP INDEX workflow_executions_project_id;
CREATE INDEX workflow_executions_project_created
    ON workflow_executions (project_id, created_at, id);

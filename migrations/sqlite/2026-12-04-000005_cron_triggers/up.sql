-- Cron triggers (Mistral's cron_triggers_v2). The row is also the claim:
-- a firing advances next_execution_time (or deletes the row) with
-- "WHERE id = ? AND next_execution_time = <the time it read>", in the same
-- transaction that records the execution it starts, so a firing is never
-- lost and never doubled, and of several nodes only one wins it.
CREATE TABLE cron_triggers (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    pattern TEXT NOT NULL,
    first_execution_time TIMESTAMP,
    next_execution_time TIMESTAMP NOT NULL,
    remaining_executions INTEGER,
    workflow_name TEXT NOT NULL,
    workflow_id TEXT NOT NULL,
    workflow_namespace TEXT NOT NULL,
    workflow_input TEXT NOT NULL,
    workflow_params TEXT NOT NULL,
    timezone TEXT,
    catch_up TEXT,
    scope TEXT NOT NULL,
    project_id TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP
);
CREATE UNIQUE INDEX cron_triggers_name_project ON cron_triggers (name, project_id);
CREATE INDEX cron_triggers_next_execution_time ON cron_triggers (next_execution_time);
CREATE INDEX cron_triggers_workflow_id ON cron_triggers (workflow_id);
CREATE INDEX cron_triggers_created_at ON cron_triggers (created_at);

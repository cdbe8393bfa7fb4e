-- bora's tables (postgres). Ids are text uuids, states Mistral's spellings,
-- JSON values and tag lists serialized text, timestamps UTC without zone.

CREATE TABLE workflow_definitions (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    namespace TEXT NOT NULL,
    definition TEXT NOT NULL,
    spec TEXT NOT NULL,
    input TEXT NOT NULL,
    interface TEXT NOT NULL,
    checksum TEXT NOT NULL,
    tags TEXT NOT NULL,
    scope TEXT NOT NULL,
    project_id TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP
);
CREATE UNIQUE INDEX workflow_definitions_name_namespace ON workflow_definitions (name, namespace);
CREATE INDEX workflow_definitions_created_at ON workflow_definitions (created_at);

CREATE TABLE workflow_executions (
    id TEXT PRIMARY KEY NOT NULL,
    workflow_id TEXT NOT NULL,
    workflow_name TEXT NOT NULL,
    workflow_namespace TEXT NOT NULL,
    description TEXT NOT NULL,
    tags TEXT NOT NULL,
    spec TEXT NOT NULL,
    params TEXT NOT NULL,
    task_execution_id TEXT,
    root_execution_id TEXT,
    source_execution_id TEXT,
    state TEXT NOT NULL,
    state_info TEXT,
    input TEXT NOT NULL,
    output TEXT NOT NULL,
    context TEXT NOT NULL,
    project_id TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP
);
CREATE INDEX workflow_executions_state ON workflow_executions (state);
CREATE INDEX workflow_executions_created_at ON workflow_executions (created_at);
CREATE INDEX workflow_executions_workflow_name ON workflow_executions (workflow_name);
CREATE INDEX workflow_executions_workflow_id ON workflow_executions (workflow_id);
CREATE INDEX workflow_executions_task_execution_id ON workflow_executions (task_execution_id);
CREATE INDEX workflow_executions_root_execution_id ON workflow_executions (root_execution_id);

CREATE TABLE task_executions (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    execution_id TEXT NOT NULL REFERENCES workflow_executions (id) ON DELETE CASCADE,
    workflow_name TEXT NOT NULL,
    workflow_namespace TEXT NOT NULL,
    workflow_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    tags TEXT NOT NULL,
    state TEXT NOT NULL,
    state_info TEXT,
    runtime_context TEXT NOT NULL,
    in_context TEXT NOT NULL,
    published TEXT NOT NULL,
    result TEXT NOT NULL,
    processed BOOLEAN NOT NULL,
    error_handled BOOLEAN NOT NULL,
    project_id TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP,
    started_at TIMESTAMP,
    finished_at TIMESTAMP
);
CREATE INDEX task_executions_execution_id ON task_executions (execution_id);
CREATE INDEX task_executions_state ON task_executions (state);
CREATE INDEX task_executions_created_at ON task_executions (created_at);
CREATE INDEX task_executions_workflow_name ON task_executions (workflow_name);

CREATE TABLE action_executions (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    task_execution_id TEXT REFERENCES task_executions (id) ON DELETE CASCADE,
    execution_id TEXT REFERENCES workflow_executions (id) ON DELETE CASCADE,
    workflow_name TEXT,
    workflow_namespace TEXT,
    task_name TEXT,
    description TEXT NOT NULL,
    tags TEXT NOT NULL,
    state TEXT NOT NULL,
    state_info TEXT,
    accepted BOOLEAN NOT NULL,
    input TEXT NOT NULL,
    output TEXT NOT NULL,
    params TEXT NOT NULL,
    attempt BIGINT NOT NULL,
    item_index INTEGER,
    project_id TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP
);
CREATE INDEX action_executions_task_execution_id ON action_executions (task_execution_id);
CREATE INDEX action_executions_execution_id ON action_executions (execution_id);
CREATE INDEX action_executions_state ON action_executions (state);
CREATE INDEX action_executions_created_at ON action_executions (created_at);
CREATE INDEX action_executions_name ON action_executions (name);

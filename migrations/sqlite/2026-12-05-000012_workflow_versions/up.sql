-- Each workflow spec an execution runs is stored once, keyed by the
-- sha256 (hex) of its JSON text; executions name it by `spec_id` instead
-- of each carrying a copy. `bora_spec_hash` is the same sha256, registered
-- on the connection that runs the migrations.
CREATE TABLE workflow_versions (
    id TEXT PRIMARY KEY NOT NULL,
    spec TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
ALTER TABLE workflow_executions ADD COLUMN spec_id TEXT NOT NULL DEFAULT '';
UPDATE workflow_executions SET spec_id = bora_spec_hash(spec);
INSERT INTO workflow_versions (id, spec, created_at)
    SELECT spec_id, MIN(spec), MIN(created_at) FROM workflow_executions GROUP BY spec_id;
ALTER TABLE workflow_executions DROP COLUMN spec;
-- Retention deletes the versions no execution names any more.
CREATE INDEX workflow_executions_spec_id ON workflow_executions (spec_id);

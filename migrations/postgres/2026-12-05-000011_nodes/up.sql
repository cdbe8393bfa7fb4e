-- Engine nodes on one database (multi-node mode only; a single node never
-- reads or writes these). A node's row is its lease: `epoch` is its fencing
-- token, bumped by whoever takes its executions over; `lease_until` is
-- kept by the database's clock.
CREATE TABLE nodes (
    id TEXT PRIMARY KEY NOT NULL,
    epoch BIGINT NOT NULL,
    api_url TEXT NOT NULL,
    lease_until TIMESTAMP NOT NULL,
    started_at TIMESTAMP NOT NULL,
    -- False once another node took its executions over (it must join
    -- again, with a new epoch, to run anything).
    alive BOOLEAN NOT NULL DEFAULT TRUE,
    stale_writes_rejected BIGINT NOT NULL DEFAULT 0
);
-- The node that runs an execution (every execution of a tree has its
-- root's node); NULL when no node claimed it (single-node mode).
ALTER TABLE workflow_executions ADD COLUMN node_id TEXT;
CREATE INDEX workflow_executions_node ON workflow_executions (node_id)
    WHERE node_id IS NOT NULL;
-- The same for standalone action executions (no workflow execution).
ALTER TABLE action_executions ADD COLUMN node_id TEXT;
CREATE INDEX action_executions_node ON action_executions (node_id)
    WHERE node_id IS NOT NULL;

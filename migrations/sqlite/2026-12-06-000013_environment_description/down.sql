-- Back to a description that is never null ("" for none).
CREATE TABLE environments_old (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    variables TEXT NOT NULL,
    scope TEXT NOT NULL,
    project_id TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP
);
INSERT INTO environments_old
    SELECT id, name, COALESCE(description, ''), variables, scope, project_id,
           created_at, updated_at
    FROM environments;
DROP TABLE environments;
ALTER TABLE environments_old RENAME TO environments;
CREATE UNIQUE INDEX environments_name ON environments (name, project_id);
CREATE INDEX environments_created_at ON environments (created_at);

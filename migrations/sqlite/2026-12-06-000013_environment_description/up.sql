-- An environment's description is kept as given, as Mistral keeps it:
-- null (none given) or any text, "" included. Until now "" stood for none.
CREATE TABLE environments_new (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    variables TEXT NOT NULL,
    scope TEXT NOT NULL,
    project_id TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP
);
INSERT INTO environments_new
    SELECT id, name, NULLIF(description, ''), variables, scope, project_id,
           created_at, updated_at
    FROM environments;
DROP TABLE environments;
ALTER TABLE environments_new RENAME TO environments;
CREATE UNIQUE INDEX environments_name ON environments (name, project_id);
CREATE INDEX environments_created_at ON environments (created_at);

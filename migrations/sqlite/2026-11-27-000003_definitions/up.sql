-- Ad-hoc actions and workbooks. A workbook's workflows and actions are
-- stored as their own rows named `<workbook>.<name>`; the workbook's spec
-- lists them.
CREATE TABLE action_definitions (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    namespace TEXT NOT NULL,
    definition TEXT NOT NULL,
    spec TEXT NOT NULL,
    input TEXT NOT NULL,
    description TEXT,
    tags TEXT NOT NULL,
    scope TEXT NOT NULL,
    project_id TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP
);
CREATE UNIQUE INDEX action_definitions_name_namespace ON action_definitions (name, namespace);

CREATE TABLE workbooks (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    namespace TEXT NOT NULL,
    definition TEXT NOT NULL,
    spec TEXT NOT NULL,
    tags TEXT NOT NULL,
    scope TEXT NOT NULL,
    project_id TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP
);
CREATE UNIQUE INDEX workbooks_name_namespace ON workbooks (name, namespace);

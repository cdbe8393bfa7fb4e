//! Workflow versions: a spec stored once for all the executions that run
//! it, deleted with the last of them, and moved out of existing execution
//! rows by the migration.

use diesel::prelude::*;
use serde_json::json;

use super::*;

/// How many versions are stored.
fn count(store: &Store) -> i64 {
    use crate::store::schema::workflow_versions as v;
    v::table
        .count()
        .get_result(&mut *store.conn().unwrap())
        .unwrap()
}

#[test]
fn a_version_is_stored_once_and_deleted_with_its_last_execution() {
    for db in databases() {
        let n = db.name;
        let (store, mut writer) = open(&db.url).unwrap();
        let wf = workflow("wf", "");
        let text = r#"{"name":"wf","tasks":{"t":{}}}"#.to_string();
        let version = WorkflowVersion::of(text.clone());
        assert_eq!(version.id, version_id(&text));
        assert_eq!(version.id.len(), 64, "{n}: sha256 in hex");
        let mut e1 = execution(&wf, State::Success, 0);
        e1.spec_id = version.id.clone();
        let mut e2 = execution(&wf, State::Running, 1);
        e2.spec_id = version.id.clone();
        let mut batch = inserts(&[&wf], &[&e1], &[], &[]);
        batch.versions = vec![version.clone()];
        writer.commit(&batch).unwrap();
        // The same version again (a second engine start): left as it is.
        let mut batch = inserts(&[], &[&e2], &[], &[]);
        batch.versions = vec![version.clone()];
        writer.commit(&batch).unwrap();
        assert_eq!(count(&store), 1, "{n}");
        assert_eq!(
            store.version_spec(&version.id).unwrap(),
            Some(json!({"name": "wf", "tasks": {"t": {}}})),
            "{n}"
        );
        assert_eq!(store.version_spec("nope").unwrap(), None, "{n}");
        let active = writer.load_active().unwrap();
        assert_eq!(active.executions.len(), 1, "{n}");
        assert_eq!(active.versions, vec![version.clone()], "{n}");

        let delete = |id| Batch {
            deleted_executions: vec![id],
            ..Batch::default()
        };
        writer.commit(&delete(e1.id)).unwrap();
        assert_eq!(count(&store), 1, "{n}: e2 still runs it");
        writer.commit(&delete(e2.id)).unwrap();
        assert_eq!(count(&store), 0, "{n}: nothing names it");
        assert_eq!(store.version_spec(&version.id).unwrap(), None, "{n}");
    }
}

#[test]
fn the_migration_moves_each_spec_out_of_the_execution_rows_once() {
    for db in databases() {
        let n = db.name;
        let target = conn::parse_url(&db.url).unwrap();
        let mut c = conn::connect(&target, conn::Role::Writer).unwrap();
        conn::migrate(&mut c).unwrap();
        conn::revert_through(&mut c, "20261205000012").unwrap();
        let specs = [
            r#"{"name":"a","vars":{"v":1}}"#,
            r#"{"name":"a","vars":{"v":1}}"#,
            r#"{"name":"b","tasks":{"é":{}}}"#,
        ];
        for (i, spec) in specs.iter().enumerate() {
            diesel::sql_query(
                "INSERT INTO workflow_executions (id, workflow_id, workflow_name, \
                 workflow_namespace, description, tags, spec, params, state, input, output, \
                 context, project_id, created_at) \
                 VALUES ($1, 'w', 'a', '', '', '[]', $2, '{}', 'SUCCESS', '{}', '{}', '{}', \
                 'p', '2026-01-01 00:00:00')",
            )
            .bind::<diesel::sql_types::Text, _>(format!("e{i}"))
            .bind::<diesel::sql_types::Text, _>(*spec)
            .execute(&mut c)
            .unwrap();
        }
        conn::migrate(&mut c).unwrap();
        drop(c);
        let (store, _writer) = open(&db.url).unwrap();
        assert_eq!(count(&store), 2, "{n}: two distinct specs");
        let mut c = store.conn().unwrap();
        use crate::store::schema::workflow_executions as e;
        let rows: Vec<(String, String)> = e::table
            .select((e::id, e::spec_id))
            .order(e::id)
            .load(&mut *c)
            .unwrap();
        drop(c);
        for ((id, spec_id), spec) in rows.iter().zip(specs) {
            assert_eq!(spec_id, &version_id(spec), "{n}: {id}");
            assert_eq!(
                store.version_spec(spec_id).unwrap(),
                Some(serde_json::from_str(spec).unwrap()),
                "{n}: {id}"
            );
        }
    }
}

#[test]
fn the_vars_of_a_version_are_read_without_the_rest() {
    for db in databases() {
        let n = db.name;
        let (store, mut writer) = open(&db.url).unwrap();
        let wf = workflow("wf", "");
        let with = WorkflowVersion::of(
            r#"{"name":"wf","vars":{"a":1,"b":"x y","c":[null]},"tasks":{"t":{}}}"#.into(),
        );
        let without = WorkflowVersion::of(r#"{"name":"wf2","tasks":{}}"#.into());
        let text = WorkflowVersion::of(r#"{"name":"wf3","vars":"odd"}"#.into());
        let mut batch = inserts(&[&wf], &[], &[], &[]);
        batch.versions = vec![with.clone(), without.clone(), text.clone()];
        writer.commit(&batch).unwrap();
        assert_eq!(
            store.version_vars(&with.id).unwrap(),
            Some(json!({"a": 1, "b": "x y", "c": [null]})),
            "{n}"
        );
        assert_eq!(
            store.version_vars(&without.id).unwrap(),
            Some(serde_json::Value::Null),
            "{n}"
        );
        assert_eq!(
            store.version_vars(&text.id).unwrap(),
            Some(json!("odd")),
            "{n}"
        );
        assert_eq!(store.version_vars("nope").unwrap(), None, "{n}");
    }
}

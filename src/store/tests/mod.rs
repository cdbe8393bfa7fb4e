//! Store tests: every test runs on SQLite (a temp file) and, when
//! `BORA_TEST_POSTGRES_URL` is set, on PostgreSQL in a fresh schema of its own.

mod bench;
mod list;

use chrono::TimeDelta;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use serde_json::json;

use super::*;
use crate::domain::{State, Timestamp, WorkflowId};

/// One database to test against; cleans up after itself.
pub(super) struct TestDb {
    pub name: &'static str,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    #[cfg(feature = "postgres")]
    pg: Option<(String, String)>,
}

#[cfg(feature = "postgres")]
impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((base, schema)) = &self.pg
            && let Ok(mut c) = diesel::PgConnection::establish(base)
        {
            let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
        }
    }
}

/// The databases every test runs on.
pub(super) fn databases() -> Vec<TestDb> {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("bora.db").display());
    #[cfg_attr(
        not(feature = "postgres"),
        expect(unused_mut, reason = "PostgreSQL adds one")
    )]
    let mut out = vec![TestDb {
        name: "sqlite",
        url,
        _dir: Some(dir),
        #[cfg(feature = "postgres")]
        pg: None,
    }];
    #[cfg(feature = "postgres")]
    if let Ok(base) = std::env::var("BORA_TEST_POSTGRES_URL") {
        let schema = format!("bora_test_{}", uuid::Uuid::new_v4().simple());
        let mut c = diesel::PgConnection::establish(&base).unwrap();
        c.batch_execute(&format!("CREATE SCHEMA {schema}")).unwrap();
        let sep = if base.contains('?') { '&' } else { '?' };
        out.push(TestDb {
            name: "postgres",
            url: format!("{base}{sep}options=-csearch_path%3D{schema}"),
            _dir: None,
            pg: Some((base, schema)),
        });
    }
    out
}

/// A fixed base time plus `secs` seconds (microsecond precision).
pub(super) fn at(secs: i64) -> Timestamp {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 27)
        .unwrap()
        .and_hms_micro_opt(10, 0, 0, 123_456)
        .unwrap()
        + TimeDelta::seconds(secs)
}

pub(super) fn workflow(name: &str, namespace: &str) -> WorkflowDef {
    WorkflowDef {
        id: WorkflowId::new(),
        name: name.into(),
        namespace: namespace.into(),
        definition: format!("version: '2.0'\n{name}:\n  tasks: {{}}\n"),
        spec: json!({"name": name, "tasks": {"t1": {"action": "std.noop"}}}),
        input: "a, b=\"x\"".into(),
        interface: json!({"input": ["a", {"b": "x"}], "output": []}),
        checksum: "0123456789abcdef".into(),
        tags: vec!["t1".into(), "quote\"tag".into()],
        scope: "private".into(),
        project_id: "<default-project>".into(),
        created_at: at(0),
        updated_at: None,
    }
}

pub(super) fn execution(wf: &WorkflowDef, state: State, secs: i64) -> ExecutionRecord {
    ExecutionRecord {
        id: ExecutionId::new(),
        workflow_id: wf.id,
        workflow_name: wf.name.clone(),
        workflow_namespace: wf.namespace.clone(),
        description: "an execution".into(),
        tags: vec![],
        spec: wf.spec.clone(),
        params: json!({"env": {"k": "v"}, "namespace": ""}),
        task_execution_id: None,
        root_execution_id: None,
        source_execution_id: None,
        state,
        state_info: None,
        input: json!({"a": 1, "ü": "é"}),
        output: json!({}),
        context: json!({"__execution": {"id": "x"}}),
        project_id: "<default-project>".into(),
        created_at: at(secs),
        updated_at: None,
    }
}

pub(super) fn task(ex: &ExecutionRecord, name: &str, state: State) -> TaskRecord {
    TaskRecord {
        id: TaskExecutionId::new(),
        name: name.into(),
        execution_id: ex.id,
        workflow_name: ex.workflow_name.clone(),
        workflow_namespace: ex.workflow_namespace.clone(),
        workflow_id: ex.workflow_id,
        kind: "ACTION".into(),
        tags: vec!["tt".into()],
        state,
        state_info: Some("info".into()),
        runtime_context: json!({"triggered_by": [{"task_id": "x", "event": "on-success"}]}),
        in_context: json!({"x": [1, 2, 3]}),
        published: json!({"p": null}),
        result: json!([1, "two", {"three": 3.5}]),
        processed: false,
        error_handled: false,
        project_id: "<default-project>".into(),
        created_at: at(1),
        updated_at: Some(at(2)),
        started_at: Some(at(1)),
        finished_at: None,
    }
}

pub(super) fn action(t: &TaskRecord, state: State, secs: i64) -> ActionExecutionRecord {
    ActionExecutionRecord {
        id: ActionExecutionId::new(),
        name: "std.echo".into(),
        task_execution_id: Some(t.id),
        execution_id: Some(t.execution_id),
        workflow_name: Some(t.workflow_name.clone()),
        workflow_namespace: Some(t.workflow_namespace.clone()),
        task_name: Some(t.name.clone()),
        description: String::new(),
        tags: vec![],
        state,
        state_info: None,
        accepted: false,
        input: json!({"output": "hi"}),
        output: json!({}),
        params: json!({}),
        attempt: 1,
        item_index: Some(3),
        project_id: "<default-project>".into(),
        created_at: at(secs),
        updated_at: None,
    }
}

/// A batch inserting the given records.
pub(super) fn inserts(
    wfs: &[&WorkflowDef],
    exs: &[&ExecutionRecord],
    tasks: &[&TaskRecord],
    aes: &[&ActionExecutionRecord],
) -> Batch {
    Batch {
        workflows: wfs.iter().map(|w| (Write::Insert, (*w).clone())).collect(),
        executions: exs.iter().map(|e| (Write::Insert, (*e).clone())).collect(),
        tasks: tasks
            .iter()
            .map(|t| (Write::Insert, (*t).clone()))
            .collect(),
        action_executions: aes.iter().map(|a| (Write::Insert, (*a).clone())).collect(),
        ..Batch::default()
    }
}

#[test]
fn round_trip_of_every_record() {
    for db in databases() {
        let (store, mut writer) = open(&db.url).unwrap();
        let wf = workflow("wf1", "");
        let mut ex = execution(&wf, State::Running, 5);
        ex.task_execution_id = Some(TaskExecutionId::new());
        ex.root_execution_id = Some(ExecutionId::new());
        ex.source_execution_id = Some(ExecutionId::new());
        ex.state_info = Some("it's 'quoted'".into());
        ex.updated_at = Some(at(6));
        let t = task(&ex, "t1", State::RunningDelayed);
        let mut a = action(&t, State::Idle, 7);
        a.attempt = u32::MAX;
        let mut standalone = action(&t, State::Success, 8);
        standalone.task_execution_id = None;
        standalone.execution_id = None;
        standalone.workflow_name = None;
        standalone.item_index = None;
        writer
            .commit(&inserts(&[&wf], &[&ex], &[&t], &[&a, &standalone]))
            .unwrap();

        let n = db.name;
        assert_eq!(
            store
                .find_workflow(&wf.id.to_string(), "other")
                .unwrap()
                .as_ref(),
            Some(&wf),
            "{n}"
        );
        assert_eq!(
            store.find_workflow("wf1", "").unwrap().as_ref(),
            Some(&wf),
            "{n}"
        );
        assert_eq!(store.find_workflow("wf1", "ns").unwrap(), None, "{n}");
        assert_eq!(
            writer.find_workflow("wf1", "").unwrap().as_ref(),
            Some(&wf),
            "{n}"
        );
        assert_eq!(
            writer
                .find_workflow(&WorkflowId::new().to_string(), "")
                .unwrap(),
            None,
            "{n}"
        );
        assert_eq!(
            store.get_execution(ex.id).unwrap().as_ref(),
            Some(&ex),
            "{n}"
        );
        assert_eq!(
            writer.get_execution(ex.id).unwrap().as_ref(),
            Some(&ex),
            "{n}"
        );
        assert_eq!(
            writer.get_execution(ExecutionId::new()).unwrap(),
            None,
            "{n}"
        );
        assert_eq!(store.get_task(t.id).unwrap().as_ref(), Some(&t), "{n}");
        assert_eq!(
            store.get_action_execution(a.id).unwrap().as_ref(),
            Some(&a),
            "{n}"
        );
        assert_eq!(
            store.get_action_execution(standalone.id).unwrap().as_ref(),
            Some(&standalone),
            "{n}"
        );
        assert_eq!(store.get_task(TaskExecutionId::new()).unwrap(), None, "{n}");
        assert_eq!(
            store.list_workflows(&ListQuery::default()).unwrap(),
            vec![wf.clone()],
            "{n}"
        );
        assert_eq!(
            store.list_executions(&ListQuery::default()).unwrap(),
            vec![ex.clone()],
            "{n}"
        );
        assert_eq!(
            store.list_tasks(&ListQuery::default()).unwrap(),
            vec![t.clone()],
            "{n}"
        );
        assert_eq!(
            store.list_action_executions(&ListQuery::default()).unwrap(),
            vec![a, standalone],
            "{n}"
        );
    }
}

#[test]
fn workflows_named_in_a_namespace() {
    for db in databases() {
        let (_store, mut writer) = open(&db.url).unwrap();
        let (a, b, c) = (workflow("a", ""), workflow("b", ""), workflow("a", "ns"));
        writer
            .commit(&inserts(&[&a, &b, &c], &[], &[], &[]))
            .unwrap();
        let names = |ws: Vec<WorkflowDef>| {
            ws.into_iter()
                .map(|w| (w.name, w.namespace))
                .collect::<Vec<_>>()
        };
        let got = names(
            writer
                .workflows_named(&["a".into(), "b".into(), "z".into()], "")
                .unwrap(),
        );
        assert_eq!(
            got,
            vec![("a".into(), "".into()), ("b".into(), "".into())],
            "{}",
            db.name
        );
        let got = names(writer.workflows_named(&["a".into()], "ns").unwrap());
        assert_eq!(got, vec![("a".into(), "ns".into())], "{}", db.name);
        assert!(writer.workflows_named(&[], "").unwrap().is_empty());
    }
}

#[test]
fn workflow_name_is_unique_in_a_namespace() {
    for db in databases() {
        let (store, mut writer) = open(&db.url).unwrap();
        let a = workflow("a", "");
        writer.commit(&inserts(&[&a], &[], &[], &[])).unwrap();
        let dup = workflow("a", "");
        let err = writer.commit(&inserts(&[&dup], &[], &[], &[])).unwrap_err();
        assert!(matches!(err, Error::Database(_)), "{}: {err}", db.name);
        assert_eq!(
            store.list_workflows(&ListQuery::default()).unwrap(),
            vec![a],
            "{}",
            db.name
        );
    }
}

#[test]
fn batch_updates_replace_every_column() {
    for db in databases() {
        let (store, mut writer) = open(&db.url).unwrap();
        let mut wf = workflow("wf", "");
        let mut ex = execution(&wf, State::Running, 0);
        ex.state_info = Some("before".into());
        let mut t = task(&ex, "t", State::Running);
        let mut a = action(&t, State::Idle, 0);
        writer
            .commit(&inserts(&[&wf], &[&ex], &[&t], &[&a]))
            .unwrap();

        wf.definition = "changed".into();
        wf.tags = vec![];
        wf.updated_at = Some(at(9));
        ex.state = State::Success;
        ex.state_info = None;
        ex.output = json!({"result": [1, 2]});
        t.state = State::Success;
        t.processed = true;
        t.error_handled = true;
        t.finished_at = Some(at(10));
        t.started_at = None;
        a.state = State::Running;
        a.accepted = true;
        a.attempt = 2;
        a.item_index = None;
        let mut a2 = a.clone();
        a2.id = ActionExecutionId::new();
        a2.attempt = 7;
        let batch = Batch {
            workflows: vec![(Write::Update, wf.clone())],
            executions: vec![(Write::Update, ex.clone())],
            tasks: vec![(Write::Update, t.clone())],
            action_executions: vec![
                (Write::Update, a.clone()),
                (Write::Insert, a2.clone()),
                (Write::Update, {
                    let mut last = a2.clone();
                    last.output = json!({"result": "done"});
                    last
                }),
            ],
            ..Batch::default()
        };
        writer.commit(&batch).unwrap();
        let n = db.name;
        assert_eq!(store.find_workflow("wf", "").unwrap(), Some(wf), "{n}");
        assert_eq!(store.get_execution(ex.id).unwrap(), Some(ex), "{n}");
        assert_eq!(store.get_task(t.id).unwrap(), Some(t), "{n}");
        assert_eq!(store.get_action_execution(a.id).unwrap(), Some(a), "{n}");
        let got = store.get_action_execution(a2.id).unwrap().unwrap();
        assert_eq!(got.output, json!({"result": "done"}), "{n}");
    }
}

#[test]
fn a_failed_batch_applies_nothing() {
    for db in databases() {
        let (store, mut writer) = open(&db.url).unwrap();
        let wf = workflow("wf", "");
        let ex = execution(&wf, State::Running, 0);
        writer.commit(&inserts(&[&wf], &[&ex], &[], &[])).unwrap();
        let ex2 = execution(&wf, State::Running, 1);
        // The second insert of `ex` fails; `ex2` before it must not stay.
        let err = writer
            .commit(&inserts(&[], &[&ex2, &ex], &[], &[]))
            .unwrap_err();
        assert!(matches!(err, Error::Database(_)), "{}", db.name);
        assert_eq!(store.get_execution(ex2.id).unwrap(), None, "{}", db.name);
        // The writer is still usable.
        writer.commit(&inserts(&[], &[&ex2], &[], &[])).unwrap();
        assert!(
            store.get_execution(ex2.id).unwrap().is_some(),
            "{}",
            db.name
        );
    }
}

#[test]
fn deleting_executions_removes_their_tasks_and_action_executions() {
    for db in databases() {
        let (store, mut writer) = open(&db.url).unwrap();
        let wf = workflow("wf", "");
        let (e1, e2) = (
            execution(&wf, State::Success, 0),
            execution(&wf, State::Error, 1),
        );
        let (t1, t2) = (task(&e1, "t", State::Success), task(&e2, "t", State::Error));
        let (a1, a2) = (action(&t1, State::Success, 0), action(&t2, State::Error, 0));
        let mut a1b = action(&t1, State::Success, 1);
        a1b.execution_id = None;
        writer
            .commit(&inserts(
                &[&wf],
                &[&e1, &e2],
                &[&t1, &t2],
                &[&a1, &a1b, &a2],
            ))
            .unwrap();
        let batch = Batch {
            deleted_executions: vec![e1.id],
            deleted_workflows: vec![],
            ..Batch::default()
        };
        writer.commit(&batch).unwrap();
        let n = db.name;
        assert_eq!(store.get_execution(e1.id).unwrap(), None, "{n}");
        assert_eq!(store.get_task(t1.id).unwrap(), None, "{n}");
        assert_eq!(store.get_action_execution(a1.id).unwrap(), None, "{n}");
        assert_eq!(store.get_action_execution(a1b.id).unwrap(), None, "{n}");
        assert!(store.get_execution(e2.id).unwrap().is_some(), "{n}");
        assert!(store.get_task(t2.id).unwrap().is_some(), "{n}");
        assert!(store.get_action_execution(a2.id).unwrap().is_some(), "{n}");

        let batch = Batch {
            deleted_workflows: vec![wf.id],
            ..Batch::default()
        };
        writer.commit(&batch).unwrap();
        assert_eq!(store.find_workflow("wf", "").unwrap(), None, "{n}");
        assert!(writer.commit(&Batch::default()).is_ok(), "{n}");
    }
}

#[test]
fn load_active_returns_unfinished_executions_with_their_children() {
    for db in databases() {
        let (_store, mut writer) = open(&db.url).unwrap();
        let wf = workflow("wf", "");
        let idle = execution(&wf, State::Idle, 3);
        let running = execution(&wf, State::Running, 1);
        let paused = execution(&wf, State::Paused, 2);
        let done = execution(&wf, State::Success, 0);
        let failed = execution(&wf, State::Error, 4);
        let t_run = task(&running, "a", State::Success);
        let t_run2 = task(&running, "b", State::Running);
        let t_done = task(&done, "a", State::Success);
        let a_run = action(&t_run2, State::Running, 0);
        let a_run_old = action(&t_run, State::Success, 0);
        let a_done = action(&t_done, State::Success, 0);
        let mut standalone = action(&t_done, State::Running, 0);
        standalone.task_execution_id = None;
        standalone.execution_id = None;
        writer
            .commit(&inserts(
                &[&wf],
                &[&idle, &running, &paused, &done, &failed],
                &[&t_run, &t_run2, &t_done],
                &[&a_run, &a_run_old, &a_done, &standalone],
            ))
            .unwrap();
        let set = writer.load_active().unwrap();
        let ids = |v: &[ExecutionRecord]| v.iter().map(|e| e.id).collect::<Vec<_>>();
        assert_eq!(
            ids(&set.executions),
            vec![running.id, paused.id, idle.id],
            "{}",
            db.name
        );
        let mut tasks: Vec<_> = set.tasks.iter().map(|t| t.id).collect();
        let mut want = vec![t_run.id, t_run2.id];
        tasks.sort();
        want.sort();
        assert_eq!(tasks, want, "{}", db.name);
        let mut aes: Vec<_> = set.action_executions.iter().map(|a| a.id).collect();
        let mut want = vec![a_run.id, a_run_old.id];
        aes.sort();
        want.sort();
        assert_eq!(aes, want, "{}", db.name);
    }
}

#[test]
fn a_second_writer_is_refused_until_the_first_is_gone() {
    for db in databases() {
        let (store, writer) = open(&db.url).unwrap();
        match open(&db.url) {
            Err(Error::Locked(what)) => {
                assert!(!what.is_empty(), "{}", db.name);
                if db.name == "sqlite" {
                    assert!(what.ends_with("bora.db"), "{what}");
                }
            }
            Err(e) => panic!("{}: expected Locked, got {e}", db.name),
            Ok(_) => panic!("{}: second open succeeded", db.name),
        }
        drop(writer);
        drop(store);
        let (_store, _writer) = open(&db.url).unwrap();
    }
}

#[test]
fn bad_urls_are_refused() {
    for url in [
        "postgress://localhost/db",
        "mysql://h/db",
        ":memory:",
        "sqlite::memory:",
        "",
    ] {
        assert!(matches!(open(url), Err(Error::BadUrl(_))), "{url}");
    }
}

#[test]
fn sqlite_settings() {
    let dbs = databases();
    let db = &dbs[0];
    let (store, mut writer) = open(&db.url).unwrap();
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        v: String,
    }
    let pragma = |c: &mut conn::AnyConnection, p: &str| -> String {
        diesel::sql_query(format!("SELECT CAST({p} AS TEXT) AS v"))
            .get_result::<Row>(c)
            .unwrap()
            .v
    };
    let w = &mut writer.conn;
    assert_eq!(
        pragma(w, "(SELECT journal_mode FROM pragma_journal_mode)"),
        "wal"
    );
    assert_eq!(
        pragma(w, "(SELECT synchronous FROM pragma_synchronous)"),
        "2"
    );
    assert_eq!(
        pragma(w, "(SELECT foreign_keys FROM pragma_foreign_keys)"),
        "1"
    );
    assert_eq!(
        pragma(w, "(SELECT timeout FROM pragma_busy_timeout)"),
        "5000"
    );
    let r = &mut *store.pool.get().unwrap();
    assert_eq!(pragma(r, "(SELECT query_only FROM pragma_query_only)"), "1");
    assert_eq!(
        pragma(r, "(SELECT timeout FROM pragma_busy_timeout)"),
        "5000"
    );
    assert!(r.batch_execute("CREATE TABLE nope (x INTEGER)").is_err());
    assert_eq!(store.pool.max_size(), conn::READ_POOL_SIZE);
}

#[test]
fn migrations_go_up_down_and_up_again() {
    for db in databases() {
        let target = conn::parse_url(&db.url).unwrap();
        let mut c = conn::connect(&target, conn::Role::Writer).unwrap();
        conn::migrate(&mut c).unwrap();
        conn::revert_all(&mut c).unwrap();
        let gone = diesel::sql_query("SELECT 1 FROM workflow_executions").execute(&mut c);
        assert!(gone.is_err(), "{}: table survived down", db.name);
        conn::migrate(&mut c).unwrap();
        drop(c);
        let (store, mut writer) = open(&db.url).unwrap();
        let wf = workflow("wf", "");
        writer.commit(&inserts(&[&wf], &[], &[], &[])).unwrap();
        assert_eq!(
            store.list_workflows(&ListQuery::default()).unwrap().len(),
            1,
            "{}",
            db.name
        );
    }
}

#[test]
fn large_mixed_batches_keep_write_order() {
    for db in databases() {
        let (store, mut writer) = open(&db.url).unwrap();
        let wf = workflow("wf", "");
        let ex = execution(&wf, State::Running, 0);
        let t = task(&ex, "t", State::Running);
        writer.commit(&inserts(&[&wf], &[&ex], &[&t], &[])).unwrap();
        // 1,200 inserts, each updated twice later in the same batch (the last
        // write wins), interleaved across chunk boundaries, then one insert
        // whose id was updated (as a no-op) earlier in the batch.
        let aes: Vec<ActionExecutionRecord> =
            (0..1200).map(|i| action(&t, State::Idle, i)).collect();
        let mut writes = Vec::new();
        for (i, a) in aes.iter().enumerate() {
            writes.push((Write::Insert, a.clone()));
            if i >= 10 {
                let mut first = aes[i - 10].clone();
                first.state = State::Running;
                first.attempt = 2;
                writes.push((Write::Update, first));
            }
        }
        for a in &aes {
            let mut last = a.clone();
            last.state = State::Success;
            last.attempt = 3;
            last.output = json!({"result": a.created_at.to_string()});
            writes.push((Write::Update, last));
        }
        let late = action(&t, State::Idle, 5000);
        let mut early = late.clone();
        early.state = State::Error;
        writes.push((Write::Update, early));
        writes.push((Write::Insert, late.clone()));
        let batch = Batch {
            action_executions: writes,
            ..Batch::default()
        };
        writer.commit(&batch).unwrap();
        let all = store
            .list_action_executions(&ListQuery {
                limit: 0,
                ..ListQuery::default()
            })
            .unwrap();
        assert_eq!(all.len(), 1201, "{}", db.name);
        for (a, got) in aes.iter().zip(&all) {
            assert_eq!(got.id, a.id, "{}", db.name);
            assert_eq!((got.state, got.attempt), (State::Success, 3), "{}", db.name);
            assert_eq!(
                got.output,
                json!({"result": a.created_at.to_string()}),
                "{}",
                db.name
            );
        }
        assert_eq!(all[1200], late, "{}", db.name);
    }
}

/// The PostgreSQL writer survives `pg_terminate_backend` of its connection.
#[cfg(feature = "postgres")]
#[test]
fn the_postgres_writer_reconnects_after_its_session_is_killed() {
    #[derive(QueryableByName)]
    struct Pid {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        pid: i32,
    }
    let kill = |writer: &mut Writer, base: &str| {
        let pid = diesel::sql_query("SELECT pg_backend_pid() AS pid")
            .get_result::<Pid>(&mut writer.conn)
            .unwrap()
            .pid;
        let mut admin = diesel::PgConnection::establish(base).unwrap();
        admin
            .batch_execute(&format!("SELECT pg_terminate_backend({pid})"))
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    for db in databases() {
        let Some((base, _)) = db.pg.clone() else {
            continue;
        };
        let (store, mut writer) = open(&db.url).unwrap();
        let wf = workflow("wf", "");
        kill(&mut writer, &base);
        writer.commit(&inserts(&[&wf], &[], &[], &[])).unwrap();
        assert!(store.find_workflow("wf", "").unwrap().is_some());
        kill(&mut writer, &base);
        assert!(writer.find_workflow("wf", "").unwrap().is_some());
        // The lock was taken again with the new session.
        assert!(matches!(open(&db.url), Err(Error::Locked(_))));
        kill(&mut writer, &base);
        assert!(writer.load_active().unwrap().executions.is_empty());
    }
}

#[test]
fn sqlite_lock_timeouts_and_a_full_database_are_told_apart() {
    let dbs = databases();
    let db = &dbs[0];
    let (store, mut writer) = open(&db.url).unwrap();
    let wf = workflow("wf", "");
    writer.commit(&inserts(&[&wf], &[], &[], &[])).unwrap();

    // Someone else holds the write lock past the busy timeout.
    let path = db.url.trim_start_matches("sqlite://").to_string();
    let mut other = diesel::SqliteConnection::establish(&path).unwrap();
    other.batch_execute("BEGIN EXCLUSIVE").unwrap();
    let ex = execution(&wf, State::Running, 0);
    let start = std::time::Instant::now();
    let err = writer.commit(&inserts(&[], &[&ex], &[], &[])).unwrap_err();
    assert!(matches!(err, Error::Busy(_)), "{err}");
    assert!(start.elapsed() >= std::time::Duration::from_secs(4));
    // Reads go on meanwhile (WAL).
    assert!(store.find_workflow("wf", "").unwrap().is_some());
    other.batch_execute("COMMIT").unwrap();
    writer.commit(&inserts(&[], &[&ex], &[], &[])).unwrap();

    // The database may not grow.
    writer
        .conn
        .batch_execute("PRAGMA max_page_count = 1")
        .unwrap();
    let big: Vec<ExecutionRecord> = (0..50).map(|i| execution(&wf, State::Running, i)).collect();
    let refs: Vec<&ExecutionRecord> = big.iter().collect();
    let err = writer.commit(&inserts(&[], &refs, &[], &[])).unwrap_err();
    assert!(matches!(err, Error::Full(_)), "{err}");
    assert!(store.get_execution(big[0].id).unwrap().is_none());
}

/// Run by `a_second_process_is_refused` in a child process: opens the
/// database named by `BORA_LOCK_PROBE_URL` and exits 0 if that gave Locked.
#[test]
#[ignore = "run as a child process by a_second_process_is_refused"]
fn lock_probe() {
    let Ok(url) = std::env::var("BORA_LOCK_PROBE_URL") else {
        return;
    };
    match open(&url) {
        Err(Error::Locked(_)) => {}
        Err(e) => panic!("expected Locked, got {e}"),
        Ok(_) => panic!("second process opened the database"),
    }
}

#[test]
fn a_second_process_is_refused() {
    for db in databases() {
        let (_store, _writer) = open(&db.url).unwrap();
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--ignored", "--exact", "store::tests::lock_probe"])
            .env("BORA_LOCK_PROBE_URL", &db.url)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{}: the child was not refused: {stdout}",
            db.name
        );
        assert!(
            stdout.contains("1 passed"),
            "{}: the probe did not run: {stdout}",
            db.name
        );
    }
}

#[test]
fn the_writer_moves_to_its_thread_and_the_store_is_shared() {
    fn send<T: Send + 'static>() {}
    fn shared<T: Send + Sync + Clone + 'static>() {}
    send::<Writer>();
    shared::<Store>();
}

//! Store tests: every test runs on SQLite (a temp file) and, when
//! `BORA_TEST_POSTGRES_URL` is set, on PostgreSQL in a fresh schema of its own.

mod bench;
mod cron;
mod definitions;
mod list;
mod nodes;
mod ops;
mod outbox;
mod versions;

use crate::store::Access;
use chrono::TimeDelta;
#[cfg(feature = "postgres")]
use diesel::{Connection, connection::SimpleConnection};
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
        spec: json!({"name": name, "tasks": {"t1": {"action": "std.noop"}}}).to_string(),
        input: "a, b=\"x\"".into(),
        interface: json!({"input": ["a", {"b": "x"}], "output": []}),
        checksum: "0123456789abcdef".into(),
        tags: vec!["t1".into(), "quote\"tag".into()],
        scope: crate::domain::Scope::Private,
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
        description: Some("an execution".into()),
        tags: vec![],
        spec_id: crate::store::version_id(&wf.spec),
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
        kind: crate::domain::TaskKind::Action,
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
        action_executions: aes
            .iter()
            .map(|a| (Write::Insert, (*a).clone().into()))
            .collect(),
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
                .find_workflow(&Access::All, &wf.id.to_string(), "other")
                .unwrap()
                .as_ref(),
            Some(&wf),
            "{n}"
        );
        assert_eq!(
            store
                .find_workflow(&Access::All, "wf1", "")
                .unwrap()
                .as_ref(),
            Some(&wf),
            "{n}"
        );
        assert_eq!(
            store.find_workflow(&Access::All, "wf1", "ns").unwrap(),
            None,
            "{n}"
        );
        assert_eq!(
            writer
                .find_workflow("wf1", "", &Access::All)
                .unwrap()
                .as_ref(),
            Some(&wf),
            "{n}"
        );
        assert_eq!(
            writer
                .find_workflow(&WorkflowId::new().to_string(), "", &Access::All)
                .unwrap(),
            None,
            "{n}"
        );
        assert_eq!(
            store.get_execution(&Access::All, ex.id).unwrap().as_ref(),
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
        assert_eq!(
            store.get_task(&Access::All, t.id).unwrap().as_ref(),
            Some(&t),
            "{n}"
        );
        assert_eq!(
            store
                .get_action_execution(&Access::All, a.id)
                .unwrap()
                .as_ref(),
            Some(&a),
            "{n}"
        );
        assert_eq!(
            store
                .get_action_execution(&Access::All, standalone.id)
                .unwrap()
                .as_ref(),
            Some(&standalone),
            "{n}"
        );
        assert_eq!(
            store
                .get_task(&Access::All, TaskExecutionId::new())
                .unwrap(),
            None,
            "{n}"
        );
        assert_eq!(
            store.list_workflows(&every()).unwrap(),
            vec![wf.clone()],
            "{n}"
        );
        // Lists leave out the context.
        let listed = ExecutionRecord {
            context: serde_json::Value::Null,
            ..ex.clone()
        };
        assert_eq!(
            store.list_executions(&every()).unwrap(),
            vec![listed],
            "{n}"
        );
        let listed = TaskRecord {
            in_context: serde_json::Value::Null,
            ..t.clone()
        };
        assert_eq!(store.list_tasks(&every()).unwrap(), vec![listed], "{n}");
        assert_eq!(
            store.list_action_executions(&every()).unwrap(),
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
                .workflows_named(
                    &["a".into(), "b".into(), "z".into()],
                    "",
                    "<default-project>",
                )
                .unwrap(),
        );
        assert_eq!(
            got,
            vec![("a".into(), "".into()), ("b".into(), "".into())],
            "{}",
            db.name
        );
        let got = names(
            writer
                .workflows_named(&["a".into()], "ns", "<default-project>")
                .unwrap(),
        );
        assert_eq!(got, vec![("a".into(), "ns".into())], "{}", db.name);
        assert!(
            writer
                .workflows_named(&[], "", "<default-project>")
                .unwrap()
                .is_empty()
        );
    }
}

/// A query over every project.
pub(super) fn every() -> ListQuery {
    ListQuery {
        access: Access::All,
        ..ListQuery::default()
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
            store.list_workflows(&every()).unwrap(),
            vec![a.clone()],
            "{}",
            db.name
        );
        // Per project: another project may have its own "a".
        let mut other = workflow("a", "");
        other.project_id = "other".into();
        writer.commit(&inserts(&[&other], &[], &[], &[])).unwrap();
        let mine = ListQuery {
            access: Access::Project(a.project_id.clone()),
            ..ListQuery::default()
        };
        assert_eq!(store.list_workflows(&mine).unwrap(), vec![a], "{}", db.name);
        assert!(
            store
                .list_workflows(&ListQuery::default())
                .unwrap()
                .is_empty()
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
                (Write::Update, a.clone().into()),
                (Write::Insert, a2.clone().into()),
                (Write::Update, {
                    let mut last = a2.clone();
                    last.output = json!({"result": "done"});
                    last.into()
                }),
            ],
            ..Batch::default()
        };
        writer.commit(&batch).unwrap();
        let n = db.name;
        assert_eq!(
            store.find_workflow(&Access::All, "wf", "").unwrap(),
            Some(wf),
            "{n}"
        );
        assert_eq!(
            store.get_execution(&Access::All, ex.id).unwrap(),
            Some(ex),
            "{n}"
        );
        assert_eq!(store.get_task(&Access::All, t.id).unwrap(), Some(t), "{n}");
        assert_eq!(
            store.get_action_execution(&Access::All, a.id).unwrap(),
            Some(a),
            "{n}"
        );
        let got = store
            .get_action_execution(&Access::All, a2.id)
            .unwrap()
            .unwrap();
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
        assert_eq!(
            store.get_execution(&Access::All, ex2.id).unwrap(),
            None,
            "{}",
            db.name
        );
        // The writer is still usable.
        writer.commit(&inserts(&[], &[&ex2], &[], &[])).unwrap();
        assert!(
            store.get_execution(&Access::All, ex2.id).unwrap().is_some(),
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
        assert_eq!(
            store.get_execution(&Access::All, e1.id).unwrap(),
            None,
            "{n}"
        );
        assert_eq!(store.get_task(&Access::All, t1.id).unwrap(), None, "{n}");
        assert_eq!(
            store.get_action_execution(&Access::All, a1.id).unwrap(),
            None,
            "{n}"
        );
        assert_eq!(
            store.get_action_execution(&Access::All, a1b.id).unwrap(),
            None,
            "{n}"
        );
        assert!(
            store.get_execution(&Access::All, e2.id).unwrap().is_some(),
            "{n}"
        );
        assert!(
            store.get_task(&Access::All, t2.id).unwrap().is_some(),
            "{n}"
        );
        assert!(
            store
                .get_action_execution(&Access::All, a2.id)
                .unwrap()
                .is_some(),
            "{n}"
        );

        let batch = Batch {
            deleted_workflows: vec![wf.id],
            ..Batch::default()
        };
        writer.commit(&batch).unwrap();
        assert_eq!(
            store.find_workflow(&Access::All, "wf", "").unwrap(),
            None,
            "{n}"
        );
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
        let standalone_ids: Vec<_> = set.standalone.iter().map(|a| a.id).collect();
        assert_eq!(standalone_ids, vec![standalone.id], "{}", db.name);
    }
}

#[test]
fn standalone_action_executions_are_deleted_alone() {
    for db in databases() {
        let (store, mut writer) = open(&db.url).unwrap();
        let wf = workflow("wf", "");
        let ex = execution(&wf, State::Success, 0);
        let t = task(&ex, "a", State::Success);
        let of_task = action(&t, State::Success, 0);
        let mut alone = action(&t, State::Success, 0);
        alone.task_execution_id = None;
        alone.execution_id = None;
        writer
            .commit(&inserts(&[&wf], &[&ex], &[&t], &[&of_task, &alone]))
            .unwrap();
        let batch = Batch {
            deleted_action_executions: vec![alone.id, of_task.id],
            ..Batch::default()
        };
        writer.commit(&batch).unwrap();
        let n = db.name;
        assert_eq!(
            store.get_action_execution(&Access::All, alone.id).unwrap(),
            None,
            "{n}"
        );
        assert!(
            store
                .get_action_execution(&Access::All, of_task.id)
                .unwrap()
                .is_some(),
            "a task's action execution is never deleted this way ({n})"
        );
        assert!(writer.load_active().unwrap().standalone.is_empty(), "{n}");
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
            writes.push((Write::Insert, a.clone().into()));
            if i >= 10 {
                let mut first = aes[i - 10].clone();
                first.state = State::Running;
                first.attempt = 2;
                writes.push((Write::Update, first.into()));
            }
        }
        for a in &aes {
            let mut last = a.clone();
            last.state = State::Success;
            last.attempt = 3;
            last.output = json!({"result": a.created_at.to_string()});
            writes.push((Write::Update, last.into()));
        }
        let late = action(&t, State::Idle, 5000);
        let mut early = late.clone();
        early.state = State::Error;
        writes.push((Write::Update, early.into()));
        writes.push((Write::Insert, late.clone().into()));
        let batch = Batch {
            action_executions: writes,
            ..Batch::default()
        };
        writer.commit(&batch).unwrap();
        let all = store
            .list_action_executions(&ListQuery {
                limit: 0,
                ..every()
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

/// The text every column holds, inserted and then updated by the group
/// commit, on both backends: ids hyphenated, states and kinds as Mistral
/// spells them, JSON and tags as `serde_json::to_string` writes them (the
/// bytes the store has always written, so older files read the same).
#[test]
fn stored_text_is_the_serialized_record() {
    use super::schema::{task_executions as t, workflow_executions as e};
    use diesel::prelude::*;
    for db in databases() {
        let (store, mut writer) = open(&db.url).unwrap();
        let wf = workflow("wf", "");
        let mut ex = execution(&wf, State::Running, 0);
        ex.input = json!({"f": 1e-5, "big": 12345678901234567890u64, "s": "é\n\"q\"", "n": null});
        ex.tags = vec!["ü".into(), "a\"b".into()];
        let mut tk = task(&ex, "t", State::Running);
        writer
            .commit(&inserts(&[&wf], &[&ex], &[&tk], &[]))
            .unwrap();
        let expect = |ex: &ExecutionRecord, tk: &TaskRecord| {
            (
                (
                    ex.id.to_string(),
                    ex.state.as_str().to_string(),
                    serde_json::to_string(&ex.input).unwrap(),
                    serde_json::to_string(&ex.tags).unwrap(),
                    ex.task_execution_id.map(|i| i.to_string()),
                ),
                (
                    tk.kind.as_str().to_string(),
                    serde_json::to_string(&tk.result).unwrap(),
                    serde_json::to_string(&tk.runtime_context).unwrap(),
                ),
            )
        };
        let stored = || {
            let mut c = store.conn().unwrap();
            let exs: (String, String, String, String, Option<String>) = e::table
                .select((e::id, e::state, e::input, e::tags, e::task_execution_id))
                .first(&mut *c)
                .unwrap();
            let tks: (String, String, String) = t::table
                .select((t::kind, t::result, t::runtime_context))
                .first(&mut *c)
                .unwrap();
            (exs, tks)
        };
        assert_eq!(stored(), expect(&ex, &tk), "{}: insert", db.name);
        assert_eq!(
            stored().0.2,
            r#"{"f":0.00001,"big":12345678901234567890,"s":"é\n\"q\"","n":null}"#
        );

        ex.state = State::Success;
        ex.task_execution_id = Some(TaskExecutionId::new());
        ex.input = json!([0.1, {"z": 1, "a": 2}]);
        tk.result = json!({"result": 2.5e-7});
        let batch = Batch {
            executions: vec![(Write::Update, ex.clone())],
            tasks: vec![(Write::Update, tk.clone())],
            ..Batch::default()
        };
        writer.commit(&batch).unwrap();
        assert_eq!(stored(), expect(&ex, &tk), "{}: update", db.name);
        assert_eq!(stored().0.2, r#"[0.1,{"z":1,"a":2}]"#);
    }
}

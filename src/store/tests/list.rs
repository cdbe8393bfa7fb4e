//! List tests: marker paging, sorting, each filter operator, bad queries.

use serde_json::json;

use super::*;

/// 30 executions: created_at repeats in threes (ties broken by id), states
/// cycle, every other one has `updated_at`, every third a `state_info`.
fn seed(writer: &mut Writer) -> Vec<ExecutionRecord> {
    let wf = workflow("wf", "");
    let states = [
        State::Running,
        State::Success,
        State::Error,
        State::Paused,
        State::Idle,
    ];
    let exs: Vec<ExecutionRecord> = (0..30)
        .map(|i| {
            let mut e = execution(&wf, states[i % states.len()], (i / 3) as i64);
            e.description = Some(format!("run {i:02} of 100% _x_"));
            e.updated_at = (i % 2 == 0).then(|| at(100 - i as i64));
            e.state_info = (i % 3 == 0).then(|| format!("info{}", i % 4));
            e.tags = if i % 4 == 0 {
                vec!["even".into(), "four".into()]
            } else {
                vec!["odd".into()]
            };
            e.workflow_name = if i < 10 {
                "alpha".into()
            } else {
                "beta".into()
            };
            e
        })
        .collect();
    let refs: Vec<&ExecutionRecord> = exs.iter().collect();
    writer.commit(&inserts(&[&wf], &refs, &[], &[])).unwrap();
    exs
}

fn query(sort: &[(&str, SortDir)], filters: Vec<Filter>) -> ListQuery {
    ListQuery {
        marker: None,
        limit: 0,
        sort: sort.iter().map(|(k, d)| (k.to_string(), *d)).collect(),
        filters,
        access: crate::store::Access::All,
    }
}

fn flt(field: &str, op: FilterOp, values: &[&str]) -> Filter {
    Filter {
        field: field.into(),
        op,
        values: values.iter().map(|v| v.to_string()).collect(),
    }
}

/// Every page of `q` with `limit`, followed by markers, concatenated.
fn pages(store: &Store, q: &ListQuery, limit: usize) -> Vec<ExecutionId> {
    let mut out = Vec::new();
    let mut q = ListQuery { limit, ..q.clone() };
    loop {
        let page = store.list_executions(&q).unwrap();
        assert!(page.len() <= limit);
        out.extend(page.iter().map(|e| e.id));
        match page.last() {
            Some(last) if page.len() == limit => q.marker = Some(last.id.to_string()),
            _ => return out,
        }
    }
}

/// A sort key of an execution: (is NULL, comparable text).
fn key(e: &ExecutionRecord, field: &str) -> (bool, String) {
    let time = |t: &Timestamp| t.format("%Y-%m-%d %H:%M:%S%.6f").to_string();
    match field {
        "created_at" => (false, time(&e.created_at)),
        "updated_at" => (
            e.updated_at.is_none(),
            e.updated_at.as_ref().map(time).unwrap_or_default(),
        ),
        "state" => (false, e.state.as_str().into()),
        "state_info" => (
            e.state_info.is_none(),
            e.state_info.clone().unwrap_or_default(),
        ),
        "workflow_name" => (false, e.workflow_name.clone()),
        "id" => (false, e.id.to_string()),
        other => panic!("no key {other}"),
    }
}

/// What the store should return: NULLs last ascending, first descending, id last.
fn expected(exs: &[ExecutionRecord], sort: &[(&str, SortDir)]) -> Vec<ExecutionId> {
    let mut v: Vec<&ExecutionRecord> = exs.iter().collect();
    v.sort_by(|a, b| {
        for (field, dir) in sort.iter().chain([("id", SortDir::Asc)].iter()) {
            let o = key(a, field).cmp(&key(b, field));
            let o = if *dir == SortDir::Desc {
                o.reverse()
            } else {
                o
            };
            if o.is_ne() {
                return o;
            }
        }
        std::cmp::Ordering::Equal
    });
    v.into_iter().map(|e| e.id).collect()
}

#[test]
fn paging_follows_every_sort_order() {
    use SortDir::{Asc, Desc};
    for db in databases() {
        let (store, mut writer) = open(&db.url).unwrap();
        let exs = seed(&mut writer);
        let sorts: &[&[(&str, SortDir)]] = &[
            &[("created_at", Asc)],
            &[("created_at", Desc)],
            &[],
            &[("id", Desc)],
            &[("state", Asc), ("created_at", Desc)],
            &[("updated_at", Asc)],
            &[("updated_at", Desc)],
            &[("state_info", Desc), ("created_at", Asc)],
            &[("state_info", Asc), ("updated_at", Desc)],
            &[("workflow_name", Desc)],
        ];
        for sort in sorts {
            let want = expected(&exs, sort);
            let q = query(sort, vec![]);
            let all: Vec<ExecutionId> = store
                .list_executions(&q)
                .unwrap()
                .iter()
                .map(|e| e.id)
                .collect();
            assert_eq!(all, want, "{}: {sort:?}", db.name);
            for limit in [1, 4, 7, 30, 31] {
                assert_eq!(
                    pages(&store, &q, limit),
                    want,
                    "{}: {sort:?} by {limit}",
                    db.name
                );
            }
        }
    }
}

#[test]
fn paging_with_filters() {
    for db in databases() {
        let (store, mut writer) = open(&db.url).unwrap();
        let exs = seed(&mut writer);
        let q = query(
            &[("created_at", SortDir::Desc)],
            vec![flt("workflow_name", FilterOp::Eq, &["beta"])],
        );
        let beta: Vec<ExecutionRecord> = exs
            .iter()
            .filter(|e| e.workflow_name == "beta")
            .cloned()
            .collect();
        let want = expected(&beta, &[("created_at", SortDir::Desc)]);
        assert_eq!(pages(&store, &q, 6), want, "{}", db.name);
        assert_eq!(want.len(), 20);
    }
}

#[test]
fn filters_on_executions() {
    use FilterOp::*;
    for db in databases() {
        let (store, mut writer) = open(&db.url).unwrap();
        let exs = seed(&mut writer);
        let count = |fs: Vec<Filter>| store.list_executions(&query(&[], fs)).unwrap().len();
        let want = |p: &dyn Fn(&ExecutionRecord) -> bool| exs.iter().filter(|e| p(e)).count();
        let check = |fs: Vec<Filter>, expected: usize| {
            let label = format!("{}: {fs:?}", db.name);
            assert_eq!(count(fs), expected, "{label}");
        };
        check(
            vec![flt("state", Eq, &["RUNNING"])],
            want(&|e| e.state == State::Running),
        );
        check(
            vec![flt("state", Neq, &["RUNNING"])],
            want(&|e| e.state != State::Running),
        );
        check(vec![flt("state", In, &["RUNNING", "PAUSED"])], 12);
        check(vec![flt("state", Nin, &["RUNNING", "PAUSED"])], 18);
        check(vec![flt("state", Has, &["UN"])], 6);
        // Mistral stores timestamps to the second: a row is compared as
        // if cut to its second, so a value with a fraction is no row's.
        let sec =
            |t: Timestamp| chrono::DurationRound::duration_trunc(t, TimeDelta::seconds(1)).unwrap();
        check(
            vec![flt("created_at", Gt, &[&at(5).to_string()])],
            want(&|e| sec(e.created_at) > at(5)),
        );
        check(
            vec![flt("created_at", Gte, &[&at(5).to_string()])],
            want(&|e| sec(e.created_at) >= at(5)),
        );
        check(
            vec![flt("created_at", Lt, &[&at(5).to_string()])],
            want(&|e| sec(e.created_at) < at(5)),
        );
        check(
            vec![flt("created_at", Lte, &[&at(5).to_string()])],
            want(&|e| sec(e.created_at) <= at(5)),
        );
        check(vec![flt("created_at", Eq, &[&at(5).to_string()])], 0);
        check(vec![flt("created_at", Eq, &[&sec(at(5)).to_string()])], 3);
        check(vec![flt("created_at", Neq, &[&sec(at(5)).to_string()])], 27);
        check(
            vec![flt(
                "created_at",
                In,
                &[&sec(at(5)).to_string(), &sec(at(6)).to_string()],
            )],
            6,
        );
        check(vec![flt("created_at", Gt, &[&sec(at(5)).to_string()])], 12);
        check(vec![flt("created_at", Lte, &[&sec(at(5)).to_string()])], 18);
        check(vec![flt("created_at", Gte, &["2026-11-27"])], 30);
        check(vec![flt("created_at", Lt, &["2026-11-27T10:00:01"])], 3);
        check(
            vec![flt("updated_at", Gt, &[&at(80).to_string()])],
            want(&|e| e.updated_at > Some(at(80))),
        );
        check(vec![flt("description", Has, &["100% _x_"])], 30);
        check(vec![flt("description", Has, &["run 1"])], 10);
        check(vec![flt("description", Has, &["RUN"])], 0);
        check(vec![flt("description", Eq, &["run 03 of 100% _x_"])], 1);
        check(
            vec![flt("state_info", Eq, &["info0"])],
            want(&|e| e.state_info.as_deref() == Some("info0")),
        );
        check(
            vec![flt("state_info", Neq, &["info0"])],
            want(&|e| e.state_info.as_deref().is_some_and(|s| s != "info0")),
        );
        check(vec![flt("tags", Eq, &["even"])], 8);
        check(vec![flt("tags", Has, &["four"])], 8);
        check(vec![flt("tags", Has, &["fo"])], 0);
        check(vec![flt("tags", Neq, &["even"])], 22);
        check(vec![flt("tags", In, &["even", "odd"])], 30);
        check(vec![flt("tags", Nin, &["even", "nope"])], 22);
        check(vec![flt("workflow_name", In, &[])], 0);
        check(vec![flt("workflow_name", Nin, &[])], 30);
        check(
            vec![
                flt("workflow_name", Eq, &["beta"]),
                flt("state", Eq, &["IDLE"]),
            ],
            4,
        );
        check(vec![flt("input", Has, &["\"a\":1"])], 30);
        check(vec![flt("params", Has, &["\"env\""])], 30);
        check(
            vec![flt("workflow_id", Eq, &[&exs[0].workflow_id.to_string()])],
            30,
        );
        check(vec![flt("id", Eq, &[&exs[7].id.to_string()])], 1);
        check(vec![flt("task_execution_id", Eq, &["x"])], 0);
        check(vec![flt("project_id", Eq, &["<default-project>"])], 30);
    }
}

#[test]
fn filters_on_workflows_tasks_and_action_executions() {
    use FilterOp::*;
    for db in databases() {
        let (store, mut writer) = open(&db.url).unwrap();
        let (w1, mut w2) = (workflow("one", ""), workflow("two", "ns"));
        w2.scope = crate::domain::Scope::Public;
        w2.tags = vec!["x".into()];
        let ex = execution(&w1, State::Running, 0);
        let other = execution(&w1, State::Running, 1);
        let mut t1 = task(&ex, "t1", State::Success);
        t1.processed = true;
        let t2 = task(&ex, "t2", State::RunningDelayed);
        let t3 = task(&other, "t3", State::Running);
        let mut a1 = action(&t1, State::Success, 0);
        a1.accepted = true;
        a1.output = json!({"result": "hello world"});
        let a2 = action(&t2, State::Running, 1);
        writer
            .commit(&inserts(
                &[&w1, &w2],
                &[&ex, &other],
                &[&t1, &t2, &t3],
                &[&a1, &a2],
            ))
            .unwrap();
        let n = db.name;

        let names = |fs: Vec<Filter>| -> Vec<String> {
            store
                .list_workflows(&query(&[("name", SortDir::Asc)], fs))
                .unwrap()
                .into_iter()
                .map(|w| w.name)
                .collect()
        };
        assert_eq!(names(vec![flt("scope", Eq, &["public"])]), ["two"], "{n}");
        assert_eq!(names(vec![flt("namespace", Eq, &[""])]), ["one"], "{n}");
        assert_eq!(names(vec![flt("tags", Eq, &["t1"])]), ["one"], "{n}");
        assert_eq!(names(vec![flt("name", Nin, &["one"])]), ["two"], "{n}");
        assert_eq!(
            names(vec![flt("definition", Has, &["two:"])]),
            ["two"],
            "{n}"
        );
        assert_eq!(
            names(vec![flt("input", Eq, &["a, b=\"x\""])]),
            ["one", "two"],
            "{n}"
        );
        assert_eq!(
            names(vec![flt("updated_at", Eq, &["2026-01-01"])]),
            Vec::<String>::new(),
            "{n}"
        );

        let tasks = |fs: Vec<Filter>| -> Vec<String> {
            store
                .list_tasks(&query(&[("name", SortDir::Asc)], fs))
                .unwrap()
                .into_iter()
                .map(|t| t.name)
                .collect()
        };
        assert_eq!(tasks(vec![flt("processed", Eq, &["true"])]), ["t1"], "{n}");
        assert_eq!(
            tasks(vec![flt("processed", Neq, &["true"])]),
            ["t2", "t3"],
            "{n}"
        );
        assert_eq!(
            tasks(vec![flt("processed", In, &["False"])]),
            ["t2", "t3"],
            "{n}"
        );
        assert_eq!(tasks(vec![flt("state", Eq, &["DELAYED"])]), ["t2"], "{n}");
        assert_eq!(
            tasks(vec![flt("state", Eq, &["RUNNING_DELAYED"])]),
            ["t2"],
            "{n}"
        );
        assert_eq!(
            tasks(vec![flt(
                "workflow_execution_id",
                Eq,
                &[&ex.id.to_string()]
            )]),
            ["t1", "t2"],
            "{n}"
        );
        assert_eq!(tasks(vec![flt("result", Has, &["three"])]).len(), 3, "{n}");
        assert_eq!(
            tasks(vec![flt("published", Eq, &["{\"p\":null}"])]).len(),
            3,
            "{n}"
        );

        let sorted = store
            .list_tasks(&query(
                &[
                    ("started_at", SortDir::Desc),
                    ("type", SortDir::Asc),
                    ("tags", SortDir::Asc),
                ],
                vec![flt("finished_at", Lt, &["2030-01-01"])],
            ))
            .unwrap();
        assert!(sorted.is_empty(), "{n}");
        assert_eq!(tasks(vec![flt("type", Eq, &["ACTION"])]).len(), 3, "{n}");
        // a row is compared as if cut to its second (Mistral's precision)
        let second = chrono::DurationRound::duration_trunc(at(1), TimeDelta::seconds(1)).unwrap();
        assert_eq!(
            tasks(vec![flt("started_at", Gte, &[&second.to_string()])]).len(),
            3,
            "{n}"
        );
        assert_eq!(
            tasks(vec![flt("started_at", Gte, &[&at(1).to_string()])]).len(),
            0,
            "{n}"
        );
        assert_eq!(
            tasks(vec![flt("runtime_context", Has, &["on-success"])]).len(),
            3,
            "{n}"
        );

        let aes = |fs: Vec<Filter>| -> Vec<ActionExecutionId> {
            store
                .list_action_executions(&query(&[("created_at", SortDir::Asc)], fs))
                .unwrap()
                .into_iter()
                .map(|a| a.id)
                .collect()
        };
        assert_eq!(aes(vec![flt("accepted", Eq, &["1"])]), [a1.id], "{n}");
        assert_eq!(aes(vec![flt("output", Has, &["hello"])]), [a1.id], "{n}");
        assert_eq!(aes(vec![flt("task_name", Eq, &["t2"])]), [a2.id], "{n}");
        assert_eq!(
            aes(vec![flt("task_execution_id", Eq, &[&t1.id.to_string()])]),
            [a1.id],
            "{n}"
        );
        assert_eq!(aes(vec![flt("state", Nin, &["SUCCESS"])]), [a2.id], "{n}");
        assert_eq!(
            aes(vec![flt("workflow_name", Eq, &["one"])]),
            [a1.id, a2.id],
            "{n}"
        );
    }
}

#[test]
fn bad_queries_name_the_problem() {
    use FilterOp::*;
    for db in databases() {
        let (store, mut writer) = open(&db.url).unwrap();
        let exs = seed(&mut writer);
        let check = |q: ListQuery, needle: &str| match store.list_executions(&q) {
            Err(Error::BadQuery(msg)) => assert!(
                msg.contains(needle),
                "{}: '{msg}' lacks '{needle}'",
                db.name
            ),
            other => panic!("{}: {q:?} gave {other:?}", db.name),
        };
        check(query(&[], vec![flt("nope", Eq, &["x"])]), "nope");
        check(query(&[], vec![flt("context", Eq, &["x"])]), "context");
        check(query(&[("nope", SortDir::Asc)], vec![]), "nope");
        check(
            query(&[("published_global", SortDir::Asc)], vec![]),
            "published_global",
        );
        let unknown_state = store.list_executions(&query(&[], vec![flt("state", Eq, &["RUNNIN"])]));
        assert!(
            matches!(&unknown_state, Ok(v) if v.is_empty()),
            "{}: {unknown_state:?}",
            db.name
        );
        check(query(&[], vec![flt("created_at", Gt, &["soon"])]), "soon");
        check(
            query(&[], vec![flt("created_at", Has, &["2026"])]),
            "created_at",
        );
        check(query(&[], vec![flt("tags", Gt, &["a"])]), "tags");
        check(
            query(&[], vec![flt("state", Eq, &["RUNNING", "PAUSED"])]),
            "state",
        );
        check(query(&[], vec![flt("description", Eq, &[])]), "description");
        let marker = ListQuery {
            marker: Some(ExecutionId::new().to_string()),
            ..super::every()
        };
        assert!(
            matches!(
                store.list_executions(&marker),
                Err(Error::MarkerNotFound("workflow_executions", _))
            ),
            "{}",
            db.name
        );
        let bool_gt = store.list_tasks(&query(&[], vec![flt("processed", Gt, &["true"])]));
        assert!(
            matches!(bool_gt, Err(Error::BadQuery(m)) if m.contains("processed")),
            "{}",
            db.name
        );
        let bad_bool =
            store.list_action_executions(&query(&[], vec![flt("accepted", Eq, &["maybe"])]));
        assert!(
            matches!(bad_bool, Err(Error::BadQuery(m)) if m.contains("maybe")),
            "{}",
            db.name
        );
        // An execution-only field is unknown on tasks.
        let wrong = store.list_tasks(&query(&[], vec![flt("root_execution_id", Eq, &["x"])]));
        assert!(matches!(wrong, Err(Error::BadQuery(_))), "{}", db.name);
        assert_eq!(exs.len(), 30);
    }
}

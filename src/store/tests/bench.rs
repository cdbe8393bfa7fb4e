//! Group-commit throughput: a batch of 10,000 action-execution inserts, then
//! a batch of 10,000 updates of them. Ignored by default; run with
//! `cargo test --release --lib store::tests::bench -- --ignored --nocapture`.

use std::time::Instant;

use super::*;

#[test]
#[ignore = "throughput measurement"]
fn group_commit_throughput() {
    const N: usize = 10_000;
    for db in databases() {
        let (store, mut writer) = open(&db.url).unwrap();
        let wf = workflow("wf", "");
        let ex = execution(&wf, State::Running, 0);
        let t = task(&ex, "t", State::Running);
        writer.commit(&inserts(&[&wf], &[&ex], &[&t], &[])).unwrap();
        let mut aes: Vec<ActionExecutionRecord> =
            (0..N).map(|i| action(&t, State::Idle, i as i64)).collect();

        let batch = Batch {
            action_executions: aes
                .iter()
                .map(|a| (Write::Insert, a.clone().into()))
                .collect(),
            ..Batch::default()
        };
        let start = Instant::now();
        let rows: Vec<_> = aes
            .iter()
            .map(|a| {
                diesel::Insertable::<super::super::schema::action_executions::table>::values(
                    a.clone(),
                )
            })
            .collect();
        let convert = start.elapsed();
        drop(rows);
        let start = Instant::now();
        writer.commit(&batch).unwrap();
        let insert = start.elapsed();

        for a in &mut aes {
            a.state = State::Success;
            a.accepted = true;
            a.output = serde_json::json!({"result": "hi"});
            a.updated_at = Some(at(1));
        }
        let batch = Batch {
            action_executions: aes
                .iter()
                .map(|a| (Write::Update, a.clone().into()))
                .collect(),
            ..Batch::default()
        };
        let start = Instant::now();
        writer.commit(&batch).unwrap();
        let update = start.elapsed();

        let rate = |d: std::time::Duration| N as f64 / d.as_secs_f64();
        println!(
            "{}: {N} inserts in {:.0} ms ({:.0} rows/s), {N} updates in {:.0} ms ({:.0} rows/s), \
             total {:.0} rows/s (of which {:.0} ms per {N} to convert records to rows)",
            db.name,
            insert.as_secs_f64() * 1e3,
            rate(insert),
            update.as_secs_f64() * 1e3,
            rate(update),
            (2 * N) as f64 / (insert + update).as_secs_f64(),
            convert.as_secs_f64() * 1e3,
        );
        let q = ListQuery {
            limit: 0,
            filters: vec![Filter {
                field: "state".into(),
                op: FilterOp::Eq,
                values: vec!["SUCCESS".into()],
            }],
            ..super::every()
        };
        assert_eq!(
            store.list_action_executions(&q).unwrap().len(),
            N,
            "{}",
            db.name
        );
    }
}

/// Small commits: 500 commits of one insert and one update each, the shape
/// of an engine handling one event at a time (each commit is fsynced).
#[test]
#[ignore = "throughput measurement"]
fn small_commit_rate() {
    const N: usize = 500;
    for db in databases() {
        let (_store, mut writer) = open(&db.url).unwrap();
        let wf = workflow("wf", "");
        let ex = execution(&wf, State::Running, 0);
        let t = task(&ex, "t", State::Running);
        writer.commit(&inserts(&[&wf], &[&ex], &[&t], &[])).unwrap();
        let mut prev: Option<ActionExecutionRecord> = None;
        let start = Instant::now();
        for i in 0..N {
            let a = action(&t, State::Idle, i as i64);
            let mut writes = vec![(Write::Insert, a.clone().into())];
            if let Some(mut p) = prev.take() {
                p.state = State::Success;
                writes.push((Write::Update, p.into()));
            }
            writer
                .commit(&Batch {
                    action_executions: writes,
                    ..Batch::default()
                })
                .unwrap();
            prev = Some(a);
        }
        let took = start.elapsed();
        println!(
            "{}: {N} commits in {:.0} ms ({:.0} commits/s, {:.2} ms each)",
            db.name,
            took.as_secs_f64() * 1e3,
            N as f64 / took.as_secs_f64(),
            took.as_secs_f64() * 1e3 / N as f64,
        );
    }
}

//! Several engine nodes (PostgreSQL only): the database itself refuses the
//! commit of a node process that lost its lease without knowing it — its
//! epoch moved on (the same node id joined again), or its lease ran out by
//! the database's clock — and the refusal is counted on the node's row.

use std::sync::atomic::Ordering;
use std::time::Duration;

use super::*;

fn settings(id: &str, lease_ms: u64) -> NodeSettings {
    NodeSettings {
        id: id.into(),
        api_url: format!("http://{id}.example:8989"),
        lease: Duration::from_millis(lease_ms),
    }
}

/// `stale_writes_rejected` of node `id`'s row.
fn rejected_on_row(url: &str, id: &str) -> i64 {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut c = diesel::PgConnection::establish(url).unwrap();
    diesel::sql_query("SELECT stale_writes_rejected AS n FROM nodes WHERE id = $1")
        .bind::<diesel::sql_types::Text, _>(id)
        .get_result::<N>(&mut c)
        .unwrap()
        .n
}

#[test]
fn a_process_whose_epoch_moved_on_is_refused_by_the_database() {
    for db in databases().into_iter().filter(|d| d.name == "postgres") {
        let (_store, mut old, _keeper) = open_node(&db.url, &settings("a", 30_000)).unwrap();
        let first = workflow("w1", "");
        old.commit(&inserts(&[&first], &[], &[], &[])).unwrap();
        // Node a starts again (its supervisor restarted it while the old
        // process still ran): the old process is stale and does not know.
        let (store, mut new, _k) = open_node(&db.url, &settings("a", 30_000)).unwrap();
        let late = workflow("w2", "");
        let refused = old.commit(&inserts(&[&late], &[], &[], &[]));
        assert!(matches!(refused, Err(Error::Fenced(_))), "{refused:?}");
        let node = old.node().unwrap();
        assert!(node.lost());
        assert_eq!(node.stats.stale_rejected.load(Ordering::Relaxed), 1);
        assert_eq!(rejected_on_row(&db.url, "a"), 1);
        assert!(
            store
                .find_workflow(&crate::store::Access::All, "w2", "")
                .unwrap()
                .is_none()
        );
        new.commit(&inserts(&[&late], &[], &[], &[])).unwrap();
        assert!(
            store
                .find_workflow(&crate::store::Access::All, "w2", "")
                .unwrap()
                .is_some()
        );
    }
}

#[test]
fn a_lease_run_out_by_the_database_clock_is_refused() {
    for db in databases().into_iter().filter(|d| d.name == "postgres") {
        // Nothing renews this lease (no keeper thread runs here).
        let (store, mut writer, _keeper) = open_node(&db.url, &settings("b", 300)).unwrap();
        std::thread::sleep(Duration::from_millis(500));
        assert!(!writer.node().unwrap().lost(), "the process does not know");
        let late = workflow("w3", "");
        let refused = writer.commit(&inserts(&[&late], &[], &[], &[]));
        assert!(matches!(refused, Err(Error::Fenced(_))), "{refused:?}");
        assert_eq!(rejected_on_row(&db.url, "b"), 1);
        assert!(
            store
                .find_workflow(&crate::store::Access::All, "w3", "")
                .unwrap()
                .is_none()
        );
    }
}

#[test]
fn a_version_another_node_deleted_is_reported_missing_and_nothing_is_written() {
    for db in databases().into_iter().filter(|d| d.name == "postgres") {
        let (store, mut a, _ka) = open_node(&db.url, &settings("a", 30_000)).unwrap();
        let (_s, mut b, _kb) = open_node(&db.url, &settings("b", 30_000)).unwrap();
        let wf = workflow("wf", "");
        let version = WorkflowVersion::of(r#"{"name":"wf","tasks":{"t":{}}}"#.into());
        let mut e1 = execution(&wf, State::Success, 0);
        e1.spec_id = version.id.clone();
        let mut batch = inserts(&[&wf], &[&e1], &[], &[]);
        batch.versions = vec![version.clone()];
        a.commit(&batch).unwrap();
        // Node b deletes the last execution naming it: the version goes.
        b.commit(&Batch {
            deleted_executions: vec![e1.id],
            ..Batch::default()
        })
        .unwrap();
        // Node a still takes it for stored.
        let mut e2 = execution(&wf, State::Running, 1);
        e2.spec_id = version.id.clone();
        let mut batch = inserts(&[], &[&e2], &[], &[]);
        let refused = a.commit(&batch);
        assert!(
            matches!(&refused, Err(Error::VersionsMissing(ids)) if ids == &vec![version.id.clone()]),
            "{refused:?}"
        );
        let none = store.list_executions(&super::every()).unwrap();
        assert!(none.is_empty(), "nothing of the batch was written");
        batch.versions = vec![version.clone()];
        a.commit(&batch).unwrap();
        let one = store.list_executions(&super::every()).unwrap();
        assert_eq!(one.len(), 1);
    }
}

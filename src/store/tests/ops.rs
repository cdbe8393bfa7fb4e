//! Operational tests: the process lock, connection settings, migrations,
//! reconnecting, and how lock timeouts and a full disk are reported.

use crate::store::Access;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use super::*;

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
            store.list_workflows(&super::every()).unwrap().len(),
            1,
            "{}",
            db.name
        );
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
        assert!(
            store
                .find_workflow(&Access::All, "wf", "")
                .unwrap()
                .is_some()
        );
        kill(&mut writer, &base);
        assert!(
            writer
                .find_workflow("wf", "", &Access::All)
                .unwrap()
                .is_some()
        );
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
    assert!(
        store
            .find_workflow(&Access::All, "wf", "")
            .unwrap()
            .is_some()
    );
    other.batch_execute("COMMIT").unwrap();
    writer.commit(&inserts(&[], &[&ex], &[], &[])).unwrap();

    // The database may not grow (2,000 rows: more than the free pages the
    // migrations' dropped indexes left behind).
    writer
        .conn
        .batch_execute("PRAGMA max_page_count = 1")
        .unwrap();
    let big: Vec<ExecutionRecord> = (0..2000)
        .map(|i| execution(&wf, State::Running, i))
        .collect();
    let refs: Vec<&ExecutionRecord> = big.iter().collect();
    let err = writer.commit(&inserts(&[], &refs, &[], &[])).unwrap_err();
    assert!(matches!(err, Error::Full(_)), "{err}");
    assert!(
        store
            .get_execution(&Access::All, big[0].id)
            .unwrap()
            .is_none()
    );
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
            .args(["--ignored", "--exact", "store::tests::ops::lock_probe"])
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

#[test]
fn readers_never_wait_for_the_writer() {
    for db in databases() {
        let (store, mut writer) = open(&db.url).unwrap();
        let wf = workflow("wf", "");
        writer.commit(&inserts(&[&wf], &[], &[], &[])).unwrap();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let readers: Vec<_> = (0..6)
            .map(|_| {
                let (store, stop) = (store.clone(), stop.clone());
                std::thread::spawn(move || {
                    let mut reads = 0;
                    let mut last = 0;
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        let n = store.list_executions(&super::every()).unwrap().len();
                        assert!(n >= last, "a reader went back in time");
                        last = n;
                        reads += 1;
                    }
                    reads
                })
            })
            .collect();
        for i in 0..40 {
            let ex = execution(&wf, State::Running, i);
            writer.commit(&inserts(&[], &[&ex], &[], &[])).unwrap();
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for r in readers {
            assert!(r.join().unwrap() > 0, "{}", db.name);
        }
        assert_eq!(store.list_executions(&super::every()).unwrap().len(), 40);
    }
}

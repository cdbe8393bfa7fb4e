//! Cron triggers fired by the engine on a compressed clock: many triggers
//! over a simulated day with restarts in between fire exactly as many
//! executions as Mistral's rule says (a missed firing runs once, never
//! zero times, never N times); the catch-up extension; one-shot and
//! counted triggers are deleted after their last firing.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use bora::config::Config;
use bora::domain::{DEFAULT_PROJECT, Timestamp};
use bora::engine::{Clock, CreateCronTrigger, CreateWorkflows, ScanCron};
use bora::store::{Access, Filter, FilterOp, ListQuery, Store};
use chrono::{NaiveDate, TimeDelta};

use crate::harness::{eventually, sqlite_url};

/// A clock the test moves: seconds since the epoch.
#[derive(Clone)]
struct SimClock(Arc<AtomicI64>);

impl SimClock {
    fn at(t: Timestamp) -> Self {
        Self(Arc::new(AtomicI64::new(t.and_utc().timestamp())))
    }
    fn set(&self, t: Timestamp) {
        self.0.store(t.and_utc().timestamp(), Ordering::SeqCst);
    }
    fn clock(&self) -> Clock {
        let s = self.0.clone();
        Arc::new(move || {
            chrono::DateTime::from_timestamp(s.load(Ordering::SeqCst), 0)
                .expect("time")
                .naive_utc()
        })
    }
}

fn day0() -> Timestamp {
    NaiveDate::from_ymd_opt(2031, 3, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
}

/// The databases a test runs on: a SQLite file, and PostgreSQL in a
/// fresh schema when `BORA_TEST_POSTGRES_URL` is set (dropped at the end).
struct Db {
    url: String,
    _dir: Option<tempfile::TempDir>,
    #[cfg_attr(
        not(feature = "postgres"),
        expect(dead_code, reason = "PostgreSQL only")
    )]
    pg: Option<(String, String)>,
}

#[cfg(feature = "postgres")]
impl Drop for Db {
    fn drop(&mut self) {
        use diesel::{Connection, connection::SimpleConnection};
        if let Some((base, schema)) = &self.pg
            && let Ok(mut c) = diesel::PgConnection::establish(base)
        {
            let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
        }
    }
}

fn databases() -> Vec<Db> {
    let (dir, url) = sqlite_url();
    #[cfg_attr(
        not(feature = "postgres"),
        expect(unused_mut, reason = "PostgreSQL adds one")
    )]
    let mut out = vec![Db {
        url,
        _dir: Some(dir),
        pg: None,
    }];
    #[cfg(feature = "postgres")]
    if let Ok(base) = std::env::var("BORA_TEST_POSTGRES_URL") {
        use diesel::{Connection, connection::SimpleConnection};
        let schema = format!("bora_cron_{}", uuid::Uuid::new_v4().simple());
        let mut c = diesel::PgConnection::establish(&base).expect("postgres");
        c.batch_execute(&format!("CREATE SCHEMA {schema}"))
            .expect("schema");
        let sep = if base.contains('?') { '&' } else { '?' };
        out.push(Db {
            url: format!("{base}{sep}options=-csearch_path%3D{schema}"),
            _dir: None,
            pg: Some((base, schema)),
        });
    }
    out
}

fn config(url: &str) -> Config {
    Config {
        database: url.to_string(),
        workers: 1,
        // Only the start-up scan and the test's ScanCron fire.
        cron_scan_interval_ms: 3_600_000,
        ..crate::harness::base_config()
    }
}

async fn start(url: &str, clock: &SimClock, adjust: impl Fn(&mut Config)) -> bora::app::Engine {
    let mut config = config(url);
    adjust(&mut config);
    eventually(Duration::from_secs(10), "the database released", || async {
        bora::app::Engine::start_clocked(
            &config,
            bora::actions::Registry::standard(),
            clock.clock(),
        )
        .ok()
    })
    .await
}

async fn upload(engine: &bora::app::Engine, name: &str) {
    let definition = format!("version: '2.0'\n{name}:\n  tasks:\n    t:\n      action: std.noop\n");
    let msg = CreateWorkflows {
        definition,
        namespace: String::new(),
        scope: bora::domain::Scope::Private,
        project: DEFAULT_PROJECT.into(),
    };
    engine.addr.send(msg).await.unwrap().unwrap();
}

async fn trigger(engine: &bora::app::Engine, msg: CreateCronTrigger) {
    engine.addr.send(msg).await.unwrap().unwrap();
}

fn every_minute(name: String, wf: &str) -> CreateCronTrigger {
    CreateCronTrigger {
        name,
        workflow_name: Some(wf.into()),
        pattern: Some("* * * * *".into()),
        scope: bora::domain::Scope::Private,
        project: DEFAULT_PROJECT.into(),
        ..Default::default()
    }
}

async fn scan(engine: &bora::app::Engine) -> usize {
    engine.addr.send(ScanCron).await.unwrap().unwrap()
}

/// How many executions of workflow `wf` are stored.
fn executions_of(store: &Store, wf: &str) -> usize {
    let mut q = ListQuery {
        access: Access::All,
        limit: 0,
        ..Default::default()
    };
    q.filters.push(Filter {
        field: "workflow_name".into(),
        op: FilterOp::Eq,
        values: vec![wf.into()],
    });
    store.list_executions(&q).unwrap().len()
}

/// The executions of `wf` once there are `expected` (or what there is
/// after a while).
async fn settled(store: &Store, wf: &str, expected: usize) -> usize {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let got = executions_of(store, wf);
        if got >= expected || std::time::Instant::now() > deadline {
            return got;
        }
        actix_rt::time::sleep(Duration::from_millis(50)).await;
    }
}

fn triggers(store: &Store) -> Vec<bora::store::CronTriggerRecord> {
    let q = ListQuery {
        access: Access::All,
        limit: 0,
        ..Default::default()
    };
    store.list_cron_triggers(&q).unwrap()
}

/// Mistral's rule for one every-minute trigger, written out on its own: a
/// scan at `s` fires a trigger whose next time is before `s + 2 s`, once,
/// and moves it to the first whole minute after the later of `s` and that
/// time.
fn model_scan(next: &mut Timestamp, s: Timestamp) -> usize {
    if *next >= s + TimeDelta::seconds(2) {
        return 0;
    }
    let from = (*next).max(s);
    let secs = from.and_utc().timestamp();
    let minute = secs - secs.rem_euclid(60) + 60;
    *next = chrono::DateTime::from_timestamp(minute, 0)
        .unwrap()
        .naive_utc();
    1
}

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// 1,000 every-minute triggers over a simulated day, scanned every
/// `BORA_CRON_SIM_STEP_SECS` simulated seconds (default 3,600; 60 scans
/// every minute, 1.44 million executions), with two restarts after
/// downtimes: the engine fires exactly what the model says, both in its
/// answers and in the store.
#[actix_rt::test]
async fn a_thousand_triggers_over_a_simulated_day_with_two_restarts() {
    for db in databases() {
        simulated_day(&db.url).await;
    }
}

async fn simulated_day(url: &str) {
    let n = env_or("BORA_CRON_SIM_TRIGGERS", 1_000);
    let step = env_or("BORA_CRON_SIM_STEP_SECS", 3_600) as i64;
    let t0 = day0() + TimeDelta::seconds(30);
    let clock = SimClock::at(t0);
    let mut engine = start(url, &clock, |_| {}).await;
    upload(&engine, "sim_wf").await;
    for i in 0..n {
        trigger(&engine, every_minute(format!("sim_{i}"), "sim_wf")).await;
    }
    // Every trigger starts due at the first minute after its creation.
    let mut next = day0() + TimeDelta::minutes(1);
    let mut expected = 0usize;
    let mut reported = 0usize;
    let end = day0() + TimeDelta::days(1);
    // Two downtimes: 00:00 + 7h..7h43m and 15h..17h20m (simulated).
    let downs = [
        (TimeDelta::hours(7), TimeDelta::minutes(43)),
        (TimeDelta::hours(15), TimeDelta::minutes(140)),
    ];
    let mut s = t0;
    let mut restarts = 0;
    while s < end {
        s += TimeDelta::seconds(step);
        if let Some((_, down)) = downs
            .iter()
            .find(|(at, _)| s - TimeDelta::seconds(step) < day0() + *at && day0() + *at <= s)
        {
            engine.shutdown(Duration::from_millis(200)).await;
            s += *down;
            clock.set(s);
            // The start-up scan fires what the downtime missed, once.
            engine = start(url, &clock, |_| {}).await;
            restarts += 1;
        } else {
            clock.set(s);
        }
        expected += n * model_scan(&mut next, s);
        reported += scan(&engine).await;
    }
    assert_eq!(restarts, 2);
    let store = engine.store.clone();
    let stored = settled(&store, "sim_wf", expected).await;
    assert_eq!(stored, expected, "executions stored");
    // The start-up scans' firings are not in the answers of ScanCron.
    assert!(reported <= expected && reported >= expected - 2 * n);
    for t in triggers(&store) {
        assert_eq!(t.next_execution_time, next, "{}", t.name);
    }
    engine.shutdown(Duration::from_millis(200)).await;
}

/// The catch-up extension after a downtime of 10 missed minutes: `all`
/// fires each missed time up to `cron_catch_up_max`, `skip` none of them,
/// Mistral's default once.
#[actix_rt::test]
async fn catch_up_policies_after_a_downtime() {
    for db in databases() {
        catch_up(&db.url).await;
    }
}

async fn catch_up(url: &str) {
    let t0 = day0() + TimeDelta::seconds(30);
    let clock = SimClock::at(t0);
    let bound = |c: &mut Config| c.cron_catch_up_max = 6;
    let engine = start(url, &clock, bound).await;
    upload(&engine, "cu_wf").await;
    for policy in ["all", "skip", "once"] {
        let mut msg = every_minute(format!("cu_{policy}"), "cu_wf");
        msg.workflow_input = serde_json::Map::new();
        msg.catch_up = Some(policy.into());
        msg.workflow_params
            .insert("env".into(), serde_json::json!({ "policy": policy }));
        trigger(&engine, msg).await;
    }
    // 00:01:30: each fires once, on time.
    clock.set(day0() + TimeDelta::seconds(90));
    assert_eq!(scan(&engine).await, 3);
    engine.shutdown(Duration::from_millis(200)).await;
    // Down until 00:12:30: 00:02 .. 00:12 (11 times) were missed.
    clock.set(day0() + TimeDelta::seconds(12 * 60 + 30));
    let engine = start(url, &clock, bound).await;
    let store = engine.store.clone();
    // once: 1 + 1; skip: 1 + 0; all: 1 + 6 (the bound).
    assert_eq!(settled(&store, "cu_wf", 10).await, 10);
    assert_eq!(scan(&engine).await, 0, "nothing is due any more");
    for t in triggers(&store) {
        let want = day0() + TimeDelta::minutes(13);
        assert_eq!(t.next_execution_time, want, "{}", t.name);
    }
    engine.shutdown(Duration::from_millis(200)).await;
}

/// A one-shot trigger (first time only) and a counted one fire their
/// executions and are deleted after the last, as in Mistral; the executions
/// carry Mistral's description naming the trigger.
#[actix_rt::test]
async fn counted_triggers_are_deleted_after_their_last_firing() {
    let (_dir, url) = sqlite_url();
    let clock = SimClock::at(day0());
    let engine = start(&url, &clock, |_| {}).await;
    upload(&engine, "ct_wf").await;
    let mut once = every_minute("ct_once".into(), "ct_wf");
    once.pattern = None;
    once.first_execution_time = Some("2031-03-01 00:05".into());
    trigger(&engine, once).await;
    let mut twice = every_minute("ct_twice".into(), "ct_wf");
    twice.remaining_executions = Some(2);
    trigger(&engine, twice).await;
    let mut fired = 0;
    for minute in 1..=10 {
        clock.set(day0() + TimeDelta::seconds(minute * 60 + 1));
        fired += scan(&engine).await;
    }
    assert_eq!(fired, 3);
    assert!(triggers(&engine.store).is_empty());
    let q = ListQuery {
        access: Access::All,
        limit: 0,
        ..Default::default()
    };
    let exs = engine.store.list_executions(&q).unwrap();
    assert_eq!(exs.len(), 3);
    assert!(
        exs.iter().all(|e| {
            let d = e.description.as_deref().unwrap_or_default();
            d.contains("Workflow execution created by cron trigger '(")
                && d.contains("\"triggered_by\": {\"type\": \"cron_trigger\"")
        }),
        "{:?}",
        exs[0].description
    );
    engine.shutdown(Duration::from_millis(200)).await;
}

/// A workbook's workflows stay stored when the workbook is updated without
/// them or deleted (as Mistral keeps them), so a trigger on one keeps firing.
#[actix_rt::test]
async fn a_trigger_outlives_the_workbook_of_its_workflow() {
    use bora::engine::{DeleteWorkbook, PutWorkbook};
    let (_dir, url) = sqlite_url();
    let clock = SimClock::at(day0());
    let engine = start(&url, &clock, |_| {}).await;
    let book = |workflows: &str| PutWorkbook {
        definition: format!("version: '2.0'\nname: wbk\nworkflows:\n{workflows}"),
        namespace: String::new(),
        scope: bora::domain::Scope::Private,
        create: false,
        project: DEFAULT_PROJECT.into(),
    };
    let both = "  a:\n    tasks:\n      t:\n        action: std.noop\n  b:\n    tasks:\n      t:\n        action: std.noop\n";
    let only_b = "  b:\n    tasks:\n      t:\n        action: std.noop\n";
    let mut create = book(both);
    create.create = true;
    engine.addr.send(create).await.unwrap().unwrap();
    trigger(&engine, every_minute("wbk_t".into(), "wbk.a")).await;
    engine.addr.send(book(only_b)).await.unwrap().unwrap();
    let delete = DeleteWorkbook {
        name: "wbk".into(),
        namespace: String::new(),
        project: DEFAULT_PROJECT.into(),
    };
    engine.addr.send(delete).await.unwrap().unwrap();
    clock.set(day0() + TimeDelta::seconds(61));
    assert_eq!(scan(&engine).await, 1);
    engine.shutdown(Duration::from_millis(200)).await;
}

/// The timezone extension: the pattern is read in the trigger's zone (09:00
/// in Paris is 08:00 UTC in March), and fires then; an unknown zone or
/// catch-up policy is a 400 naming it.
#[actix_rt::test]
async fn a_trigger_reads_its_pattern_in_its_time_zone() {
    use bora::engine::Error;
    let (_dir, url) = sqlite_url();
    let clock = SimClock::at(day0());
    let engine = start(&url, &clock, |_| {}).await;
    upload(&engine, "tz_wf").await;
    let mut paris = every_minute("tz_paris".into(), "tz_wf");
    paris.pattern = Some("0 9 * * *".into());
    paris.timezone = Some("Europe/Paris".into());
    let t = engine.addr.send(paris).await.unwrap().unwrap();
    assert_eq!(t.next_execution_time, day0() + TimeDelta::hours(8));
    let mut bad = every_minute("tz_bad".into(), "tz_wf");
    bad.timezone = Some("Mars/Olympus".into());
    match engine.addr.send(bad).await.unwrap() {
        Err(Error::Invalid(m)) => assert_eq!(m, "Unknown time zone: Mars/Olympus"),
        other => panic!("{other:?}"),
    }
    let mut bad = every_minute("tz_bad".into(), "tz_wf");
    bad.catch_up = Some("sometimes".into());
    match engine.addr.send(bad).await.unwrap() {
        Err(Error::Invalid(m)) => assert!(m.contains("sometimes"), "{m}"),
        other => panic!("{other:?}"),
    }
    clock.set(day0() + TimeDelta::hours(8) - TimeDelta::seconds(5));
    assert_eq!(scan(&engine).await, 0);
    clock.set(day0() + TimeDelta::hours(8));
    assert_eq!(scan(&engine).await, 1);
    let t = triggers(&engine.store).remove(0);
    assert_eq!(
        t.next_execution_time,
        day0() + TimeDelta::days(1) + TimeDelta::hours(8)
    );
    engine.shutdown(Duration::from_millis(200)).await;
}

//! Cron triggers in the store: round trip, lists, the due query, and the
//! firing's claim: an advance applies only while the row still holds the
//! time it read, in the same transaction as the execution it starts, so a
//! lost claim rolls that execution back.

use serde_json::json;

use super::*;

fn trigger(name: &str, wf: &WorkflowDef, next: i64) -> CronTriggerRecord {
    CronTriggerRecord {
        id: uuid::Uuid::new_v4().to_string(),
        name: name.into(),
        pattern: "* * * * *".into(),
        first_execution_time: None,
        next_execution_time: at(next),
        remaining_executions: Some(3),
        workflow_name: wf.name.clone(),
        workflow_id: wf.id.to_string(),
        workflow_namespace: wf.namespace.clone(),
        workflow_input: json!({"a": 1}),
        workflow_params: json!({"env": {"é": [1, 2]}}),
        timezone: Some("Europe/Paris".into()),
        catch_up: None,
        scope: crate::domain::Scope::Private,
        project_id: "<default-project>".into(),
        created_at: at(0),
        updated_at: None,
    }
}

#[test]
fn cron_triggers_round_trip_list_due_and_claims() {
    for db in databases() {
        let (store, mut writer) = open(&db.url).unwrap();
        let wf = workflow("cwf", "");
        let t1 = trigger("t1", &wf, 60);
        let t2 = trigger("t2", &wf, 120);
        let mut batch = inserts(&[&wf], &[], &[], &[]);
        batch.cron_triggers = vec![(Write::Insert, t1.clone()), (Write::Insert, t2.clone())];
        writer.commit(&batch).unwrap();
        let access = Access::Project("<default-project>".into());
        assert_eq!(
            writer.get_cron_trigger("t1", &access).unwrap().as_ref(),
            Some(&t1),
            "{}",
            db.name
        );
        assert_eq!(
            store.get_cron_trigger(&access, &t2.id).unwrap().as_ref(),
            Some(&t2)
        );
        assert!(
            store
                .get_cron_trigger(&Access::Project("other".into()), "t1")
                .unwrap()
                .is_none()
        );
        let mut q = ListQuery {
            access: Access::All,
            ..Default::default()
        };
        q.filters.push(Filter {
            field: "workflow_input".into(),
            op: FilterOp::Eq,
            values: vec!["{\"a\": 1}".into()],
        });
        assert_eq!(
            store.list_cron_triggers(&q).unwrap().len(),
            2,
            "{}",
            db.name
        );
        assert_eq!(writer.cron_triggers_of_workflow(wf.id).unwrap().len(), 2);
        // Due before at(61): t1 only.
        let due = writer.due_cron_triggers(at(61), 10).unwrap();
        assert_eq!(due.iter().map(|t| &t.name).collect::<Vec<_>>(), ["t1"]);

        // A firing: an execution and the claim in one batch.
        let ex = execution(&wf, State::Running, 61);
        let mut fire = inserts(&[], &[&ex], &[], &[]);
        fire.cron_advances = vec![CronAdvance {
            id: t1.id.clone(),
            claimed: at(60),
            next: Some(at(120)),
            remaining: Some(2),
            at: at(61),
        }];
        writer.commit(&fire).unwrap();
        let t1_now = writer.get_cron_trigger("t1", &access).unwrap().unwrap();
        assert_eq!(t1_now.next_execution_time, at(120));
        assert_eq!(t1_now.remaining_executions, Some(2));
        assert_eq!(t1_now.updated_at, Some(at(61)));

        // The same claim again (a second node, a replay): refused, and the
        // execution that came with it is not stored either.
        let ex2 = execution(&wf, State::Running, 62);
        let mut again = inserts(&[], &[&ex2], &[], &[]);
        again.cron_advances = fire.cron_advances.clone();
        assert!(writer.commit(&again).is_err(), "{}", db.name);
        assert!(writer.get_execution(ex2.id).unwrap().is_none());
        assert!(writer.get_execution(ex.id).unwrap().is_some());

        // The last firing deletes the trigger; a plain delete removes t2.
        let last = Batch {
            cron_advances: vec![CronAdvance {
                id: t1.id.clone(),
                claimed: at(120),
                next: None,
                remaining: Some(0),
                at: at(121),
            }],
            deleted_cron_triggers: vec![t2.id.clone()],
            ..Batch::default()
        };
        writer.commit(&last).unwrap();
        assert!(
            writer
                .due_cron_triggers(at(100_000), 10)
                .unwrap()
                .is_empty()
        );
        assert!(writer.cron_triggers_of_workflow(wf.id).unwrap().is_empty());
    }
}

#[test]
fn cron_trigger_names_are_unique_per_project() {
    for db in databases() {
        let (_store, mut writer) = open(&db.url).unwrap();
        let wf = workflow("cwf2", "");
        let t = trigger("same", &wf, 60);
        let mut other = trigger("same", &wf, 60);
        other.project_id = "p2".into();
        let batch = Batch {
            cron_triggers: vec![(Write::Insert, t.clone()), (Write::Insert, other)],
            ..Batch::default()
        };
        writer.commit(&batch).unwrap();
        let dup = Batch {
            cron_triggers: vec![(Write::Insert, trigger("same", &wf, 90))],
            ..Batch::default()
        };
        assert!(writer.commit(&dup).is_err(), "{}", db.name);
    }
}

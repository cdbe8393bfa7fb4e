//! The notification outbox: rows come back in insertion order with ids
//! that grow, deleted rows are gone, and an id is never reused after the
//! table was emptied (the delivery loop reads "ids above the last seen").

use super::*;

fn row(n: usize) -> NewNotification {
    NewNotification {
        execution_id: "e1".into(),
        url: "http://h/x".into(),
        headers: r#"{"A": "b"}"#.into(),
        body: format!("{{\"n\": {n}}}"),
        created_at: at(n as i64),
    }
}

#[test]
fn outbox_rows_keep_their_order_and_ids_are_never_reused() {
    for db in databases() {
        let (store, mut writer) = open(&db.url).unwrap();
        let batch = Batch {
            notifications: (0..3).map(row).collect(),
            ..Batch::default()
        };
        writer.commit(&batch).unwrap();
        let got = store.notifications_after(0, 10).unwrap();
        let bodies: Vec<&str> = got.iter().map(|n| n.body.as_str()).collect();
        assert_eq!(
            bodies,
            ["{\"n\": 0}", "{\"n\": 1}", "{\"n\": 2}"],
            "{}",
            db.name
        );
        assert!(got.windows(2).all(|w| w[0].id < w[1].id), "{}", db.name);
        assert_eq!(got[1].created_at, at(1), "{}", db.name);
        assert_eq!(got[0].headers, r#"{"A": "b"}"#);
        assert_eq!(store.notifications_after(got[1].id, 10).unwrap().len(), 1);
        assert_eq!(
            store.notifications_after(got[0].id, 1).unwrap()[0].id,
            got[1].id
        );
        let last = got[2].id;
        writer
            .commit(&Batch {
                notifications_done: got.iter().map(|n| n.id).collect(),
                ..Batch::default()
            })
            .unwrap();
        assert_eq!(store.notifications_waiting().unwrap(), 0, "{}", db.name);
        writer
            .commit(&Batch {
                notifications: vec![row(9)],
                ..Batch::default()
            })
            .unwrap();
        let again = store.notifications_after(0, 10).unwrap();
        assert_eq!(again.len(), 1);
        assert!(again[0].id > last, "{}: id {} reused", db.name, again[0].id);
    }
}

//! Ad-hoc action definitions and workbooks: round trip, uniqueness of
//! (name, namespace, project), lists through the shared list machinery,
//! deletion, tenant scoping.

use serde_json::json;

use super::*;

fn action_def(name: &str, namespace: &str, secs: i64) -> ActionDef {
    ActionDef {
        id: uuid::Uuid::new_v4().to_string(),
        name: name.into(),
        namespace: namespace.into(),
        definition: format!("version: '2.0'\n{name}:\n  base: std.noop\n"),
        spec: json!({"name": name, "base": "std.noop"}),
        input: "a, b=1".into(),
        description: (secs % 2 == 0).then(|| format!("about {name}")),
        tags: vec!["t".into()],
        scope: crate::domain::Scope::Private,
        project_id: "<default-project>".into(),
        created_at: at(secs),
        updated_at: None,
    }
}

fn workbook(name: &str, namespace: &str, secs: i64) -> WorkbookRecord {
    WorkbookRecord {
        id: uuid::Uuid::new_v4().to_string(),
        name: name.into(),
        namespace: namespace.into(),
        definition: format!("version: '2.0'\nname: {name}\n"),
        spec: json!({"name": name, "workflows": [], "actions": []}),
        tags: vec![],
        scope: crate::domain::Scope::Private,
        project_id: "<default-project>".into(),
        created_at: at(secs),
        updated_at: Some(at(secs + 1)),
    }
}

fn names_a(v: &[ActionDef]) -> Vec<String> {
    v.iter()
        .map(|a| format!("{}/{}", a.namespace, a.name))
        .collect()
}

#[test]
fn action_definitions_round_trip_list_delete() {
    for db in databases() {
        let (store, mut writer) = open(&db.url).unwrap();
        let a1 = action_def("a1", "", 1);
        let a2 = action_def("a2", "", 2);
        let a1ns = action_def("a1", "ns", 3);
        let batch = Batch {
            action_definitions: vec![
                (Write::Insert, a1.clone()),
                (Write::Insert, a2.clone()),
                (Write::Insert, a1ns.clone()),
            ],
            ..Batch::default()
        };
        writer.commit(&batch).unwrap();
        assert_eq!(
            store
                .find_action_definition(&Access::All, "a1", "")
                .unwrap()
                .as_ref(),
            Some(&a1),
            "{}",
            db.name
        );
        assert_eq!(
            store
                .find_action_definition(&Access::All, &a1ns.id, "")
                .unwrap()
                .as_ref(),
            Some(&a1ns)
        );
        // Not in `ns`: found in the default namespace, as Mistral looks.
        assert_eq!(
            store
                .find_action_definition(&Access::All, "a2", "ns")
                .unwrap()
                .as_ref(),
            Some(&a2)
        );
        assert_eq!(
            store
                .find_action_definition(&Access::All, "a3", "ns")
                .unwrap(),
            None
        );
        assert_eq!(writer.all_action_definitions().unwrap().len(), 3);

        let q = ListQuery {
            sort: vec![
                ("name".into(), SortDir::Asc),
                ("namespace".into(), SortDir::Desc),
            ],
            access: Access::All,
            ..ListQuery::default()
        };
        let all = store.list_action_definitions(&q).unwrap();
        assert_eq!(names_a(&all), ["ns/a1", "/a1", "/a2"], "{}", db.name);
        let q2 = ListQuery {
            marker: Some(all[0].id.clone()),
            limit: 1,
            ..q.clone()
        };
        assert_eq!(
            names_a(&store.list_action_definitions(&q2).unwrap()),
            ["/a1"]
        );
        let q3 = ListQuery {
            filters: vec![Filter {
                field: "namespace".into(),
                op: FilterOp::Eq,
                values: vec!["ns".into()],
            }],
            ..q.clone()
        };
        assert_eq!(
            names_a(&store.list_action_definitions(&q3).unwrap()),
            ["ns/a1"]
        );
        let q4 = ListQuery {
            filters: vec![Filter {
                field: "tags".into(),
                op: FilterOp::Eq,
                values: vec!["t".into()],
            }],
            ..q.clone()
        };
        assert_eq!(store.list_action_definitions(&q4).unwrap().len(), 3);

        // The same (name, namespace) twice is refused, and nothing of the
        // batch is applied.
        let dup = Batch {
            action_definitions: vec![(Write::Insert, action_def("a1", "", 9))],
            ..Batch::default()
        };
        assert!(writer.commit(&dup).is_err(), "{}", db.name);

        let mut changed = a2.clone();
        changed.input = String::new();
        changed.updated_at = Some(at(10));
        let batch = Batch {
            action_definitions: vec![(Write::Update, changed.clone())],
            deleted_action_definitions: vec![a1.id.clone()],
            ..Batch::default()
        };
        writer.commit(&batch).unwrap();
        assert_eq!(
            store
                .find_action_definition(&Access::All, "a1", "")
                .unwrap(),
            None
        );
        assert_eq!(
            store
                .find_action_definition(&Access::All, "a2", "")
                .unwrap(),
            Some(changed)
        );
    }
}

#[test]
fn workbooks_round_trip_list_delete() {
    for db in databases() {
        let (store, mut writer) = open(&db.url).unwrap();
        let w1 = workbook("wb", "", 1);
        let w2 = workbook("wb", "ns", 2);
        let batch = Batch {
            workbooks: vec![(Write::Insert, w1.clone()), (Write::Insert, w2.clone())],
            ..Batch::default()
        };
        writer.commit(&batch).unwrap();
        assert_eq!(
            store
                .find_workbook(&Access::All, "wb", "")
                .unwrap()
                .as_ref(),
            Some(&w1),
            "{}",
            db.name
        );
        assert_eq!(
            writer
                .find_workbook("wb", "ns", &Access::All)
                .unwrap()
                .as_ref(),
            Some(&w2)
        );
        assert_eq!(
            store
                .find_workbook(&Access::All, &w2.id, "")
                .unwrap()
                .as_ref(),
            Some(&w2)
        );
        let q = ListQuery {
            sort: vec![("created_at".into(), SortDir::Desc)],
            access: Access::All,
            ..ListQuery::default()
        };
        let all = store.list_workbooks(&q).unwrap();
        assert_eq!(all, [w2.clone(), w1.clone()], "{}", db.name);
        // Deleted and created again under the same name in one batch.
        let again = workbook("wb", "", 5);
        let batch = Batch {
            deleted_workbooks: vec![w1.id.clone()],
            workbooks: vec![(Write::Insert, again.clone())],
            ..Batch::default()
        };
        writer.commit(&batch).unwrap();
        assert_eq!(
            store.find_workbook(&Access::All, "wb", "").unwrap(),
            Some(again)
        );
        let batch = Batch {
            deleted_workbooks: vec![w2.id.clone()],
            ..Batch::default()
        };
        writer.commit(&batch).unwrap();
        assert_eq!(store.list_workbooks(&q).unwrap().len(), 1);
    }
}

/// Names are unique per project; a point read finds the caller's own
/// before another project's public one and never another's private one;
/// lists show the caller's own and the public ones.
#[test]
fn definitions_are_per_project() {
    for db in databases() {
        let (store, mut writer) = open(&db.url).unwrap();
        let n = db.name;
        let owned = |mut a: ActionDef, p: &str, scope: &str| {
            a.project_id = p.into();
            a.scope = scope.parse().unwrap();
            a
        };
        let a_own = owned(action_def("x", "", 1), "alpha", "private");
        let b_priv = owned(action_def("x", "", 2), "beta", "private");
        let b_pub = owned(action_def("shared", "", 3), "beta", "public");
        let mut wa = workbook("wb", "", 1);
        wa.project_id = "alpha".into();
        let mut wb = workbook("wb", "", 2);
        wb.project_id = "beta".into();
        let batch = Batch {
            action_definitions: vec![
                (Write::Insert, a_own.clone()),
                (Write::Insert, b_priv.clone()),
                (Write::Insert, b_pub.clone()),
            ],
            workbooks: vec![(Write::Insert, wa.clone()), (Write::Insert, wb.clone())],
            ..Batch::default()
        };
        writer.commit(&batch).expect("one name in two projects");
        let alpha = Access::Project("alpha".into());
        let gamma = Access::Project("gamma".into());
        let find = |a: &Access, k: &str| store.find_action_definition(a, k, "").unwrap();
        assert_eq!(find(&alpha, "x"), Some(a_own.clone()), "{n}");
        assert_eq!(find(&gamma, "x"), None, "{n}");
        assert_eq!(find(&alpha, &b_priv.id), None, "{n}");
        assert_eq!(find(&gamma, "shared"), Some(b_pub.clone()), "{n}");
        assert_eq!(find(&alpha, &b_pub.id), Some(b_pub.clone()), "{n}");
        let wfind = |a: &Access, k: &str| store.find_workbook(a, k, "").unwrap();
        assert_eq!(wfind(&alpha, "wb"), Some(wa.clone()), "{n}");
        assert_eq!(wfind(&gamma, "wb"), None, "{n}");
        assert_eq!(wfind(&alpha, &wb.id), None, "{n}");
        assert_eq!(
            writer
                .find_workbook("wb", "", &Access::Project("beta".into()))
                .unwrap(),
            Some(wb.clone()),
            "{n}"
        );
        let q = ListQuery {
            sort: vec![("created_at".into(), SortDir::Asc)],
            access: alpha.clone(),
            ..ListQuery::default()
        };
        let names: Vec<_> = store
            .list_action_definitions(&q)
            .unwrap()
            .into_iter()
            .map(|a| (a.name, a.project_id))
            .collect();
        assert_eq!(
            names,
            [
                ("x".into(), "alpha".into()),
                ("shared".into(), "beta".into())
            ],
            "{n}"
        );
        assert_eq!(store.list_workbooks(&q).unwrap(), [wa.clone()], "{n}");
        let nobody = ListQuery::default();
        assert!(store.list_workbooks(&nobody).unwrap().is_empty(), "{n}");
        // The same name twice in one project is still refused.
        let dup = Batch {
            action_definitions: vec![(
                Write::Insert,
                owned(action_def("x", "", 9), "alpha", "private"),
            )],
            ..Batch::default()
        };
        assert!(writer.commit(&dup).is_err(), "{n}");
        let mut wdup = workbook("wb", "", 9);
        wdup.project_id = "beta".into();
        let dup = Batch {
            workbooks: vec![(Write::Insert, wdup)],
            ..Batch::default()
        };
        assert!(writer.commit(&dup).is_err(), "{n}");
    }
}

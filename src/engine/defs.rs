//! A cache of workflow definitions and their parsed specs, so starting an
//! execution does not re-read or re-parse its workflow each time. Names are
//! per project: two projects may each have a workflow `deploy`.

use std::collections::HashMap;
use std::sync::Arc;

use crate::domain::WorkflowId;
use crate::lang::WorkflowSpec;
use crate::store::WorkflowDef;

/// A definition with its spec.
pub(crate) struct Def {
    pub def: WorkflowDef,
    pub spec: Arc<WorkflowSpec>,
}

/// Definitions by `(project, namespace, name)` and by id.
#[derive(Default)]
pub(crate) struct DefCache {
    by_name: HashMap<(String, String, String), Arc<Def>>,
    by_id: HashMap<WorkflowId, Arc<Def>>,
}

fn key(d: &WorkflowDef) -> (String, String, String) {
    (d.project_id.clone(), d.namespace.clone(), d.name.clone())
}

impl DefCache {
    /// `project`'s own definition of `name` (not another's public one).
    pub fn get(&self, project: &str, namespace: &str, name: &str) -> Option<Arc<Def>> {
        self.by_name
            .get(&(project.to_string(), namespace.to_string(), name.to_string()))
            .cloned()
    }

    pub fn get_id(&self, id: WorkflowId) -> Option<Arc<Def>> {
        self.by_id.get(&id).cloned()
    }

    pub fn put(&mut self, def: WorkflowDef, spec: Arc<WorkflowSpec>) -> Arc<Def> {
        self.remove(def.id);
        let d = Arc::new(Def { def, spec });
        self.by_name.insert(key(&d.def), d.clone());
        self.by_id.insert(d.def.id, d.clone());
        d
    }

    pub fn remove(&mut self, id: WorkflowId) {
        if let Some(d) = self.by_id.remove(&id) {
            self.by_name.remove(&key(&d.def));
        }
    }
}

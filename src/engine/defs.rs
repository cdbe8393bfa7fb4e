//! A cache of workflow definitions and their parsed specs, so starting an
//! execution does not re-read or re-parse its workflow each time.

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

/// Definitions by `(namespace, name)` and by id.
#[derive(Default)]
pub(crate) struct DefCache {
    by_name: HashMap<(String, String), Arc<Def>>,
    by_id: HashMap<WorkflowId, Arc<Def>>,
}

impl DefCache {
    pub fn get(&self, namespace: &str, name: &str) -> Option<Arc<Def>> {
        self.by_name
            .get(&(namespace.to_string(), name.to_string()))
            .cloned()
    }

    pub fn get_id(&self, id: WorkflowId) -> Option<Arc<Def>> {
        self.by_id.get(&id).cloned()
    }

    pub fn put(&mut self, def: WorkflowDef, spec: Arc<WorkflowSpec>) -> Arc<Def> {
        self.remove(def.id);
        let d = Arc::new(Def { def, spec });
        self.by_name
            .insert((d.def.namespace.clone(), d.def.name.clone()), d.clone());
        self.by_id.insert(d.def.id, d.clone());
        d
    }

    pub fn remove(&mut self, id: WorkflowId) {
        if let Some(d) = self.by_id.remove(&id) {
            self.by_name
                .remove(&(d.def.namespace.clone(), d.def.name.clone()));
        }
    }
}

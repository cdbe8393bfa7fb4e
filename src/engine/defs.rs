//! A cache of workflow definitions and their parsed specs, so starting an
//! execution does not re-read or re-parse its workflow each time. Names are
//! per project: two projects may each have a workflow `deploy`.
//!
//! Specs are kept once per version (the id of the spec's JSON text, see
//! `store::version_id`): a definition and every execution of the same
//! version share one `Arc`, and an execution keeps its version when the
//! definition changes.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Weak};

use crate::domain::WorkflowId;
use crate::lang::WorkflowSpec;
use crate::store::{WorkflowDef, WorkflowVersion, version_id};

/// A definition with its spec.
pub(crate) struct Def {
    /// The stored definition, its `spec` text left empty: the parsed spec
    /// is `spec`.
    pub def: WorkflowDef,
    pub spec: Arc<WorkflowSpec>,
    /// The version id of `spec`.
    pub version: String,
}

/// Definitions by `(project, namespace, name)` and by id.
#[derive(Default)]
pub(crate) struct DefCache {
    by_name: HashMap<(String, String, String), Arc<Def>>,
    by_id: HashMap<WorkflowId, Arc<Def>>,
    /// The parsed spec of each version something in memory still holds.
    versions: HashMap<String, Weak<WorkflowSpec>>,
    /// How many entries `versions` may reach before the dead ones are
    /// dropped.
    versions_cap: usize,
    /// Versions known to be stored (or in the batch being built).
    stored: HashSet<String>,
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

    pub fn put(
        &mut self,
        mut def: WorkflowDef,
        spec: Arc<WorkflowSpec>,
    ) -> Result<Arc<Def>, serde_json::Error> {
        self.remove(def.id);
        let version = version_id(&serde_json::to_string(&*spec)?);
        let spec = self.intern(&version, spec);
        def.spec = String::new();
        let d = Arc::new(Def { def, spec, version });
        self.by_name.insert(key(&d.def), d.clone());
        self.by_id.insert(d.def.id, d.clone());
        Ok(d)
    }

    /// The parsed spec of version `id` if something in memory holds it.
    pub fn cached_version(&self, id: &str) -> Option<Arc<WorkflowSpec>> {
        self.versions.get(id).and_then(Weak::upgrade)
    }

    /// The one parsed spec of version `id`: the one in memory, else the one
    /// `parse` makes (kept for the next caller).
    pub fn version<E>(
        &mut self,
        id: &str,
        parse: impl FnOnce() -> Result<WorkflowSpec, E>,
    ) -> Result<Arc<WorkflowSpec>, E> {
        match self.versions.get(id).and_then(Weak::upgrade) {
            Some(s) => Ok(s),
            None => Ok(self.intern(id, Arc::new(parse()?))),
        }
    }

    /// `spec` as the shared spec of version `id`: the one already in
    /// memory if there is one.
    fn intern(&mut self, id: &str, spec: Arc<WorkflowSpec>) -> Arc<WorkflowSpec> {
        if let Some(s) = self.versions.get(id).and_then(Weak::upgrade) {
            return s;
        }
        if self.versions.len() >= self.versions_cap {
            self.versions.retain(|_, w| w.strong_count() > 0);
            self.versions_cap = (self.versions.len() * 2).max(64);
        }
        self.versions.insert(id.to_string(), Arc::downgrade(&spec));
        spec
    }

    /// The version of `d` to store with a new execution of it, unless it is
    /// known to be stored already.
    pub fn unstored(&mut self, d: &Def) -> Result<Option<WorkflowVersion>, serde_json::Error> {
        if self.stored.contains(&d.version) {
            return Ok(None);
        }
        // The same text `put` hashed (serializing a spec is deterministic),
        // so its id is not computed again.
        let v = WorkflowVersion {
            id: d.version.clone(),
            spec: serde_json::to_string(&*d.spec)?,
            created_at: crate::domain::now(),
        };
        self.stored.insert(v.id.clone());
        Ok(Some(v))
    }

    /// Version `id` to store again (another engine node deleted it while
    /// something here still holds its spec).
    pub fn restore(&mut self, id: &str) -> Result<Option<WorkflowVersion>, serde_json::Error> {
        let Some(spec) = self.versions.get(id).and_then(Weak::upgrade) else {
            return Ok(None);
        };
        self.stored.insert(id.to_string());
        Ok(Some(WorkflowVersion::of(serde_json::to_string(&*spec)?)))
    }

    /// Notes that version `id` is stored (an execution loaded from the
    /// store names it).
    pub fn stored(&mut self, id: &str) {
        self.stored.insert(id.to_string());
    }

    /// Forgets which versions are stored: deleting executions deletes the
    /// versions nothing names any more.
    pub fn forget_stored(&mut self) {
        self.stored.clear();
    }

    /// Forgets every definition (another engine node changed some): the
    /// next lookup reads the store. Versions stay: a version's spec never
    /// changes.
    pub fn forget_definitions(&mut self) {
        self.by_name.clear();
        self.by_id.clear();
    }

    pub fn remove(&mut self, id: WorkflowId) {
        if let Some(d) = self.by_id.remove(&id) {
            self.by_name.remove(&key(&d.def));
        }
    }
}

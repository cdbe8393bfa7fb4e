//! Persistence: diesel schema, migrations and queries, on SQLite (default,
//! embedded) or PostgreSQL (by URL scheme). The engine's [`Writer`] is the
//! only writer; everyone else reads through [`Store`]. Takes and returns
//! domain types; diesel never leaks out of this module.

mod model;

pub use model::*;

use crate::domain::{ActionExecutionId, ExecutionId, TaskExecutionId};

/// A store failure.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The database URL is not one we can open.
    #[error("bad database URL '{0}': expected sqlite://PATH, a file path, or postgres://...")]
    BadUrl(String),
    /// A list query names a field or value the store cannot use.
    #[error("{0}")]
    BadQuery(String),
    #[error("database error: {0}")]
    Database(String),
}

/// Read access for the API: a pool of read connections.
#[derive(Clone)]
pub struct Store {}

/// The engine's write connection.
pub struct Writer {}

/// Opens (creating if needed) and migrates the database at `url`.
pub fn open(url: &str) -> Result<(Store, Writer), Error> {
    Err(Error::BadUrl(url.to_string()))
}

impl Writer {
    /// Applies a batch in one transaction, durably.
    pub fn commit(&mut self, batch: &Batch) -> Result<(), Error> {
        let _ = batch;
        Err(Error::Database("not implemented".into()))
    }

    /// Loads everything not yet finished.
    pub fn load_active(&mut self) -> Result<ActiveSet, Error> {
        Ok(ActiveSet::default())
    }

    /// A workflow by name (in a namespace) or by id.
    pub fn find_workflow(
        &mut self,
        name_or_id: &str,
        namespace: &str,
    ) -> Result<Option<WorkflowDef>, Error> {
        let _ = (name_or_id, namespace);
        Ok(None)
    }

    /// Workflows by name in a namespace, for uniqueness checks on upload.
    pub fn workflows_named(
        &mut self,
        names: &[String],
        namespace: &str,
    ) -> Result<Vec<WorkflowDef>, Error> {
        let _ = (names, namespace);
        Ok(Vec::new())
    }

    /// One execution, for idempotent create and for finished executions.
    pub fn get_execution(&mut self, id: ExecutionId) -> Result<Option<ExecutionRecord>, Error> {
        let _ = id;
        Ok(None)
    }
}

impl Store {
    pub fn list_workflows(&self, q: &ListQuery) -> Result<Vec<WorkflowDef>, Error> {
        let _ = q;
        Ok(Vec::new())
    }
    pub fn find_workflow(
        &self,
        name_or_id: &str,
        namespace: &str,
    ) -> Result<Option<WorkflowDef>, Error> {
        let _ = (name_or_id, namespace);
        Ok(None)
    }
    pub fn list_executions(&self, q: &ListQuery) -> Result<Vec<ExecutionRecord>, Error> {
        let _ = q;
        Ok(Vec::new())
    }
    pub fn get_execution(&self, id: ExecutionId) -> Result<Option<ExecutionRecord>, Error> {
        let _ = id;
        Ok(None)
    }
    pub fn list_tasks(&self, q: &ListQuery) -> Result<Vec<TaskRecord>, Error> {
        let _ = q;
        Ok(Vec::new())
    }
    pub fn get_task(&self, id: TaskExecutionId) -> Result<Option<TaskRecord>, Error> {
        let _ = id;
        Ok(None)
    }
    pub fn list_action_executions(
        &self,
        q: &ListQuery,
    ) -> Result<Vec<ActionExecutionRecord>, Error> {
        let _ = q;
        Ok(Vec::new())
    }
    pub fn get_action_execution(
        &self,
        id: ActionExecutionId,
    ) -> Result<Option<ActionExecutionRecord>, Error> {
        let _ = id;
        Ok(None)
    }
}

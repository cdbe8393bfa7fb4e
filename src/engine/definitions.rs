//! The engine's handlers of ad-hoc action and workbook uploads
//! (`mistral/services/adhoc_actions.py`, `mistral/services/workbooks.py`).
//! A workbook's workflows and actions are stored as `<wb>.<name>` in the
//! workbook's namespace, in the same change as the workbook; an update
//! replaces them and removes the ones the workbook no longer has; a delete
//! removes them all. Each change is answered only after its group commit.
//!
//! Both belong to the caller's project (`project` of each message), names
//! are unique per project, and a project changes only its own: another
//! project's public one is refused (403), a private one is not found.

use std::sync::Arc;

use actix::prelude::*;

use super::requests::{ready, unavailable};
use super::{EngineActor, Error};
use crate::domain::{DEFAULT_PROJECT, Scope, Timestamp, now};
use crate::lang::{self, ActionSpec};
use crate::store::{Access, ActionDef, WorkbookRecord, WorkflowDef, Write};

/// Upload an action list (`POST /v2/actions`).
#[derive(Debug, Message)]
#[rtype(result = "Result<Vec<ActionDef>, Error>")]
pub struct CreateActions {
    pub definition: String,
    pub namespace: String,
    pub scope: crate::domain::Scope,
    /// The caller's project: the owner of the new actions.
    pub project: String,
}

/// Replace ad-hoc actions by the names in the document (`PUT
/// /v2/actions`); with `id`, the document must hold exactly one action,
/// which replaces that one.
#[derive(Debug, Message)]
#[rtype(result = "Result<Vec<ActionDef>, Error>")]
pub struct UpdateActions {
    pub definition: String,
    pub namespace: String,
    pub scope: crate::domain::Scope,
    pub id: Option<String>,
    /// The caller's project: only its own actions can be replaced.
    pub project: String,
}

/// Delete an ad-hoc action by name (in `namespace`) or id.
#[derive(Debug, Message)]
#[rtype(result = "Result<(), Error>")]
pub struct DeleteAction {
    pub name_or_id: String,
    pub namespace: String,
    /// The caller's project: only its own actions can be deleted.
    pub project: String,
}

/// Create (`POST /v2/workbooks`, 409 if it exists) or replace by the name
/// inside the document (`PUT`, 404 if it does not) a workbook.
#[derive(Debug, Message)]
#[rtype(result = "Result<WorkbookRecord, Error>")]
pub struct PutWorkbook {
    pub definition: String,
    pub namespace: String,
    pub scope: crate::domain::Scope,
    pub create: bool,
    /// The caller's project: owns a new workbook; only its own can be
    /// replaced.
    pub project: String,
}

/// Delete a workbook with its workflows and actions.
#[derive(Debug, Message)]
#[rtype(result = "Result<(), Error>")]
pub struct DeleteWorkbook {
    pub name: String,
    pub namespace: String,
    /// The caller's project: only its own workbooks can be deleted.
    pub project: String,
}

/// Mistral's `get_action_definition` miss, as its update and delete say it.
fn action_not_found(name: &str, namespace: &str) -> Error {
    Error::NotFound(format!(
        "Action definition not found [action_name={name}, namespace={namespace}]"
    ))
}

fn workbook_not_found(name: &str, namespace: &str) -> Error {
    Error::NotFound(format!(
        "Workbook not found [name={name}, namespace={namespace}]"
    ))
}

fn not_yours(what: &str, name: &str) -> Error {
    Error::NotAllowed(format!(
        "Can not modify {what} of another project [name={name}]"
    ))
}

/// The caller's project, `<default-project>` when a message names none.
fn owner(project: &str) -> &str {
    if project.is_empty() {
        DEFAULT_PROJECT
    } else {
        project
    }
}

fn new_action(
    spec: &ActionSpec,
    name: &str,
    namespace: &str,
    scope: Scope,
    project: &str,
) -> Result<ActionDef, Error> {
    Ok(ActionDef {
        id: uuid::Uuid::new_v4().to_string(),
        name: name.to_string(),
        namespace: namespace.to_string(),
        definition: spec.definition.clone(),
        spec: serde_json::to_value(spec).map_err(|e| Error::Invalid(e.to_string()))?,
        input: lang::action_input_string(&spec.input),
        description: spec.description.clone(),
        tags: spec.tags.clone(),
        scope,
        project_id: project.to_string(),
        created_at: now(),
        updated_at: None,
    })
}

impl EngineActor {
    /// Creates or replaces `project`'s ad-hoc action `name`; the replaced
    /// one keeps its id and creation time.
    fn put_action(
        &mut self,
        spec: ActionSpec,
        name: &str,
        namespace: &str,
        scope: Scope,
        project: &str,
        replace: Option<String>,
    ) -> Result<ActionDef, Error> {
        let mut def = new_action(&spec, name, namespace, scope, project)?;
        let old = match replace {
            Some(id) => self.adhoc.get_id(&id),
            None => self.adhoc.get_own(project, namespace, name),
        }
        .filter(|d| d.def.project_id == project)
        .map(|d| d.def.clone());
        let write = match old {
            Some(old) => {
                def.id = old.id;
                def.created_at = old.created_at;
                // As Mistral's database does: a row left as it was keeps
                // its `updated_at`.
                def.updated_at = if old.definition == def.definition
                    && old.scope == def.scope
                    && old.namespace == def.namespace
                {
                    old.updated_at
                } else {
                    Some(now())
                };
                Write::Update
            }
            None => Write::Insert,
        };
        self.adhoc.put(def.clone(), Arc::new(spec));
        self.dirty.action_definitions.push((write, def.clone()));
        Ok(def)
    }

    fn create_actions(&mut self, msg: &CreateActions) -> Result<Vec<ActionDef>, Error> {
        let project = owner(&msg.project);
        let specs = lang::parse_actions(&msg.definition)?;
        if let Some(s) = specs.iter().find(|s| {
            self.adhoc
                .get_own(project, &msg.namespace, &s.name)
                .is_some()
        }) {
            return Err(Error::Conflict(format!(
                "Duplicate entry for Action ['name', 'namespace', 'project_id']: {}, {}, {}",
                s.name,
                msg.namespace,
                crate::domain::project_text(project)
            )));
        }
        specs
            .into_iter()
            .map(|s| {
                let name = s.name.clone();
                self.put_action(s, &name, &msg.namespace, msg.scope, project, None)
            })
            .collect()
    }

    /// `project`'s own action by id, else by name in `namespace`, else by
    /// name in the default namespace (Mistral's `get_action_definition`,
    /// which its update and delete call); another project's public one is
    /// a 403, anything else a 404 naming the namespace asked.
    fn own_action(&self, project: &str, key: &str, namespace: &str) -> Result<String, Error> {
        let seen = self
            .adhoc
            .get_id(key)
            .filter(|d| d.def.project_id == project || d.def.scope == Scope::Public)
            .or_else(|| self.adhoc.find(project, namespace, key));
        match seen {
            Some(d) if d.def.project_id == project => Ok(d.def.id.clone()),
            Some(_) => Err(not_yours("an action", key)),
            None => Err(action_not_found(key, namespace)),
        }
    }

    fn update_actions(&mut self, msg: &UpdateActions) -> Result<Vec<ActionDef>, Error> {
        let specs = lang::parse_actions(&msg.definition)?;
        if let Some(id) = &msg.id
            && specs.len() > 1
        {
            return Err(Error::Invalid(format!(
                "More than one actions are not supported for update with identifier. [identifier: {id}]"
            )));
        }
        let project = owner(&msg.project);
        // Each action is replaced where it was found (in the default
        // namespace when the one asked has none of that name) and ends in
        // the namespace asked, as Mistral's update writes it there.
        let ids = specs
            .iter()
            .map(|s| {
                self.own_action(
                    project,
                    msg.id.as_deref().unwrap_or(&s.name),
                    &msg.namespace,
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        specs
            .into_iter()
            .zip(ids)
            .map(|(s, id)| {
                let name = s.name.clone();
                self.put_action(s, &name, &msg.namespace, msg.scope, project, Some(id))
            })
            .collect()
    }

    fn delete_action(&mut self, msg: &DeleteAction) -> Result<(), Error> {
        let id = self.own_action(owner(&msg.project), &msg.name_or_id, &msg.namespace)?;
        self.adhoc.remove(&id);
        self.dirty.deleted_action_definitions.push(id);
        Ok(())
    }

    fn put_workbook(&mut self, msg: &PutWorkbook) -> Result<WorkbookRecord, Error> {
        let spec = lang::parse_workbook(&msg.definition)?;
        let ns = msg.namespace.as_str();
        let project = owner(&msg.project);
        let access = Access::Project(project.to_string());
        let seen = self.writer.find_workbook(&spec.name, ns, &access)?;
        let (old, foreign) = match seen {
            Some(w) if w.project_id == project => (Some(w), false),
            Some(_) => (None, true),
            None => (None, false),
        };
        let old = match (old, msg.create) {
            (Some(_), true) => {
                return Err(Error::Conflict(format!(
                    "Duplicate entry for WorkbookDefinition ['name', 'namespace', 'project_id']: {}, {ns}, {}",
                    spec.name,
                    crate::domain::project_text(project)
                )));
            }
            (None, false) if foreign => return Err(not_yours("a workbook", &spec.name)),
            (None, false) => return Err(workbook_not_found(&spec.name, ns)),
            (old, _) => old,
        };
        let t = now();
        let rec = WorkbookRecord {
            id: old
                .as_ref()
                .map_or_else(|| uuid::Uuid::new_v4().to_string(), |o| o.id.clone()),
            name: spec.name.clone(),
            namespace: ns.to_string(),
            definition: msg.definition.clone(),
            spec: serde_json::to_value(&spec).map_err(|e| Error::Invalid(e.to_string()))?,
            tags: spec.tags.clone(),
            scope: msg.scope,
            project_id: project.to_string(),
            created_at: old.as_ref().map_or(t, |o| o.created_at),
            updated_at: old.as_ref().and_then(|o| {
                if o.definition == msg.definition && o.scope == msg.scope {
                    o.updated_at
                } else {
                    Some(t)
                }
            }),
        };
        // As Mistral: an update creates or updates the members it names and
        // leaves the ones it no longer names stored.
        for wf in &spec.workflows {
            let full = format!("{}.{}", spec.name, wf.name);
            let mut def = Self::new_def(wf, ns, msg.scope, project)?;
            def.name = full.clone();
            // Mistral keeps no checksum for a workbook's workflows.
            def.checksum = String::new();
            let write = match self.lookup(&full, ns, project) {
                Ok(prev) if prev.def.namespace == ns && prev.def.project_id == project => {
                    def.id = prev.def.id;
                    def.created_at = prev.def.created_at;
                    def.updated_at = kept_updated_at(&prev.def, &def, t);
                    Write::Update
                }
                _ => Write::Insert,
            };
            self.cache_def(def.clone(), wf.clone())?;
            self.dirty.workflows.push((write, def));
        }
        for a in &spec.actions {
            let full = format!("{}.{}", spec.name, a.name);
            self.put_action(a.clone(), &full, ns, msg.scope, project, None)?;
        }
        let write = if old.is_some() {
            Write::Update
        } else {
            Write::Insert
        };
        self.dirty.workbooks.push((write, rec.clone()));
        Ok(rec)
    }

    fn delete_workbook(&mut self, msg: &DeleteWorkbook) -> Result<(), Error> {
        let ns = msg.namespace.as_str();
        let project = owner(&msg.project);
        let access = Access::Project(project.to_string());
        let old = self
            .writer
            .find_workbook(&msg.name, ns, &access)?
            .ok_or_else(|| workbook_not_found(&msg.name, ns))?;
        if old.project_id != project {
            return Err(not_yours("a workbook", &msg.name));
        }
        // As Mistral: the workbook's workflows and actions stay stored.
        self.dirty.deleted_workbooks.push(old.id);
        Ok(())
    }
}

macro_rules! handler {
    ($msg:ty, $out:ty, $method:ident) => {
        impl Handler<$msg> for EngineActor {
            type Result = ResponseFuture<Result<$out, Error>>;

            fn handle(&mut self, msg: $msg, ctx: &mut Self::Context) -> Self::Result {
                match self.$method(&msg) {
                    Ok(v) => self.after_commit(ctx, Ok(v), unavailable),
                    Err(e) => ready(Err(e)),
                }
            }
        }
    };
}

handler!(CreateActions, Vec<ActionDef>, create_actions);
handler!(UpdateActions, Vec<ActionDef>, update_actions);
handler!(DeleteAction, (), delete_action);
handler!(PutWorkbook, WorkbookRecord, put_workbook);
handler!(DeleteWorkbook, (), delete_workbook);

/// A workflow row an update leaves as it was (same name, text, scope and
/// namespace) keeps its `updated_at`, as Mistral's database writes no
/// unchanged row; any other gets `t`.
pub(super) fn kept_updated_at(
    old: &WorkflowDef,
    new: &WorkflowDef,
    t: Timestamp,
) -> Option<Timestamp> {
    if old.name == new.name
        && old.definition == new.definition
        && old.scope == new.scope
        && old.namespace == new.namespace
    {
        old.updated_at
    } else {
        Some(t)
    }
}

//! Stored environments: create, replace and delete (through the group
//! commit like every other change), and resolving `params.env` given as an
//! environment's name when an execution starts.

use actix::prelude::*;
use serde_json::{Value, json};

use super::{DeleteEnvironment, EngineActor, Error, PutEnvironment};
use crate::domain::now;
use crate::store::{Access, EnvironmentRecord, Write};

impl EngineActor {
    fn put_environment(&mut self, msg: PutEnvironment) -> Result<EnvironmentRecord, Error> {
        if msg.name.trim().is_empty() {
            return Err(Error::Invalid("An environment needs a name.".into()));
        }
        if let Some(v) = &msg.variables
            && !(v.is_object() || v.is_null())
        {
            return Err(Error::Invalid(
                "Environment variables must be a dict.".into(),
            ));
        }
        // Only the caller's own: another project's public environment of
        // the same name neither blocks a create nor can be replaced.
        let existing = self
            .writer
            .get_environment(&msg.name, &Access::Project(msg.project.clone()))?
            .filter(|e| e.project_id == msg.project);
        let t = now();
        let (write, rec) = match (existing, msg.create) {
            (Some(_), true) => {
                return Err(Error::Conflict(format!(
                    "Duplicate entry for Environment ['name', 'project_id']: {}, {}",
                    msg.name,
                    crate::domain::project_text(&msg.project)
                )));
            }
            (None, false) => {
                return Err(Error::NotFound(format!(
                    "Environment not found [name={}]",
                    msg.name
                )));
            }
            (None, true) => (
                Write::Insert,
                EnvironmentRecord {
                    id: uuid::Uuid::new_v4().to_string(),
                    name: msg.name,
                    // Created without a description, it has none (null).
                    description: msg.description.flatten(),
                    // Created without variables, it has none (null).
                    variables: msg.variables.unwrap_or(Value::Null),
                    scope: msg.scope.unwrap_or_default(),
                    project_id: msg.project,
                    created_at: t,
                    updated_at: None,
                },
            ),
            (Some(mut old), false) => {
                let before = (old.description.clone(), old.variables.clone(), old.scope);
                if let Some(d) = msg.description {
                    old.description = d;
                }
                if let Some(v) = msg.variables {
                    old.variables = v;
                }
                if let Some(s) = msg.scope {
                    old.scope = s;
                }
                // As Mistral's database: a row left as it was keeps its
                // `updated_at`.
                if before != (old.description.clone(), old.variables.clone(), old.scope) {
                    old.updated_at = Some(t);
                }
                (Write::Update, old)
            }
        };
        self.dirty.environments.push((write, rec.clone()));
        Ok(rec)
    }

    /// `params.env` as Mistral takes it: a dict, or the name of a stored
    /// environment `project` sees (its own, else a public one).
    pub(crate) fn resolve_env(
        &mut self,
        env: Option<&Value>,
        project: &str,
    ) -> Result<Value, Error> {
        let access = Access::Project(project.to_string());
        match env {
            // `if not env: return {}`: every false value is no env.
            None => Ok(json!({})),
            Some(v) if !crate::expr::truthy(v) => Ok(json!({})),
            Some(Value::Object(e)) => Ok(Value::Object(e.clone())),
            // An environment stored without variables is an empty env
            // (Mistral's execution of one never starts its first task).
            Some(Value::String(name)) => match self.writer.get_environment(name, &access)? {
                Some(e) if e.variables.is_null() => Ok(json!({})),
                Some(e) => Ok(e.variables),
                None => Err(Error::Invalid(format!("Environment is not found: {name}"))),
            },
            Some(other) => Err(Error::Invalid(format!(
                "Unexpected value type for environment [env={}, type=<class '{}'>]",
                crate::domain::pytext::str(other),
                match other {
                    Value::Bool(_) => "bool",
                    Value::Number(n) if n.is_f64() => "float",
                    Value::Number(_) => "int",
                    _ => "list",
                }
            ))),
        }
    }
}

impl Handler<PutEnvironment> for EngineActor {
    type Result = ResponseFuture<Result<EnvironmentRecord, Error>>;

    fn handle(&mut self, msg: PutEnvironment, ctx: &mut Self::Context) -> Self::Result {
        match self.put_environment(msg) {
            Ok(e) => self.after_commit(ctx, Ok(e), || {
                Err(Error::Unavailable("the engine could not commit".into()))
            }),
            Err(e) => Box::pin(futures::future::ready(Err(e))),
        }
    }
}

impl Handler<DeleteEnvironment> for EngineActor {
    type Result = ResponseFuture<Result<(), Error>>;

    fn handle(&mut self, msg: DeleteEnvironment, ctx: &mut Self::Context) -> Self::Result {
        let access = Access::Project(msg.project.clone());
        let found = match self.writer.get_environment(&msg.name, &access) {
            Ok(f) => f.filter(|e| e.project_id == msg.project),
            Err(e) => return Box::pin(futures::future::ready(Err(e.into()))),
        };
        match found {
            Some(e) => {
                self.dirty.deleted_environments.push(e.id);
                self.after_commit(ctx, Ok(()), || {
                    Err(Error::Unavailable("the engine could not commit".into()))
                })
            }
            None => Box::pin(futures::future::ready(Err(Error::NotFound(format!(
                "Environment not found [name={}]",
                msg.name
            ))))),
        }
    }
}

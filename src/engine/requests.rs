//! The engine's handlers of API requests: workflow definitions and
//! executions. Each change is answered only after its group commit.

use std::sync::Arc;

use actix::prelude::*;
use serde_json::{Map, Value, json};

pub(crate) use super::env_update::{env_allowed, env_mergeable, merge_env};
use super::state::Exec;
use super::{
    CreateWorkflows, DeleteExecution, DeleteWorkflow, EngineActor, Error, StartExecution,
    UpdateExecution, UpdateWorkflows,
};
use crate::domain::{DEFAULT_PROJECT, ExecutionId, State, WorkflowId, now};
use crate::expr;
use crate::lang::{self, WorkflowSpec};
use crate::store::{Access, ExecutionRecord, Owned, WorkflowDef, Write};

pub(crate) fn unavailable<T>() -> Result<T, Error> {
    Err(Error::Unavailable(
        "the engine could not commit; try again".into(),
    ))
}

pub(crate) fn ready<T: 'static>(v: Result<T, Error>) -> ResponseFuture<Result<T, Error>> {
    Box::pin(futures::future::ready(v))
}

impl EngineActor {
    /// A workflow definition `project` sees (its own, else a public one),
    /// with its spec, from the cache or the store. Another project's
    /// private workflow is not found, exactly like an unknown one.
    pub(crate) fn lookup(
        &mut self,
        name_or_id: &str,
        namespace: &str,
        project: &str,
    ) -> Result<Arc<super::defs::Def>, Error> {
        let not_found = || {
            Error::NotFound(format!(
                "Workflow not found [workflow_identifier={name_or_id}, namespace={namespace}]"
            ))
        };
        let cached = match name_or_id.parse::<WorkflowId>() {
            Ok(id) => self.defs.get_id(id),
            Err(_) => self.defs.get(project, namespace, name_or_id),
        };
        if let Some(d) = cached {
            return match d.def.project_id == project || d.def.public() {
                true => Ok(d),
                false => Err(not_found()),
            };
        }
        let access = Access::Project(project.to_string());
        let def = self
            .writer
            .find_workflow(name_or_id, namespace, &access)?
            .ok_or_else(not_found)?;
        let spec: WorkflowSpec = serde_json::from_str(&def.spec).map_err(|e| {
            Error::Invalid(format!("stored workflow '{}' is unreadable: {e}", def.name))
        })?;
        self.cache_def(def, spec)
    }

    /// Keeps `def` with its parsed `spec` in the definition cache.
    pub(crate) fn cache_def(
        &mut self,
        def: WorkflowDef,
        spec: WorkflowSpec,
    ) -> Result<Arc<super::defs::Def>, Error> {
        self.defs
            .put(def, Arc::new(spec))
            .map_err(|e| Error::Invalid(format!("workflow spec unwritable: {e}")))
    }

    /// A workflow definition `project` may change: its own. Another
    /// project's public one is refused (403); a private one is not found.
    fn lookup_own(
        &mut self,
        name_or_id: &str,
        namespace: &str,
        project: &str,
    ) -> Result<Arc<super::defs::Def>, Error> {
        let d = self.lookup(name_or_id, namespace, project)?;
        if d.def.project_id != project {
            return Err(Error::NotAllowed(format!(
                "Can not modify a workflow of another project [workflow_identifier={name_or_id}]"
            )));
        }
        Ok(d)
    }

    pub(crate) fn new_def(
        spec: &WorkflowSpec,
        namespace: &str,
        scope: crate::domain::Scope,
        project: &str,
    ) -> Result<WorkflowDef, Error> {
        Ok(WorkflowDef {
            id: WorkflowId::new(),
            name: spec.name.clone(),
            namespace: namespace.to_string(),
            definition: spec.definition.clone(),
            spec: serde_json::to_string(spec).map_err(|e| Error::Invalid(e.to_string()))?,
            input: lang::input_string(spec),
            interface: lang::interface(spec),
            checksum: format!("{:x}", md5::compute(spec.definition.as_bytes())),
            tags: spec.tags.clone(),
            scope,
            project_id: project.to_string(),
            created_at: now(),
            updated_at: None,
        })
    }

    /// Refuses a workflow with more tasks than `max_tasks_per_workflow`.
    fn check_task_count(&self, specs: &[WorkflowSpec]) -> Result<(), Error> {
        let limit = self.limits.max_tasks_per_workflow;
        match specs.iter().find(|s| s.tasks.len() > limit) {
            Some(s) => Err(Error::Invalid(format!(
                "Workflow '{}' has too many tasks [tasks={}, limit={limit} (max_tasks_per_workflow)]",
                s.name,
                s.tasks.len()
            ))),
            None => Ok(()),
        }
    }

    fn create_workflows(&mut self, msg: &CreateWorkflows) -> Result<Vec<WorkflowDef>, Error> {
        let specs = lang::parse_workflows(&msg.definition)?;
        self.check_task_count(&specs)?;
        let names: Vec<String> = specs.iter().map(|s| s.name.clone()).collect();
        let existing = self
            .writer
            .workflows_named(&names, &msg.namespace, &msg.project)?;
        // Mistral stores the workflows in file order and stops at the first
        // that exists.
        if let Some(existing) = names
            .iter()
            .find_map(|n| existing.iter().find(|e| &e.name == n))
        {
            return Err(Error::Conflict(format!(
                "Duplicate entry for WorkflowDefinition ['name', 'namespace', 'project_id']: {}, {}, {}",
                existing.name,
                existing.namespace,
                crate::domain::project_text(&existing.project_id)
            )));
        }
        let mut defs = Vec::new();
        for spec in specs {
            let def = Self::new_def(&spec, &msg.namespace, msg.scope, &msg.project)?;
            self.cache_def(def.clone(), spec)?;
            self.dirty.workflows.push((Write::Insert, def.clone()));
            defs.push(def);
        }
        Ok(defs)
    }

    fn update_workflows(&mut self, msg: &UpdateWorkflows) -> Result<Vec<WorkflowDef>, Error> {
        let specs = lang::parse_workflows(&msg.definition)?;
        self.check_task_count(&specs)?;
        if let Some(id) = msg.identifier.as_ref().filter(|_| specs.len() != 1) {
            return Err(Error::Invalid(format!(
                "More than one workflows are not supported for update with identifier. [identifier: {id}]"
            )));
        }
        let mut defs = Vec::new();
        for spec in specs {
            let key = msg.identifier.clone().unwrap_or_else(|| spec.name.clone());
            let old = self.lookup_own(&key, &msg.namespace, &msg.project)?;
            let mut def = Self::new_def(&spec, &old.def.namespace, msg.scope, &msg.project)?;
            def.id = old.def.id;
            def.created_at = old.def.created_at;
            def.updated_at = super::definitions::kept_updated_at(&old.def, &def, now());
            self.cache_def(def.clone(), spec)?;
            self.dirty.workflows.push((Write::Update, def.clone()));
            defs.push(def);
        }
        Ok(defs)
    }

    pub(crate) fn start_execution(
        &mut self,
        mut msg: StartExecution,
    ) -> Result<ExecutionRecord, Error> {
        if msg.project.is_empty() {
            msg.project = DEFAULT_PROJECT.into();
        }
        if let Some(source) = msg.source_execution_id {
            self.clone_source(&mut msg, source)?;
        }
        if self.draining {
            return Err(Error::Unavailable("bora is shutting down".into()));
        }
        let running = self.execs.len();
        if running >= self.limits.max_running_executions {
            return Err(Error::Unavailable(format!(
                "Too many running executions [running={running}, limit={} (max_running_executions)]; retry later",
                self.limits.max_running_executions
            )));
        }
        if let Some(id) = msg.id {
            let known = match self.execs.get(&id) {
                Some(e) => Some(e.rec.clone()),
                None => self.writer.get_execution(id)?,
            };
            match known {
                Some(e) if e.project_id == msg.project => return Ok(e),
                // Another project's id: the insert would collide.
                Some(_) => {
                    return Err(Error::Conflict(format!(
                        "Duplicate entry for WorkflowExecution ['id']: {id}"
                    )));
                }
                None => {}
            }
        }
        let key = msg
            .workflow_id
            .clone()
            .or_else(|| msg.workflow_name.clone())
            .ok_or_else(|| {
                Error::Invalid("Workflow ID or workflow name must be provided.".into())
            })?;
        super::notify::subscribers(&msg.params).map_err(Error::Invalid)?;
        // As Mistral's engine: a namespace asked for names the execution's
        // `params.namespace` (where its sub-workflows are looked up), even
        // when the workflow was found by id in another one.
        if !msg.namespace.is_empty() {
            msg.params
                .insert("namespace".into(), Value::String(msg.namespace.clone()));
        }
        let def = self.lookup(&key, &msg.namespace, &msg.project)?;
        let spec = def.spec.clone();
        let input = validate_input(&spec, msg.input)?;
        check_reverse_target(&spec, &msg.params).map_err(Error::Invalid)?;
        let id = msg.id.unwrap_or_default();
        let new = NewExecution {
            id,
            input,
            params: msg.params,
            description: msg.description,
            source_execution_id: msg.source_execution_id,
            parent: None,
            project: msg.project,
        };
        self.create_execution(&def, new)?;
        self.start_workflow(id);
        self.execs
            .get(&id)
            .map(|e| e.rec.clone())
            .ok_or_else(|| Error::Unavailable(format!("execution {id} vanished while starting")))
    }

    /// Fills a start from a previous execution (`source_execution_id`): its
    /// workflow and params, unless the request gives its own.
    fn clone_source(&mut self, msg: &mut StartExecution, source: ExecutionId) -> Result<(), Error> {
        let src = match self.execs.get(&source) {
            Some(e) => Some(e.rec.clone()),
            None => self.writer.get_execution(source)?,
        };
        let src = src
            .filter(|s| s.project_id == msg.project)
            .ok_or_else(|| Error::NotFound(format!("WorkflowExecution not found [id={source}]")))?;
        if msg.workflow_id.is_none() && msg.workflow_name.is_none() {
            msg.workflow_id = Some(src.workflow_id.to_string());
            msg.namespace = src.workflow_namespace.clone();
        }
        // As Mistral: the source's input is not carried over (the new
        // execution takes the request's input, else the defaults).
        if msg.params.is_empty()
            && let Value::Object(params) = &src.params
        {
            msg.params = params.clone();
        }
        let based = format!("Based on the execution '{source}'");
        msg.description = Some(match msg.description.as_deref() {
            None | Some("") => based,
            Some(d) => format!("{d} {based}"),
        });
        Ok(())
    }

    /// Creates a RUNNING execution of `def` in memory (vars evaluated);
    /// the caller starts it.
    pub(crate) fn create_execution(
        &mut self,
        def: &super::defs::Def,
        new: NewExecution,
    ) -> Result<(), Error> {
        let NewExecution {
            id,
            input,
            mut params,
            description,
            source_execution_id,
            parent,
            project,
        } = new;
        params
            .entry("namespace")
            .or_insert_with(|| json!(def.def.namespace));
        let mut env = self.resolve_env(params.get("env"), &project)?;
        // `params.evaluate_env` (default true): the env's own expressions are
        // evaluated once, against `{"__env": env}`, as Mistral does.
        let evaluate = params.get("evaluate_env").is_none_or(expr::truthy);
        if evaluate && parent.is_none() && env.as_object().is_some_and(|e| !e.is_empty()) {
            let data = json!({ "__env": env });
            env = self
                .eval
                .evaluate_data(&env, &expr::Context::new(&data))
                .map_err(|e| Error::Invalid(e.to_string()))?;
        }
        params.insert("env".into(), env);
        let t = now();
        let rec = ExecutionRecord {
            id,
            workflow_id: def.def.id,
            workflow_name: def.def.name.clone(),
            workflow_namespace: def.def.namespace.clone(),
            description,
            tags: def.spec.tags.clone(),
            spec_id: def.version.clone(),
            params: Value::Object(params),
            task_execution_id: parent.as_ref().map(|p| p.task_id),
            root_execution_id: parent.as_ref().map(|p| p.root),
            source_execution_id,
            state: State::Running,
            state_info: None,
            input: Value::Object(input),
            output: json!({}),
            context: json!({ "__execution": { "id": id.to_string() } }),
            project_id: project,
            created_at: t,
            updated_at: Some(t),
        };
        let mut exec = Exec::new(rec, def.spec.clone());
        exec.parent = parent;
        if !exec.spec.vars.is_empty() {
            let vars = self
                .evaluate(
                    &exec,
                    None,
                    &Map::new(),
                    &Value::Object(exec.spec.vars.clone()),
                )
                .map_err(|e| {
                    let mut secrets = exec.own_secrets();
                    if let Some(p) = &exec.parent {
                        secrets.extend(&self.secrets_of(p.exec_id));
                    }
                    Error::Invalid(secrets.mask(&e))
                })?;
            if let (Value::Object(ctx), Value::Object(vars)) = (&mut exec.rec.context, vars) {
                ctx.extend(vars);
            }
        }
        if let Some(v) = self
            .defs
            .unstored(def)
            .map_err(|e| Error::Invalid(format!("workflow spec unwritable: {e}")))?
        {
            self.dirty.versions.push(v);
        }
        log::info!("ex={id} wf={} started", exec.rec.workflow_name);
        self.execs.insert(id, exec);
        self.touch_exec(id, Write::Insert);
        Ok(())
    }

    /// `PUT /v2/executions/{id}` as Mistral's execution controller and
    /// engine answer it: a description alone; `params.env` alone (IDLE,
    /// PAUSED or ERROR executions only, else 403) or with a resume; a state
    /// as [`state_request`] decides — a request that would change nothing
    /// (resuming a finished execution, failing a paused one, …) is answered
    /// 200 with the execution as it is.
    fn update_execution(&mut self, msg: UpdateExecution) -> Result<ExecutionRecord, Error> {
        let id = msg.id;
        if !self.execs.contains_key(&id) {
            let Some(rec) = self.writer.get_execution(id)? else {
                return Err(Error::NotFound(format!(
                    "WorkflowExecution not found [id={id}]"
                )));
            };
            let decision = msg.state.map(|s| state_request(&rec, s)).transpose()?;
            let env_only = msg.state.is_none() && msg.env.is_some();
            if env_only {
                env_allowed(rec.state)?;
                msg.env.as_ref().map(env_mergeable).transpose()?;
            }
            // Only running and paused executions are in memory: a state
            // request on a finished one changes nothing, was refused, or
            // restates a SUCCESS.
            let restate = decision == Some(StateChange::Restate);
            if msg.description.is_none() && !env_only && !restate {
                return Ok(rec);
            }
            let mut rec = rec;
            let before = (rec.description.clone(), rec.params.clone());
            if restate {
                rec.state_info = msg.state_info.filter(|s| !s.is_empty());
            }
            if let Some(desc) = msg.description {
                rec.description = Some(desc);
            }
            if env_only && let Some(env) = msg.env {
                merge_env(&mut rec.params, env);
            }
            // As Mistral's database: a row left as it was keeps its
            // `updated_at` (a restated SUCCESS is written again).
            if restate || before != (rec.description.clone(), rec.params.clone()) {
                rec.updated_at = Some(now());
            }
            let mut exec = Exec::new(rec.clone(), Arc::new(empty_spec()));
            exec.rec = rec.clone();
            self.execs.insert(id, exec);
            self.touch_exec(id, Write::Update);
            return Ok(rec);
        }
        let cur = self.execs[&id].rec.clone();
        let decision = msg.state.map(|s| state_request(&cur, s)).transpose()?;
        if msg.env.is_some()
            && msg.state == Some(State::Running)
            && decision == Some(StateChange::Apply)
            && self.resumes_parent_first(id)
        {
            // Mistral resumes the paused children first, and a child's resume
            // resumes this execution (without the env); the env update then
            // finds it RUNNING and is refused.
            env_allowed(State::Running)?;
        }
        if let Some(env) = &msg.env {
            match msg.state {
                None => {
                    env_allowed(cur.state)?;
                    env_mergeable(env)?;
                }
                Some(State::Running) if decision != Some(StateChange::Apply) => {}
                Some(_) => env_mergeable(env)?,
            }
        }
        let state_info = msg.state_info.filter(|s| !s.is_empty());
        let exec = self
            .execs
            .get_mut(&id)
            .ok_or_else(|| Error::NotFound(format!("WorkflowExecution not found [id={id}]")))?;
        let mut changed = false;
        if let Some(desc) = msg.description
            && exec.rec.description.as_deref() != Some(desc.as_str())
        {
            exec.rec.description = Some(desc);
            exec.rec.updated_at = Some(now());
            changed = true;
        }
        if let Some(env) = msg.env {
            match msg.state {
                // With a resume: the env is merged when the resume happens.
                Some(State::Running) if decision != Some(StateChange::Apply) => {}
                Some(_) => {
                    merge_env(&mut exec.rec.params, env);
                    changed = true;
                }
                None => {
                    env_allowed(cur.state)?;
                    merge_env(&mut exec.rec.params, env);
                    changed = true;
                }
            }
        }
        if changed {
            self.touch_exec(id, Write::Update);
        }
        match (msg.state, decision) {
            (Some(state), Some(StateChange::Apply)) => match state {
                State::Paused => self.pause(id, state_info),
                State::Running => self.resume(id),
                State::Success => self
                    .succeed_by_request(id, state_info)
                    .map_err(Error::Invalid)?,
                _ => self.stop(id, state, state_info),
            },
            (_, Some(StateChange::Restate)) => {
                if let Some(exec) = self.execs.get_mut(&id) {
                    exec.rec.state_info = state_info;
                    exec.rec.updated_at = Some(now());
                }
                self.touch_exec(id, Write::Update);
            }
            _ => {}
        }
        Ok(self.execs[&id].rec.clone())
    }

    pub(super) fn delete_execution(&mut self, msg: &DeleteExecution) -> Result<(), Error> {
        let state = match self.execs.get(&msg.id) {
            Some(e) => e.rec.state,
            None => match self.writer.get_execution(msg.id)? {
                Some(rec) => rec.state,
                None => {
                    return Err(Error::NotFound(format!(
                        "WorkflowExecution not found [id={}]",
                        msg.id
                    )));
                }
            },
        };
        if !state.is_terminal() && !msg.force {
            return Err(Error::NotAllowed(format!(
                "Only completed executions can be deleted. Use --force to override this. Execution {} is in {state} state",
                msg.id
            )));
        }
        // Sub-executions go with their parent (Mistral's ON DELETE CASCADE
        // from the parent's task executions).
        let mut doomed = vec![msg.id];
        let mut i = 0;
        while i < doomed.len() {
            let id = doomed[i];
            let mut kids: Vec<ExecutionId> = self
                .execs
                .iter()
                .filter(|(_, e)| e.parent.is_some_and(|p| p.exec_id == id))
                .map(|(k, _)| *k)
                .collect();
            kids.extend(self.writer.sub_executions(id)?);
            for k in kids {
                if !doomed.contains(&k) {
                    doomed.push(k);
                }
            }
            i += 1;
        }
        for id in doomed {
            self.forget_execution(id);
        }
        Ok(())
    }

    fn forget_execution(&mut self, id: ExecutionId) {
        if let Some(e) = self.execs.remove(&id) {
            for aid in e.actions.keys() {
                self.owner.remove(aid);
            }
        }
        self.dirty.execs.shift_remove(&id);
        self.dirty.tasks.retain(|(e, _), _| *e != id);
        self.dirty.actions.retain(|(e, _), _| *e != id);
        self.dirty.deleted_executions.push(id);
        self.defs.forget_stored();
    }

    /// Whether resuming `id` resumes a paused sub-workflow first whose
    /// parent task (not a with-items one) resumes `id` itself.
    fn resumes_parent_first(&self, id: ExecutionId) -> bool {
        self.execs.values().any(|e| {
            e.parent
                .is_some_and(|p| p.exec_id == id && p.item.is_none())
                && e.rec.state == State::Paused
        })
    }
}

/// What a new execution starts with.
pub(crate) struct NewExecution {
    pub id: ExecutionId,
    pub input: Map<String, Value>,
    pub params: Map<String, Value>,
    pub description: Option<String>,
    pub source_execution_id: Option<ExecutionId>,
    pub parent: Option<super::state::Parent>,
    /// The owner: the caller's project, or the parent's.
    pub project: String,
}

fn empty_spec() -> WorkflowSpec {
    WorkflowSpec {
        name: String::new(),
        kind: Default::default(),
        description: None,
        tags: vec![],
        input: vec![],
        secrets: vec![],
        output: None,
        output_on_error: None,
        vars: Map::new(),
        tasks: Default::default(),
        definition: String::new(),
        raw: Default::default(),
    }
}

/// The Python class name of Mistral's spec for this workflow.
pub(crate) fn spec_class(spec: &WorkflowSpec) -> &'static str {
    match spec.kind {
        crate::lang::WorkflowKind::Direct => "DirectWorkflowSpec",
        crate::lang::WorkflowKind::Reverse => "ReverseWorkflowSpec",
    }
}

/// Mistral's `Invalid task name [wf_spec=<class> <spec dict>, task_name=<name>]`
/// (`None` when `params.task_name` is missing).
pub(crate) fn invalid_task_name(spec: &WorkflowSpec, task_name: Option<&str>) -> String {
    format!(
        "Invalid task name [wf_spec={} {}, task_name={}]",
        spec_class(spec),
        crate::domain::pytext::repr(&spec.raw.value()),
        task_name.unwrap_or("None")
    )
}

/// A reverse workflow's `params.task_name` must name one of its tasks
/// whose requirements close (a direct workflow has nothing to check).
/// Mistral prints the value as Python does (`None` when missing, `5`).
pub(crate) fn check_reverse_target(
    spec: &WorkflowSpec,
    params: &Map<String, Value>,
) -> Result<(), String> {
    if spec.kind != crate::lang::WorkflowKind::Reverse {
        return Ok(());
    }
    match params.get("task_name") {
        Some(Value::String(target)) => super::reverse::closure(spec, target).map(|_| ()),
        None | Some(Value::Null) => Err(invalid_task_name(spec, None)),
        Some(other) => Err(invalid_task_name(
            spec,
            Some(&crate::domain::pytext::str(other)),
        )),
    }
}

/// Mistral's `validate_input`: missing and unexpected names, then defaults.
pub(crate) fn validate_input(
    spec: &WorkflowSpec,
    given: Map<String, Value>,
) -> Result<Map<String, Value>, Error> {
    if let Some(msg) = lang::input_mismatch(&spec.name, spec_class(spec), &spec.input, &given) {
        return Err(Error::Invalid(msg));
    }
    let mut out = Map::new();
    for p in &spec.input {
        match given.get(&p.name) {
            Some(v) => out.insert(p.name.clone(), v.clone()),
            None => out.insert(p.name.clone(), p.default.clone().unwrap_or(Value::Null)),
        };
    }
    Ok(out)
}

impl Handler<CreateWorkflows> for EngineActor {
    type Result = ResponseFuture<Result<Vec<WorkflowDef>, Error>>;

    fn handle(&mut self, msg: CreateWorkflows, ctx: &mut Self::Context) -> Self::Result {
        match self.create_workflows(&msg) {
            Ok(defs) => self.after_commit(ctx, Ok(defs), unavailable),
            Err(e) => ready(Err(e)),
        }
    }
}

impl Handler<UpdateWorkflows> for EngineActor {
    type Result = ResponseFuture<Result<Vec<WorkflowDef>, Error>>;

    fn handle(&mut self, msg: UpdateWorkflows, ctx: &mut Self::Context) -> Self::Result {
        match self.update_workflows(&msg) {
            Ok(defs) => self.after_commit(ctx, Ok(defs), unavailable),
            Err(e) => ready(Err(e)),
        }
    }
}

impl Handler<DeleteWorkflow> for EngineActor {
    type Result = ResponseFuture<Result<(), Error>>;

    fn handle(&mut self, msg: DeleteWorkflow, ctx: &mut Self::Context) -> Self::Result {
        match self.lookup_own(&msg.name_or_id, &msg.namespace, &msg.project) {
            Ok(def) => {
                match self.cron_triggers_of(def.def.id) {
                    Ok(ids) if !ids.is_empty() => {
                        return ready(Err(Error::Invalid(format!(
                            "Can't delete workflow that has cron triggers associated. \
                             [workflow_identifier={}, namespace={}], [cron_trigger_id(s)={}]",
                            msg.name_or_id,
                            msg.namespace,
                            ids.join(", ")
                        ))));
                    }
                    Ok(_) => {}
                    Err(e) => return ready(Err(e)),
                }
                self.defs.remove(def.def.id);
                self.dirty.deleted_workflows.push(def.def.id);
                self.after_commit(ctx, Ok(()), unavailable)
            }
            Err(e) => ready(Err(e)),
        }
    }
}

impl Handler<StartExecution> for EngineActor {
    type Result = ResponseFuture<Result<ExecutionRecord, Error>>;

    fn handle(&mut self, msg: StartExecution, ctx: &mut Self::Context) -> Self::Result {
        match self.start_execution(msg) {
            Ok(rec) => self.after_commit(ctx, Ok(rec), unavailable),
            Err(e) => ready(Err(e)),
        }
    }
}

impl Handler<UpdateExecution> for EngineActor {
    type Result = ResponseFuture<Result<ExecutionRecord, Error>>;

    fn handle(&mut self, msg: UpdateExecution, ctx: &mut Self::Context) -> Self::Result {
        match self.update_execution(msg) {
            Ok(rec) => self.after_commit(ctx, Ok(rec), unavailable),
            Err(e) => ready(Err(e)),
        }
    }
}

impl Handler<DeleteExecution> for EngineActor {
    type Result = ResponseFuture<Result<(), Error>>;

    fn handle(&mut self, msg: DeleteExecution, ctx: &mut Self::Context) -> Self::Result {
        match self.delete_execution(&msg) {
            Ok(()) => self.after_commit(ctx, Ok(()), unavailable),
            Err(e) => ready(Err(e)),
        }
    }
}

/// What a requested execution state does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StateChange {
    /// Pause, resume or stop the execution.
    Apply,
    /// Answer with the execution as it is (Mistral's engine returns early).
    Nothing,
    /// SUCCESS again on a SUCCESS execution: only its state_info changes.
    Restate,
}

/// Mistral's answer to `PUT state=…` on an execution in `rec.state`:
/// PAUSED pauses unless already paused (refused from a finished state);
/// RUNNING resumes a PAUSED or IDLE execution and is ignored otherwise;
/// SUCCESS needs the transition table; ERROR is ignored on a paused or
/// finished execution, CANCELLED on a finished one
/// (`workflow_handler.resume_workflow`, `Workflow.stop`/`_fail_workflow`/
/// `_cancel_workflow`/`set_state`).
fn state_request(rec: &ExecutionRecord, to: State) -> Result<StateChange, Error> {
    let cur = rec.state;
    let refuse = || {
        Err(Error::Invalid(format!(
            "Can't change workflow execution state from {cur} to {to}. [workflow={}, execution_id={}]",
            rec.workflow_name, rec.id
        )))
    };
    match to {
        State::Paused if cur == State::Paused => Ok(StateChange::Nothing),
        // `_succeed_workflow` on a SUCCESS execution sets its state_info again.
        State::Success if cur == to => Ok(StateChange::Restate),
        State::Paused | State::Success if cur.can_transition(to) => Ok(StateChange::Apply),
        State::Paused | State::Success => refuse(),
        State::Running if matches!(cur, State::Paused | State::Idle) => Ok(StateChange::Apply),
        State::Running => Ok(StateChange::Nothing),
        State::Error if cur == State::Paused || cur.is_terminal() => Ok(StateChange::Nothing),
        State::Cancelled if cur.is_terminal() => Ok(StateChange::Nothing),
        State::Error | State::Cancelled => Ok(StateChange::Apply),
        // `Workflow.stop` has no branch for SKIPPED: nothing happens.
        State::Skipped => Ok(StateChange::Nothing),
        other => Err(Error::Invalid(format!(
            "Cannot change state to {other}. Allowed states are: 'RUNNING, PAUSED, SUCCESS, ERROR, CANCELLED"
        ))),
    }
}

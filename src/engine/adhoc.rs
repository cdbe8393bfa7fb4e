//! Ad-hoc actions at run time (`mistral/actions/adhoc.py`): the cache of
//! every ad-hoc definition (loaded whole at start; the engine is the only
//! writer, so it stays exact; with several engine nodes, loaded again
//! within a second of another node's change, see `nodes.rs`), name
//! resolution inside workbooks, and the
//! expansion of a call into the system action that really runs. Names
//! resolve per project: an execution sees its project's actions and other
//! projects' public ones, never another project's private one.
//!
//! Entry points for any path that runs an action:
//! - [`EngineActor::expand_action`]: `(project, namespace, name, input,
//!   context)` →
//!   [`Expanded`]: the chain of ad-hoc levels resolved (a cycle is an
//!   error), each level's declared `input` defaults applied and its
//!   `base-input` evaluated against its input over `context` (Mistral's
//!   `ContextView(input, workflow context)`), down to the system action
//!   and its input. A name that is not ad-hoc expands to itself. An error
//!   is its cause; a task's call wraps it in Mistral's `Failed to
//!   instantiate an action [action_desc=…]`.
//! - [`finish`]: the system action's result through
//!   each level's `output`, innermost first.
//!
//! Invariant: the action execution keeps the ad-hoc name and input; only
//! the `HandleTask` sent to a worker names the system action.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde_json::{Map, Value};

use super::state::Exec;
use super::{EngineActor, Error};
use crate::domain::{ActionExecutionId, ExecutionId};
use crate::expr::{Context, Evaluator};
use crate::lang::ActionSpec;
use crate::store::{ActionDef, TaskRecord};

/// `(name, shown input, Some((system action, its input)))` of a task's call.
pub(crate) type AdhocCall = (
    String,
    Map<String, Value>,
    Option<(String, Map<String, Value>)>,
);

/// A stored ad-hoc action with its spec.
pub(crate) struct AdhocDef {
    pub def: ActionDef,
    pub spec: Arc<ActionSpec>,
}

/// Every ad-hoc definition of every project, by namespace and name (one
/// per project at most, oldest first), and by id.
#[derive(Default)]
pub(crate) struct AdhocCache {
    by_name: HashMap<(String, String), Vec<Arc<AdhocDef>>>,
    by_id: HashMap<String, Arc<AdhocDef>>,
}

fn public(d: &AdhocDef) -> bool {
    d.def.scope == crate::domain::Scope::Public
}

impl AdhocCache {
    /// The action `name` as `project` sees it: its own, else another
    /// project's public one (the oldest). Another project's private action
    /// is not there, exactly like an unknown one.
    pub fn get(&self, project: &str, namespace: &str, name: &str) -> Option<&Arc<AdhocDef>> {
        let all = self
            .by_name
            .get(&(namespace.to_string(), name.to_string()))?;
        all.iter()
            .find(|d| d.def.project_id == project)
            .or_else(|| all.iter().find(|d| public(d)))
    }

    /// The action `name` as an execution of `namespace` finds it: in that
    /// namespace, else in the default one (Mistral's
    /// `load_action_definition`).
    pub fn find(&self, project: &str, namespace: &str, name: &str) -> Option<&Arc<AdhocDef>> {
        self.get(project, namespace, name).or_else(|| {
            (!namespace.is_empty())
                .then(|| self.get(project, "", name))
                .flatten()
        })
    }

    /// `project`'s own action `name` (not another's public one).
    pub fn get_own(&self, project: &str, namespace: &str, name: &str) -> Option<&Arc<AdhocDef>> {
        self.by_name
            .get(&(namespace.to_string(), name.to_string()))?
            .iter()
            .find(|d| d.def.project_id == project)
    }

    /// By id, of any project: callers check the owner.
    pub fn get_id(&self, id: &str) -> Option<&Arc<AdhocDef>> {
        self.by_id.get(id)
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    pub fn put(&mut self, def: ActionDef, spec: Arc<ActionSpec>) {
        self.remove(&def.id);
        let d = Arc::new(AdhocDef { def, spec });
        let all = self
            .by_name
            .entry((d.def.namespace.clone(), d.def.name.clone()))
            .or_default();
        all.push(d.clone());
        all.sort_by(|a, b| (a.def.created_at, &a.def.id).cmp(&(b.def.created_at, &b.def.id)));
        self.by_id.insert(d.def.id.clone(), d);
    }

    pub fn remove(&mut self, id: &str) {
        if let Some(d) = self.by_id.remove(id) {
            let key = (d.def.namespace.clone(), d.def.name.clone());
            if let Some(all) = self.by_name.get_mut(&key) {
                all.retain(|x| x.def.id != id);
                if all.is_empty() {
                    self.by_name.remove(&key);
                }
            }
        }
    }
}

/// An action call with its ad-hoc levels resolved.
#[derive(Clone, Debug, PartialEq)]
pub struct Expanded {
    /// The action as called (`wb.greet`, or a system action's name).
    pub name: String,
    /// The call's input with the first level's declared defaults: what the
    /// action execution shows, as Mistral does.
    pub input: Map<String, Value>,
    /// The system action that runs.
    pub base: String,
    /// Its evaluated input.
    pub base_input: Map<String, Value>,
    /// Each ad-hoc level's `output` (`Null` when it has none), outermost first.
    pub outputs: Vec<Value>,
}

/// Fills absent keys from declared defaults.
fn with_defaults(mut input: Map<String, Value>, spec: &ActionSpec) -> Map<String, Value> {
    for p in &spec.input {
        if let Some(d) = &p.default
            && !input.contains_key(&p.name)
        {
            input.insert(p.name.clone(), d.clone());
        }
    }
    input
}

/// The system action's `result` through each level's `output`, innermost
/// first, each evaluated with `$` = the previous result. A failure is
/// Mistral's `Failed to complete action [error=…, action=…, task=…]`
/// (`task` is `None` for a standalone run).
pub(crate) fn finish(
    eval: &Evaluator,
    e: &Expanded,
    result: Value,
    task: Option<&str>,
) -> Result<Value, String> {
    let mut result = result;
    for out in e.outputs.iter().rev() {
        if out.is_null() {
            continue;
        }
        if !crate::domain::pytext::truthy(&result) {
            // Mistral evaluates nothing over an empty (falsy) result: the
            // output as written becomes the result.
            result = out.clone();
            continue;
        }
        result = eval
            .evaluate_data(out, &Context::new(&result))
            .map_err(|err| {
                format!(
                    "Failed to complete action [error={err}, action={}, task={}]",
                    e.name,
                    task.unwrap_or("None")
                )
            })?;
    }
    Ok(result)
}

/// The workbook a workflow execution's definition came from: `wb` for a
/// workflow stored as `wb.x` whose spec is named `x`.
pub(crate) fn workbook_of(exec: &Exec) -> Option<&str> {
    let full = exec.rec.workflow_name.as_str();
    let local = exec.spec.name.as_str();
    if full == local || local.is_empty() {
        return None;
    }
    full.strip_suffix(local)?.strip_suffix('.')
}

impl EngineActor {
    /// Loads every ad-hoc definition into a new cache (at start; with
    /// several engine nodes, again when another node changed them).
    pub(crate) fn load_adhoc(&mut self) -> Result<(), Error> {
        let mut cache = AdhocCache::default();
        for def in self.writer.all_action_definitions()? {
            match serde_json::from_value::<ActionSpec>(def.spec.clone()) {
                Ok(spec) => cache.put(def, Arc::new(spec)),
                Err(e) => log::error!("stored ad-hoc action '{}' is unreadable: {e}", def.name),
            }
        }
        self.adhoc = cache;
        Ok(())
    }

    /// The name an action call resolves to in `exec`: inside a workflow of
    /// workbook `wb`, `wb.<name>` when such an ad-hoc action exists.
    pub(crate) fn resolve_action_name(&self, exec: &Exec, name: &str) -> Option<String> {
        let wb = workbook_of(exec)?;
        let full = format!("{wb}.{name}");
        self.adhoc
            .find(&exec.rec.project_id, &exec.rec.workflow_namespace, &full)
            .map(|_| full)
    }

    /// Expands a call of `name` in `namespace` by `project` (see the
    /// module doc): each level as `project` sees it.
    pub fn expand_action(
        &self,
        project: &str,
        namespace: &str,
        name: &str,
        input: Map<String, Value>,
        context: &Value,
    ) -> Result<Expanded, String> {
        self.expand_scoped(None, (project, namespace), name, input, context, None)
    }

    /// [`EngineActor::expand_action`] for a task (`scope`): a heavy
    /// `base-input` may move off the engine thread.
    fn expand_scoped(
        &self,
        mut scope: Option<&mut super::offload::Deferral>,
        (project, namespace): (&str, &str),
        name: &str,
        input: Map<String, Value>,
        context: &Value,
        exec: Option<&Exec>,
    ) -> Result<Expanded, String> {
        let Some(top) = self.adhoc.find(project, namespace, name) else {
            return Ok(Expanded {
                name: name.to_string(),
                base: name.to_string(),
                base_input: input.clone(),
                input,
                outputs: Vec::new(),
            });
        };
        let shown = with_defaults(input, &top.spec);
        let mut level = top;
        let mut current = shown.clone();
        let mut visited: HashSet<&str> = HashSet::from([top.def.name.as_str()]);
        let mut outputs = Vec::new();
        loop {
            current = with_defaults(current, &level.spec);
            let mut data = match context {
                Value::Object(m) => m.clone(),
                _ => Map::new(),
            };
            data.extend(current.iter().map(|(k, v)| (k.clone(), v.clone())));
            let base_input = Value::Object(level.spec.base_input.clone());
            // `execution()`, `global()` and `task(name)` read the calling
            // execution; there is no current task (see `adhoc_context`).
            let host = exec.map(|exec| super::state::ExecHost {
                exec,
                current: None,
                overlay: None,
                family: super::family::FamilySource::engine(self),
            });
            let evaluated = match scope.as_deref_mut() {
                // Mistral evaluates nothing over an empty context (a
                // standalone call with no input).
                _ if data.is_empty() => Ok(base_input),
                // The task's context is the same for the whole operation:
                // the action's input tells two evaluations apart.
                Some(d) => {
                    self.evaluate_scoped(Some(d), &base_input, &current, Value::Object(data), host)
                }
                None => {
                    let data = Value::Object(data);
                    let ctx = Context {
                        data: &data,
                        host: host.as_ref().map(|h| h as &dyn crate::expr::Host),
                    };
                    self.eval
                        .evaluate_data(&base_input, &ctx)
                        .map_err(|e| e.to_string())
                }
            }?;
            current = match evaluated {
                Value::Object(m) => m,
                _ => Map::new(),
            };
            outputs.push(level.spec.output.clone().unwrap_or(Value::Null));
            let base = level.spec.base.as_str();
            if !visited.insert(base) {
                return Err(format!(
                    "Found a cycle in an ad-hoc action chain [action_name={name}, duplicate_action_name={base}]"
                ));
            }
            // Every base is looked up from the called action's namespace
            // (then the default one), never inside a workbook.
            match self.adhoc.find(project, &top.def.namespace, base) {
                Some(next) => level = next,
                None => {
                    if let Some(catalog) = &self.catalog {
                        catalog
                            .validate(base, &Value::Object(current.clone()))
                            .map_err(|e| {
                                if e.starts_with("Failed to find action [") {
                                    format!(
                                        "Failed to find base action [action_name={base} namespace={}] ",
                                        top.def.namespace
                                    )
                                } else {
                                    e
                                }
                            })?;
                        if let Err(e) = catalog.check(base, &Value::Object(current.clone()))
                            && e.starts_with(super::dispatch::UNBUILDABLE)
                        {
                            return Err(e);
                        }
                    }
                    return Ok(Expanded {
                        name: name.to_string(),
                        input: shown,
                        base: base.to_string(),
                        base_input: current,
                        outputs,
                    });
                }
            }
        }
    }

    /// A task's action call, ad-hoc aware: the resolved name, the input the
    /// action execution shows, and for an ad-hoc action the system action
    /// and input to dispatch.
    pub(crate) fn adhoc_call(
        &self,
        d: &mut super::offload::Deferral,
        exec: &Exec,
        task: &TaskRecord,
        action: String,
        input: Map<String, Value>,
    ) -> Result<AdhocCall, super::dispatch::StartError> {
        if self.adhoc.is_empty() {
            return Ok((action, input, None));
        }
        let name = self.resolve_action_name(exec, &action).unwrap_or(action);
        let (project, namespace) = (&exec.rec.project_id, &exec.rec.workflow_namespace);
        let Some(def) = self.adhoc.find(project, namespace, &name) else {
            return Ok((name, input, None));
        };
        check_declared_input(&name, &def.def.input, &input)?;
        let data = self.adhoc_context(exec, Some(task));
        // Mistral wraps every failure of the chain (a cycle, a base that
        // does not exist or does not take its input, a `base-input` that
        // cannot be evaluated) in one message naming the called action.
        let e = self
            .expand_scoped(Some(d), (project, namespace), &name, input, &data, Some(exec))
            .map_err(|cause| {
                log::debug!("ad-hoc action {name}: {cause}");
                super::dispatch::StartError::Action(format!(
                    "Failed to instantiate an action [action_desc=AdHoc action [name={}, definition={}]]",
                    def.def.name, def.def.definition
                ))
            })?;
        Ok((e.name, e.input, Some((e.base, e.base_input))))
    }

    /// What an ad-hoc action's `base-input` sees besides the action's
    /// input: Mistral's `ContextView(task context, env, workflow context)`
    /// — the task's inbound context, `__env`, vars and global publishes,
    /// but not the workflow's input.
    fn adhoc_context(&self, exec: &Exec, task: Option<&TaskRecord>) -> Value {
        let empty = Map::new();
        let branch = task
            .and_then(|t| t.in_context.as_object())
            .unwrap_or(&empty);
        let mut data = self.data_of(exec, task, branch);
        // Mistral's `ContextView(task_ctx, env, wf_ex.context)`: the task's
        // inbound context, not the task itself (no `__task_execution`).
        if let Value::Object(d) = &mut data {
            d.remove("__task_execution");
        }
        if let (Value::Object(d), Value::Object(input)) = (&mut data, &exec.rec.input) {
            let context = exec.rec.context.as_object().unwrap_or(&empty);
            for k in input.keys() {
                if !branch.contains_key(k) && !context.contains_key(k) && !k.starts_with("__") {
                    d.remove(k);
                }
            }
        }
        data
    }

    /// The expansion of an action execution of `exec_id`, from its stored
    /// name and input, with its task's inbound context (for a re-dispatch or
    /// a result); `None` when its action is not ad-hoc.
    pub(crate) fn expansion_of(
        &self,
        exec_id: ExecutionId,
        aid: ActionExecutionId,
    ) -> Option<Result<Expanded, String>> {
        if self.adhoc.is_empty() {
            return None;
        }
        let exec = self.execs.get(&exec_id)?;
        let ae = exec.actions.get(&aid)?;
        let (project, namespace) = (&exec.rec.project_id, &exec.rec.workflow_namespace);
        self.adhoc.find(project, namespace, &ae.name)?;
        let task = ae.task_execution_id.and_then(|t| exec.tasks.get(&t));
        let data = self.adhoc_context(exec, task);
        let input = ae.input.as_object().cloned().unwrap_or_default();
        Some(self.expand_scoped(
            None,
            (project, namespace),
            &ae.name,
            input,
            &data,
            Some(exec),
        ))
    }
}

/// An ad-hoc action takes exactly its declared inputs as Mistral's
/// `check_parameters` reads them from the stored input string (`params`):
/// a required one missing or an undeclared one given is refused before
/// anything runs, and fails the task and its workflow with "Failed to run
/// task" (the task's state_info too).
fn check_declared_input(
    name: &str,
    params: &str,
    given: &Map<String, Value>,
) -> Result<(), super::dispatch::StartError> {
    match crate::lang::params_mismatch(name, "mistral.actions.adhoc.AdHocAction", params, given) {
        Some(msg) => Err(super::dispatch::StartError::Structural(msg)),
        None => Ok(()),
    }
}

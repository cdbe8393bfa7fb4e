//! Mistral's texts for a task that fails while it starts (`Failed to run
//! task [...]`) or while its completion is handled (`Failed to handle action
//! completion [...]`, naming the task's latest action, or for a workflow
//! task its child's workflow).

use super::EngineActor;
use crate::domain::{ExecutionId, TaskExecutionId};
use crate::store::{Access, Filter, FilterOp, ListQuery, SortDir};

impl EngineActor {
    /// Mistral's text for an error met while a task starts.
    pub(crate) fn start_failure(
        &self,
        exec_id: ExecutionId,
        task_id: TaskExecutionId,
        e: &str,
    ) -> String {
        let (wf, task) = self.names(exec_id, task_id);
        format!("Failed to run task [error={e}, wf={wf}, task={task}]")
    }

    /// Mistral's text for an error met while a policy completes a task
    /// (`task_handler.complete_task`, after a timeout).
    pub(crate) fn policy_completion_failure(
        &self,
        exec_id: ExecutionId,
        task_id: TaskExecutionId,
        e: &str,
    ) -> String {
        let (wf, task) = self.names(exec_id, task_id);
        format!("Failed to complete task [error={e}, wf={wf}, task={task}]")
    }

    /// Mistral's text for an error met while a task completes (publish,
    /// transition guards).
    pub(crate) fn completion_failure(
        &self,
        exec_id: ExecutionId,
        task_id: TaskExecutionId,
        e: &str,
    ) -> String {
        let (wf, task) = self.names(exec_id, task_id);
        let action = self
            .execs
            .get(&exec_id)
            .and_then(|x| {
                let gone = x.evicted.get(&task_id).map(|(at, name)| (*at, name));
                x.actions
                    .values()
                    .filter(|a| a.task_execution_id == Some(task_id))
                    .map(|a| (a.created_at, &a.name))
                    .chain(gone)
                    .max_by_key(|(at, _)| *at)
                    .map(|(_, name)| name.clone())
            })
            .or_else(|| self.child_workflow_name(task_id))
            .unwrap_or_default();
        format!(
            "Failed to handle action completion [error={e}, wf={wf}, task={task}, action={action}]"
        )
    }

    /// The workflow of the latest child execution a task started (Mistral
    /// names a workflow task's child as its "action"): from memory, or,
    /// when the finished child has left it, from the store.
    fn child_workflow_name(&self, task_id: TaskExecutionId) -> Option<String> {
        let in_memory = self
            .execs
            .values()
            .filter(|x| x.parent.is_some_and(|p| p.task_id == task_id))
            .max_by_key(|x| x.rec.created_at)
            .map(|x| x.rec.workflow_name.clone());
        in_memory.or_else(|| {
            let query = ListQuery {
                limit: 1,
                sort: vec![("created_at".into(), SortDir::Desc)],
                filters: vec![Filter {
                    field: "task_execution_id".into(),
                    op: FilterOp::Eq,
                    values: vec![task_id.to_string()],
                }],
                access: Access::All,
                ..ListQuery::default()
            };
            let stored = self.reader.as_ref()?.list_executions(&query).ok()?;
            stored.into_iter().next().map(|r| r.workflow_name)
        })
    }

    pub(crate) fn names(&self, exec_id: ExecutionId, task_id: TaskExecutionId) -> (String, String) {
        let exec = self.execs.get(&exec_id);
        (
            exec.map(|x| x.rec.workflow_name.clone())
                .unwrap_or_default(),
            exec.and_then(|x| x.tasks.get(&task_id))
                .map(|t| t.name.clone())
                .unwrap_or_default(),
        )
    }
}

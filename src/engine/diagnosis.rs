//! What an execution is waiting on (`GET /v2/executions/{id}/diagnosis`),
//! and the integrity checker: a periodic pass that finds running executions
//! nothing can move any more and moves them (completes them, fails their
//! unsatisfiable joins, or fails a task that lost its work), logging each
//! repair.

use actix::prelude::*;
use serde_json::{Value, json};

use super::{EngineActor, Error};
use crate::domain::{ExecutionId, State, TaskExecutionId};

/// Explain what an execution waits on.
#[derive(Debug, Message)]
#[rtype(result = "Result<Value, Error>")]
pub struct Diagnose {
    pub id: ExecutionId,
}

impl EngineActor {
    fn diagnose(&mut self, id: ExecutionId) -> Result<Value, Error> {
        let Some(exec) = self.execs.get(&id) else {
            let rec = self
                .writer
                .get_execution(id)?
                .ok_or_else(|| Error::NotFound(format!("WorkflowExecution not found [id={id}]")))?;
            // Several nodes: another node may run it; say which, and
            // whether its lease holds.
            let owner = match self.writer.node().map(|n| n.id.clone()) {
                Some(me) => match self.writer.execution_owner(id)? {
                    Some(o) if o.node != me => {
                        let summary = if o.alive {
                            format!("Owned and run by node {} ({}); ask it.", o.node, o.api_url)
                        } else {
                            format!(
                                "Owned by node {} ({}), whose lease ran out: another node takes it over at its next scan.",
                                o.node, o.api_url
                            )
                        };
                        return Ok(json!({
                            "id": id.to_string(),
                            "state": rec.state.as_str(),
                            "state_info": rec.state_info,
                            "owner": {"node": o.node, "api_url": o.api_url, "lease_holds": o.alive},
                            "waiting_on": [],
                            "summary": summary,
                        }));
                    }
                    Some(o) => {
                        json!({"node": o.node, "api_url": o.api_url, "lease_holds": o.alive})
                    }
                    None => Value::Null,
                },
                None => Value::Null,
            };
            let mut out = json!({
                "id": id.to_string(),
                "state": rec.state.as_str(),
                "state_info": rec.state_info,
                "waiting_on": [],
                "summary": format!("The execution is {} and not in the engine's memory: nothing is pending.", rec.state),
            });
            if !owner.is_null() {
                out["owner"] = owner;
            }
            return Ok(out);
        };
        let mut waiting = Vec::new();
        for a in exec.actions.values().filter(|a| !a.state.is_completed()) {
            let what = if a.state == State::Idle {
                "dispatched, waiting for a worker to confirm"
            } else {
                "running on a worker"
            };
            waiting.push(json!({
                "kind": "action",
                "action_execution_id": a.id.to_string(),
                "action": a.name,
                "task": a.task_name,
                "state": a.state.as_str(),
                "attempt": a.attempt,
                "detail": what,
            }));
        }
        for t in exec.tasks.values() {
            for timer in super::runtime::timer_records(&t.runtime_context) {
                waiting.push(json!({"kind": "timer", "task": t.name, "timer": timer}));
            }
            if t.state == State::Waiting {
                waiting.push(json!({"kind": "join", "task": t.name, "detail": t.state_info}));
            }
            if t.state == State::Idle {
                waiting.push(
                    json!({"kind": "pause-before", "task": t.name, "detail": "starts on resume"}),
                );
            }
        }
        for (task, resume) in self.offload.deferred_of(id) {
            let name = exec.tasks.get(&task).map(|t| t.name.clone());
            waiting.push(json!({
                "kind": "evaluation",
                "task": name,
                "detail": format!("an expression too heavy for the engine thread is evaluated in the pool; then: {resume}"),
            }));
        }
        for child in self.children(id) {
            if let Some(c) = self.execs.get(&child) {
                waiting.push(json!({
                    "kind": "sub-workflow",
                    "execution_id": child.to_string(),
                    "workflow": c.rec.workflow_name,
                    "state": c.rec.state.as_str(),
                }));
            }
        }
        let summary = match exec.rec.state {
            State::Paused => format!("Paused; {} commands wait for resume.", exec.backlog.len()),
            s if s.is_terminal() => format!("{s}; {} actions still finishing.", exec.in_flight),
            _ if waiting.is_empty() => {
                "Nothing can move this execution: the integrity checker will repair it.".into()
            }
            _ => format!("Running; waiting on {} things.", waiting.len()),
        };
        let mut out = json!({
            "id": id.to_string(),
            "state": exec.rec.state.as_str(),
            "state_info": exec.rec.state_info.as_ref().map(|i| self.mask(id, i)),
            "incomplete_tasks": exec.incomplete,
            "in_flight": exec.in_flight,
            "backlog": exec.backlog.len(),
            "waiting_on": waiting,
            "summary": summary,
        });
        if let Some(node) = self.writer.node() {
            out["owner"] =
                json!({"node": node.id, "epoch": node.epoch, "lease_holds": !node.lost()});
        }
        Ok(out)
    }

    /// One pass of the integrity checker over the running executions.
    pub(crate) fn check_integrity(&mut self) {
        let ids: Vec<ExecutionId> = self
            .execs
            .iter()
            .filter(|(_, e)| e.rec.state == State::Running && e.in_flight == 0 && e.deferred == 0)
            .map(|(id, _)| *id)
            .collect();
        for id in ids {
            let Some(exec) = self.execs.get(&id) else {
                continue;
            };
            let has_timer = exec
                .tasks
                .values()
                .any(|t| super::runtime::has_timer(&t.runtime_context));
            if has_timer || !self.children(id).is_empty() {
                continue;
            }
            let lost: Vec<TaskExecutionId> = exec
                .tasks
                .values()
                .filter(|t| t.state == State::Running && !exec.items.contains_key(&t.id))
                .map(|t| t.id)
                .collect();
            for task in lost {
                let msg = "The task had no running action, timer or sub-workflow left; failed by the integrity checker [LOST]";
                log::warn!("ex={id} task={task} repaired: {msg}");
                self.stats.integrity_repairs += 1;
                self.complete_task(
                    id,
                    task,
                    State::Error,
                    Value::String(msg.into()),
                    Some(msg.into()),
                );
            }
            if self
                .execs
                .get(&id)
                .is_some_and(|e| e.rec.state == State::Running)
            {
                self.check_complete(id);
            }
        }
    }
}

impl Handler<Diagnose> for EngineActor {
    type Result = Result<Value, Error>;

    fn handle(&mut self, msg: Diagnose, _: &mut Self::Context) -> Self::Result {
        self.diagnose(msg.id)
    }
}

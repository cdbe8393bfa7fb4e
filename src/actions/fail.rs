//! `std.fail`: always fails; with `error_data`, that is the task's result,
//! otherwise the action raises, reported as Mistral's executor reports a
//! raised exception.

use futures::FutureExt;
use futures::future::BoxFuture;
use serde_json::Value;

use super::{Action, ActionDef, Param};
use crate::domain::pytext::truthy;

pub(super) fn def() -> ActionDef {
    ActionDef::new(
        "std.fail",
        "Always fails; error_data becomes the error result.",
        &[Param {
            name: "error_data",
            default: Some("null"),
        }],
        |input| {
            Ok(Box::new(Fail {
                error_data: input.get("error_data").cloned().unwrap_or(Value::Null),
                action_ex_id: String::new(),
            }))
        },
    )
}

struct Fail {
    error_data: Value,
    action_ex_id: String,
}

impl Action for Fail {
    fn set_context(&mut self, ctx: &super::ActionContext) {
        self.action_ex_id = ctx.action_execution_id.clone();
    }

    fn run(self: Box<Self>) -> BoxFuture<'static, Result<Value, Value>> {
        let err = if truthy(&self.error_data) {
            self.error_data
        } else {
            Value::String(format!(
                "The action raised an exception [action=Fail action, action_ex_id={}, msg='Fail action expected exception.']",
                self.action_ex_id
            ))
        };
        futures::future::ready(Err(err)).boxed()
    }
}

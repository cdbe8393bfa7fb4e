//! `std.echo`: returns its `output` after an optional `delay` in seconds,
//! which it converts as Mistral's `EchoAction` does (`float(delay)`: a
//! string that is no number or a negative value is 0; null, a list or a
//! dict cannot be built).

use futures::FutureExt;
use futures::future::BoxFuture;
use serde_json::Value;

use super::{
    Action, ActionContext, ActionDef, Param, delay, py_float, py_sleep, raised, unbuildable,
};

pub(super) fn def() -> ActionDef {
    ActionDef::new(
        "std.echo",
        "Returns its output, after an optional delay in seconds.",
        &[
            Param {
                name: "output",
                default: None,
            },
            Param {
                name: "delay",
                default: Some("0"),
            },
        ],
        |input| {
            let delay = input.get("delay").map_or(Ok(0.0), |d| delay(py_float(d)));
            Ok(Box::new(Echo {
                output: input.get("output").cloned().unwrap_or(Value::Null),
                delay: delay.map_err(|()| unbuildable("std.echo"))?,
                action_ex_id: String::new(),
            }))
        },
    )
}

struct Echo {
    output: Value,
    delay: f64,
    action_ex_id: String,
}

impl Action for Echo {
    fn set_context(&mut self, ctx: &ActionContext) {
        self.action_ex_id = ctx.action_execution_id.clone();
    }

    fn run(self: Box<Self>) -> BoxFuture<'static, Result<Value, Value>> {
        async move {
            py_sleep(self.delay)
                .await
                .map_err(|e| Value::String(raised("std.echo", &self.action_ex_id, &e)))?;
            Ok(self.output)
        }
        .boxed()
    }
}

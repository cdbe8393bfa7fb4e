//! `std.sleep`: waits `seconds` (without holding a thread), returns null.
//! The seconds are converted as Mistral's `SleepAction` does (`int()`:
//! truncated; a string that is no integer or a negative value is 0; null,
//! a list or a dict cannot be built).

use futures::FutureExt;
use futures::future::BoxFuture;
use serde_json::Value;

use super::{
    Action, ActionContext, ActionDef, Param, delay, py_int, py_sleep, raised, unbuildable,
};

pub(super) fn def() -> ActionDef {
    ActionDef::new(
        "std.sleep",
        "Sleeps for the given number of seconds.",
        &[Param {
            name: "seconds",
            default: Some("1"),
        }],
        |input| {
            let seconds = input.get("seconds").map_or(Ok(1.0), |s| delay(py_int(s)));
            Ok(Box::new(Sleep {
                seconds: seconds.map_err(|()| unbuildable("std.sleep"))?,
                action_ex_id: String::new(),
            }))
        },
    )
}

struct Sleep {
    seconds: f64,
    action_ex_id: String,
}

impl Action for Sleep {
    fn set_context(&mut self, ctx: &ActionContext) {
        self.action_ex_id = ctx.action_execution_id.clone();
    }

    fn run(self: Box<Self>) -> BoxFuture<'static, Result<Value, Value>> {
        async move {
            py_sleep(self.seconds)
                .await
                .map_err(|e| Value::String(raised("std.sleep", &self.action_ex_id, &e)))?;
            Ok(Value::Null)
        }
        .boxed()
    }
}

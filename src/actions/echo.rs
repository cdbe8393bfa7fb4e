//! `std.echo`: returns its `output` after an optional `delay` in seconds.

use std::time::Duration;

use futures::FutureExt;
use futures::future::BoxFuture;
use serde_json::Value;

use super::{Action, ActionDef, Param, seconds};

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
            Ok(Box::new(Echo {
                output: input.get("output").cloned().unwrap_or(Value::Null),
                delay: seconds(input, "delay")?,
            }))
        },
    )
}

struct Echo {
    output: Value,
    delay: f64,
}

impl Action for Echo {
    fn run(self: Box<Self>) -> BoxFuture<'static, Result<Value, Value>> {
        async move {
            if self.delay > 0.0 {
                tokio::time::sleep(Duration::from_secs_f64(self.delay)).await;
            }
            Ok(self.output)
        }
        .boxed()
    }
}

//! `std.sleep`: waits `seconds` (without holding a thread), returns null.

use std::time::Duration;

use futures::FutureExt;
use futures::future::BoxFuture;
use serde_json::Value;

use super::{Action, ActionDef, Param, seconds};

pub(super) fn def() -> ActionDef {
    ActionDef::new(
        "std.sleep",
        "Sleeps for the given number of seconds.",
        &[Param {
            name: "seconds",
            default: Some("1"),
        }],
        |input| {
            Ok(Box::new(Sleep {
                seconds: seconds(input, "seconds")?,
            }))
        },
    )
}

struct Sleep {
    seconds: f64,
}

impl Action for Sleep {
    fn run(self: Box<Self>) -> BoxFuture<'static, Result<Value, Value>> {
        async move {
            tokio::time::sleep(Duration::from_secs_f64(self.seconds)).await;
            Ok(Value::Null)
        }
        .boxed()
    }
}

//! `std.fail`: always fails; with `error_data`, that is the task's result.

use futures::FutureExt;
use futures::future::BoxFuture;
use serde_json::Value;

use super::{Action, ActionDef, Param};

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
            }))
        },
    )
}

struct Fail {
    error_data: Value,
}

impl Action for Fail {
    fn run(self: Box<Self>) -> BoxFuture<'static, Result<Value, Value>> {
        let err = match self.error_data {
            Value::Null => Value::String("Fail action expected exception.".into()),
            data => data,
        };
        futures::future::ready(Err(err)).boxed()
    }
}

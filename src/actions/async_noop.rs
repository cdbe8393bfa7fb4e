//! `std.async_noop`: an asynchronous action that does nothing; its task
//! completes when someone sets its result through the API.

use futures::FutureExt;
use futures::future::BoxFuture;
use serde_json::Value;

use super::{Action, ActionDef};

pub(super) fn def() -> ActionDef {
    ActionDef::new(
        "std.async_noop",
        "Does nothing; completes through PUT /v2/action_executions/{id}.",
        &[],
        |_| Ok(Box::new(AsyncNoop)),
    )
}

struct AsyncNoop;

impl Action for AsyncNoop {
    fn run(self: Box<Self>) -> BoxFuture<'static, Result<Value, Value>> {
        futures::future::ready(Ok(Value::Null)).boxed()
    }

    fn is_sync(&self) -> bool {
        false
    }
}

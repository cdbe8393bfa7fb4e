//! `std.noop`: does nothing, returns null.

use futures::FutureExt;
use futures::future::BoxFuture;
use serde_json::Value;

use super::{Action, ActionDef};

pub(super) fn def() -> ActionDef {
    ActionDef::new("std.noop", "Does nothing.", &[], |_| Ok(Box::new(Noop)))
}

struct Noop;

impl Action for Noop {
    fn run(self: Box<Self>) -> BoxFuture<'static, Result<Value, Value>> {
        futures::future::ready(Ok(Value::Null)).boxed()
    }
}

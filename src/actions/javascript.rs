//! `std.javascript` and `std.js`: Mistral 23.0.0 offers them, but its
//! JavaScript engine (PyV8) is not available there, so every run fails with
//! the same error. bora does the same: the workflow that calls one takes
//! its `on-error` path exactly as on Mistral.

use futures::FutureExt;
use futures::future::BoxFuture;
use serde_json::Value;

use super::{Action, ActionDef, Param};

const PARAMS: &[Param] = &[
    Param {
        name: "script",
        default: None,
    },
    Param {
        name: "context",
        default: Some("null"),
    },
];

pub(super) fn defs() -> [ActionDef; 2] {
    ["std.javascript", "std.js"].map(|name| {
        ActionDef::new(name, "Evaluates given JavaScript.", PARAMS, move |_| {
            Ok(Box::new(JavaScript {
                name,
                action_ex_id: String::new(),
            }))
        })
    })
}

struct JavaScript {
    name: &'static str,
    action_ex_id: String,
}

impl Action for JavaScript {
    fn set_context(&mut self, ctx: &super::ActionContext) {
        self.action_ex_id = ctx.action_execution_id.clone();
    }

    fn run(self: Box<Self>) -> BoxFuture<'static, Result<Value, Value>> {
        let err = super::raised(
            self.name,
            &self.action_ex_id,
            "JavaScriptAction failed: PyV8 module is not available. Please install PyV8.",
        );
        futures::future::ready(Err(Value::String(err))).boxed()
    }
}

//! `std.test_dict`: a dict of `size` entries `{key_prefix}{i}: val`, for
//! load tests. As Mistral's `TestDictAction`, it reads its input when it
//! runs: `size` goes to Python's `range()` (an int or a bool; a negative
//! one gives `{}`, anything else raises), `key_prefix` is printed with
//! `str()`.

use futures::FutureExt;
use futures::future::BoxFuture;
use serde_json::{Map, Value};

use super::{Action, ActionContext, ActionDef, Param};
use crate::domain::pytext;

/// The largest `size` accepted.
const MAX_SIZE: u64 = 1_000_000;

const PARAMS: &[Param] = &[
    Param {
        name: "size",
        default: Some("0"),
    },
    Param {
        name: "key_prefix",
        default: Some("\"\""),
    },
    Param {
        name: "val",
        default: Some("\"\""),
    },
];

struct TestDict {
    size: Value,
    prefix: String,
    val: Value,
    action_ex_id: String,
}

impl TestDict {
    /// Python's `range(size)` length, or the exception it raises.
    fn len(&self) -> Result<u64, String> {
        let n = match &self.size {
            Value::Bool(b) => i64::from(*b),
            Value::Number(n) if !n.is_f64() => n.as_i64().unwrap_or(i64::MAX),
            other => {
                return Err(format!(
                    "'{}' object cannot be interpreted as an integer",
                    pytext::type_name(other)
                ));
            }
        };
        match u64::try_from(n.max(0)) {
            Ok(n) if n <= MAX_SIZE => Ok(n),
            _ => Err(format!("'size' is over bora's limit of {MAX_SIZE}")),
        }
    }
}

impl Action for TestDict {
    fn set_context(&mut self, ctx: &ActionContext) {
        self.action_ex_id = ctx.action_execution_id.clone();
    }

    fn run(self: Box<Self>) -> BoxFuture<'static, Result<Value, Value>> {
        let out = self
            .len()
            .map(|size| {
                let mut m = Map::new();
                for i in 0..size {
                    m.insert(format!("{}{i}", self.prefix), self.val.clone());
                }
                Value::Object(m)
            })
            .map_err(|e| Value::String(super::raised("std.test_dict", &self.action_ex_id, &e)));
        futures::future::ready(out).boxed()
    }
}

/// `std.test_dict`.
pub fn def() -> ActionDef {
    ActionDef::new("std.test_dict", "Generates test dict.", PARAMS, |input| {
        Ok(Box::new(TestDict {
            size: input.get("size").cloned().unwrap_or(Value::Null),
            prefix: input.get("key_prefix").map(pytext::str).unwrap_or_default(),
            val: input.get("val").cloned().unwrap_or(Value::Null),
            action_ex_id: String::new(),
        }))
    })
}

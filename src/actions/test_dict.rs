//! `std.test_dict`: a dict of `size` entries `{key_prefix}{i}: val`, for
//! load tests.

use futures::FutureExt;
use futures::future::BoxFuture;
use serde_json::{Map, Value};

use super::{Action, ActionDef, Param};

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
    size: u64,
    prefix: String,
    val: Value,
}

impl Action for TestDict {
    fn run(self: Box<Self>) -> BoxFuture<'static, Result<Value, Value>> {
        let mut m = Map::new();
        for i in 0..self.size {
            m.insert(format!("{}{i}", self.prefix), self.val.clone());
        }
        futures::future::ready(Ok(Value::Object(m))).boxed()
    }
}

/// `std.test_dict`.
pub fn def() -> ActionDef {
    ActionDef::new("std.test_dict", "Generates test dict.", PARAMS, |input| {
        let size = match input.get("size") {
            Some(Value::Number(n)) => n.as_u64(),
            Some(Value::String(s)) => s.parse().ok(),
            _ => None,
        }
        .filter(|n| *n <= MAX_SIZE)
        .ok_or_else(|| format!("'size' must be an integer from 0 to {MAX_SIZE}"))?;
        let prefix = match input.get("key_prefix") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Null) | None => String::new(),
            Some(other) => other.to_string(),
        };
        Ok(Box::new(TestDict {
            size,
            prefix,
            val: input.get("val").cloned().unwrap_or(Value::Null),
        }))
    })
}

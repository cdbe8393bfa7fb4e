//! YAQL, our own implementation of yaql 3.2 as Mistral configures it:
//! [`parser`] builds the tree once (cached by the caller), [`interp`]
//! evaluates it over [`value::V`] with the standard library in `lib*`.

pub mod datetime;
pub mod interp;
pub mod lib;
pub mod lib_coll;
pub mod lib_gen;
pub mod lib_mistral;
pub mod lib_num;
pub mod lib_query;
pub mod lib_str;
pub mod ops;
pub mod parser;
pub mod pyset;
pub mod regex;
#[cfg(test)]
mod tests;
pub mod value;

use serde_json::Value as Json;

use crate::expr::{ErrorKind, Host, Limits};
use interp::{Interp, YErr};
use value::V;

pub use parser::{Expr, SyntaxError, parse};

/// Evaluates a compiled expression against the data context.
pub fn eval(expr: &Expr, data: &Json, host: Option<&dyn Host>, limits: &Limits) -> Result<V, YErr> {
    let root = V::from_json(data);
    let env = match data.get("__env") {
        // `env()` reads Mistral's unconverted `__env`: plain dicts
        Some(e) => V::from_json_plain(e),
        None => V::Null,
    };
    let mut it = Interp::new(limits, root, env, host);
    let v = it.eval(expr, 0)?;
    check_output(&v, 0, limits)?;
    Ok(v)
}

/// Mistral's output conversion: a set holding lists or dicts cannot be
/// built (`unhashable type`); contexts and other objects are not data.
fn check_output(v: &V, depth: usize, limits: &Limits) -> Result<(), YErr> {
    if depth > limits.max_depth {
        return Err(YErr {
            kind: ErrorKind::Limit,
            msg: format!("depth limit exceeded (max_depth {})", limits.max_depth),
        });
    }
    match v {
        V::Set(items, _) => {
            for x in items.iter() {
                match x {
                    V::List(_) | V::Iter(_) => {
                        return Err(YErr {
                            kind: ErrorKind::Type,
                            msg: "unhashable type: 'list'".into(),
                        });
                    }
                    V::Dict(..) => {
                        return Err(YErr {
                            kind: ErrorKind::Type,
                            msg: "unhashable type: 'dict'".into(),
                        });
                    }
                    // an inner frozenset comes out as a (mutable) set
                    V::Set(..) => {
                        return Err(YErr {
                            kind: ErrorKind::Type,
                            msg: "unhashable type: 'set'".into(),
                        });
                    }
                    other => check_output(other, depth + 1, limits)?,
                }
            }
            Ok(())
        }
        V::List(items) | V::Iter(items) => items
            .iter()
            .try_for_each(|x| check_output(x, depth + 1, limits)),
        V::Dict(d, _) => {
            // keys come out thawed: a tuple as a list, a frozenset as a set
            for k in d.keys() {
                let thawed = match &k.0 {
                    V::List(_) | V::Iter(_) => "list",
                    V::Set(..) => "set",
                    V::Dict(..) => "dict",
                    _ => continue,
                };
                return Err(YErr {
                    kind: ErrorKind::Type,
                    msg: format!("unhashable type: '{thawed}'"),
                });
            }
            d.values()
                .try_for_each(|x| check_output(x, depth + 1, limits))
        }
        _ => Ok(()),
    }
}

//! Mistral's context versioning (on by default in Mistral 23.0.0): a
//! context carries `__versions`, the number of times each published leaf
//! (keyed by the md5 of its dotted path) was published along the path that
//! led to it. Where branches meet — a join, a reverse task's requirements,
//! the workflow's final context — a value replaces the one already merged
//! only when its version is strictly higher, so the branch that re-published
//! a variable wins over one that merely carried the old value along.

use serde_json::{Map, Value};

/// The context key that holds the versions; expressions can read it.
pub(crate) const KEY: &str = "__versions";

/// The outbound context of a task: its inbound context with the version of
/// every leaf it published raised by one, then updated by what it published
/// (Mistral's default `replace` strategy: top-level keys are replaced).
pub(crate) fn outbound(in_context: &Map<String, Value>, published: &Value) -> Map<String, Value> {
    let mut out = in_context.clone();
    let mut versions = match out.remove(KEY) {
        Some(Value::Object(v)) => v,
        _ => Map::new(),
    };
    if let Value::Object(p) = published {
        bump(&mut versions, p, "");
        for (k, v) in p {
            out.insert(k.clone(), v.clone());
        }
    }
    out.insert(KEY.into(), Value::Object(versions));
    out
}

fn bump(versions: &mut Map<String, Value>, published: &Map<String, Value>, prefix: &str) {
    for (k, v) in published {
        let path = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            Value::Object(inner) => bump(versions, inner, &path),
            _ => {
                let n = version(versions, &path) + 1;
                versions.insert(hash(&path), Value::from(n));
            }
        }
    }
}

fn hash(path: &str) -> String {
    format!("{:x}", md5::compute(path.as_bytes()))
}

fn version(versions: &Map<String, Value>, path: &str) -> u64 {
    versions
        .get(&hash(path))
        .and_then(Value::as_u64)
        .unwrap_or(0)
}

/// Merges the context `right` into `left` by version (Mistral's
/// `merge_context_by_version`): keys `left` lacks are added, mappings merge
/// recursively, and a leaf of `right` replaces `left`'s only when its
/// version is higher. The versions merge by maximum.
pub(crate) fn merge(left: &mut Map<String, Value>, mut right: Map<String, Value>) {
    let take = |m: &mut Map<String, Value>| match m.remove(KEY) {
        Some(Value::Object(v)) => v,
        _ => Map::new(),
    };
    let mut ver_left = take(left);
    let ver_right = take(&mut right);
    left.remove("__task_execution");
    right.remove("__task_execution");
    merge_level(left, &ver_left, right, &ver_right, "");
    for (k, v) in ver_right {
        let n = v.as_u64().unwrap_or(0);
        let cur = ver_left.get(&k).and_then(Value::as_u64).unwrap_or(0);
        ver_left.insert(k, Value::from(n.max(cur)));
    }
    left.insert(KEY.into(), Value::Object(ver_left));
}

fn merge_level(
    left: &mut Map<String, Value>,
    ver_left: &Map<String, Value>,
    right: Map<String, Value>,
    ver_right: &Map<String, Value>,
    prefix: &str,
) {
    for (k, v) in right {
        let path = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match (left.get_mut(&k), v) {
            (None, v) => {
                left.insert(k, v);
            }
            (Some(Value::Object(l)), Value::Object(r)) => {
                merge_level(l, ver_left, r, ver_right, &path);
            }
            (Some(cur), v) => {
                if version(ver_right, &path) > version(ver_left, &path) {
                    *cur = v;
                }
            }
        }
    }
}

/// A context as a workflow's output shows it: without the versions.
pub(crate) fn strip(mut ctx: Map<String, Value>) -> Map<String, Value> {
    ctx.remove(KEY);
    ctx
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn publishing_raises_the_version_of_each_leaf_path() {
        let first = outbound(&Map::new(), &json!({"x": 1, "d": {"k": 1}, "e": {}}));
        let second = outbound(&first, &json!({"x": 2}));
        // md5("x") and md5("d.k"), as Mistral keys them.
        assert_eq!(
            second[KEY],
            json!({"9dd4e461268c8034f5c8564e155c67a6": 2, "dfa9dd880d376cb8dca37d642653fae3": 1})
        );
        assert_eq!(second["x"], json!(2));
    }

    #[test]
    fn the_higher_version_wins_and_a_tie_keeps_what_is_there() {
        let start = outbound(&Map::new(), &json!({"v": "initial", "w": "initial"}));
        let a = outbound(&start, &json!({"v": "from_a"}));
        let b = outbound(&start, &json!({"w": "from_b", "only_b": 1}));
        let mut joined = b.clone();
        merge(&mut joined, a.clone());
        assert_eq!(joined["v"], json!("from_a"));
        assert_eq!(joined["w"], json!("from_b"));
        assert_eq!(joined["only_b"], json!(1));
        let c = outbound(&start, &json!({"v": "from_c"}));
        let mut tie = a;
        merge(&mut tie, c);
        assert_eq!(tie["v"], json!("from_a"));
        assert_eq!(strip(obj(json!({KEY: {}, "x": 1}))), obj(json!({"x": 1})));
    }
}

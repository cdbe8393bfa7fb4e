//! [`RawSpec`]: Mistral's spec dict of a workflow (what `execution().spec`
//! and `task().spec` show), kept as its JSON text with the place of each
//! task's mapping in it. As a tree of JSON values it cost about 1 kB per
//! task in memory; as text it costs what its JSON does.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use serde_json::value::RawValue;

/// A workflow's spec dict as JSON text; null for a spec stored before it
/// was kept.
#[derive(Clone, Default)]
pub struct RawSpec {
    text: Option<Box<RawValue>>,
    /// Each task's name with the byte range of its mapping in `text`,
    /// sorted by name.
    tasks: Box<[(Box<str>, u32, u32)]>,
}

/// The part of the dict the task index reads: the task mappings, in place.
#[derive(Deserialize)]
struct Tasks<'a> {
    #[serde(borrow, default)]
    tasks: Option<indexmap::IndexMap<std::borrow::Cow<'a, str>, &'a RawValue>>,
}

impl RawSpec {
    /// The dict `v`, as text.
    pub fn new(v: &Value) -> Self {
        match v {
            Value::Null => Self::default(),
            v => serde_json::value::to_raw_value(v).map_or_else(|_| Self::default(), Self::of),
        }
    }

    fn of(text: Box<RawValue>) -> Self {
        let whole = text.get();
        let start = whole.as_ptr() as usize;
        let mut tasks: Vec<(Box<str>, u32, u32)> = match serde_json::from_str::<Tasks>(whole) {
            Ok(Tasks { tasks: Some(ts) }) => ts
                .into_iter()
                .map(|(name, t)| {
                    let at = t.get().as_ptr() as usize - start;
                    (name.into(), at as u32, (at + t.get().len()) as u32)
                })
                .collect(),
            _ => Vec::new(),
        };
        tasks.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        Self {
            text: Some(text),
            tasks: tasks.into(),
        }
    }

    pub fn is_null(&self) -> bool {
        self.text.is_none()
    }

    /// The whole dict.
    pub fn value(&self) -> Value {
        self.text
            .as_ref()
            .and_then(|t| serde_json::from_str(t.get()).ok())
            .unwrap_or(Value::Null)
    }

    /// The mapping of task `name`, read alone.
    pub fn task(&self, name: &str) -> Option<Value> {
        let text = self.text.as_ref()?.get();
        let i = self
            .tasks
            .binary_search_by(|(n, _, _)| (**n).cmp(name))
            .ok()?;
        let (_, from, to) = &self.tasks[i];
        serde_json::from_str(text.get(*from as usize..*to as usize)?).ok()
    }
}

impl PartialEq for RawSpec {
    fn eq(&self, other: &Self) -> bool {
        self.text.as_ref().map(|t| t.get()) == other.text.as_ref().map(|t| t.get())
    }
}

impl fmt::Debug for RawSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.text {
            Some(t) => f.write_str(t.get()),
            None => f.write_str("null"),
        }
    }
}

impl Serialize for RawSpec {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.text {
            Some(t) => t.serialize(s),
            None => s.serialize_unit(),
        }
    }
}

impl<'de> Deserialize<'de> for RawSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = Box::<RawValue>::deserialize(d)?;
        Ok(match text.get() {
            "null" => Self::default(),
            _ => Self::of(text),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The dict reads back whole and task by task (names with escapes
    /// too), and survives a trip through its stored JSON, from text or
    /// from a tree.
    #[test]
    fn reads_whole_and_by_task() {
        let dict = json!({"name": "wf", "version": "2.0", "tasks": {
            "b": {"action": "std.noop", "name": "b"},
            "a \"q\"": {"action": "std.echo", "input": {"output": [1, {"x": null}]}},
        }});
        let raw = RawSpec::new(&dict);
        assert_eq!(raw.value(), dict);
        assert_eq!(
            raw.task("b"),
            Some(json!({"action": "std.noop", "name": "b"}))
        );
        assert_eq!(raw.task("a \"q\""), Some(dict["tasks"]["a \"q\""].clone()));
        assert_eq!(raw.task("c"), None);
        let text = serde_json::to_string(&raw).unwrap_or_default();
        let back: RawSpec = serde_json::from_str(&text).unwrap_or_default();
        assert_eq!(back, raw);
        assert_eq!(back.task("b"), raw.task("b"));
        let tree: RawSpec = serde_json::from_value(dict.clone()).unwrap_or_default();
        assert_eq!(tree.task("b"), raw.task("b"));
        let null: RawSpec = serde_json::from_str("null").unwrap_or_default();
        assert!(null.is_null() && null.value().is_null() && null.task("b").is_none());
        assert_eq!(serde_json::to_string(&null).ok().as_deref(), Some("null"));
    }
}

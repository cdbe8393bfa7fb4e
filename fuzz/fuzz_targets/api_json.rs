//! Fuzz target: request bodies as the API reads them. `bora::api::body` is
//! private, so this covers what is public on that path: `serde_json` into a
//! `Value` (what `body::object` does), each field that Mistral types as
//! JSON re-parsed from its string form (as `body::dict` does), Python-style
//! `pyjson` dumps/loads and YAML round trips (what the API renders), and any
//! `definition` string through the workflow parser. Invariant: no panic.

#![no_main]

use bora::expr::pyjson;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(v) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let dumped = pyjson::dumps(&v, None);
    let _ = pyjson::loads(&dumped);
    let _ = pyjson::dumps(&v, Some(4));
    let _ = pyjson::yaml_load(&pyjson::yaml_dump(&v));
    let Value::Object(obj) = v else { return };
    for (key, field) in &obj {
        if let Value::String(s) = field {
            // JSON-typed fields (input, params, env) arrive as strings.
            let _ = serde_json::from_str::<Value>(s);
            let _ = pyjson::loads(s);
            let _ = pyjson::yaml_load(s);
            if key == "definition" {
                let _ = bora::lang::parse_workflows(s);
            }
        }
    }
});

//! Fuzz target: arbitrary text through `bora::lang::parse_workflows` (YAML
//! load, spec checks, every diagnostic). Invariant: it returns, Ok or Err;
//! it never panics, overflows the stack or runs away in time or memory.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        match bora::lang::parse_workflows(text) {
            Ok(specs) => {
                // What the store keeps must serialise.
                for s in specs {
                    let _ = serde_json::to_value(&s);
                }
            }
            Err(diags) => {
                let _ = diags.to_string();
            }
        }
    }
});

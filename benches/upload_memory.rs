//! What uploading a big workflow definition costs in memory, counted by the
//! allocator rather than read off RSS: the bytes still live after each step
//! of an upload (parse, the spec's JSON text as stored) and the
//! peak over the whole run.
//!
//!   cargo bench --bench upload_memory [-- TASKS]   (default 10,000)
//!
//! The definition is a fan-out of `std.noop` tasks, as `scripts/defs_bench.py`
//! uploads through the REST API.

use bora::lang;

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

fn live() -> usize {
    dhat::HeapStats::get().curr_bytes
}

fn fan_out(n: usize) -> String {
    let mut y = String::from("version: '2.0'\nfan:\n  tasks:\n");
    for i in 0..n {
        y += &format!("    t{i}:\n      action: std.noop\n");
    }
    y
}

fn report(step: &str, since: usize, n: usize) {
    let held = live().saturating_sub(since);
    println!(
        "{step:<30} {:>9.2} MiB ({:>6} B per task)",
        held as f64 / 1048576.0,
        held / n,
    );
}

fn main() {
    let _profiler = dhat::Profiler::builder().testing().build();
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10_000);
    let text = fan_out(n);
    println!(
        "fan-out of {n} std.noop tasks: {:.1} kB of YAML",
        text.len() as f64 / 1e3
    );
    let base = live();
    let Ok(specs) = lang::parse_workflows(&text) else {
        panic!("the definition does not parse");
    };
    report("parsed spec", base, n);
    println!(
        "  of which: a task spec {} B inline; Mistral's spec dict (raw) {:.2} MiB",
        std::mem::size_of::<lang::TaskSpec>(),
        {
            let step = live();
            let raw = specs[0].raw.clone();
            let held = live() - step;
            drop(raw);
            held as f64 / 1048576.0
        }
    );
    let step = live();
    let json = serde_json::to_string(&specs[0]).unwrap_or_default();
    report("+ the spec's JSON text", step, n);
    println!(
        "spec JSON text: {:.2} MiB ({} B per task)",
        json.len() as f64 / 1048576.0,
        json.len() / n
    );
    drop(json);
    report("the spec alone (what is kept)", base, n);
    let peak = dhat::HeapStats::get().max_bytes.saturating_sub(base);
    println!(
        "peak over the run: {:.2} MiB ({} B per task)",
        peak as f64 / 1048576.0,
        peak / n
    );
    drop(specs);
}

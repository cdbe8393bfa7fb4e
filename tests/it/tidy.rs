//! House rules checked on every test run: each Rust file opens with a `//!`
//! line saying what it is, no source file grows past 800 lines, modules use
//! only what DESIGN.md's table allows, the pure modules do no I/O, and only
//! the engine's transition module writes states.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for dir in ["src", "tests", "benches"] {
        rust_files(&root.join(dir), &mut out);
    }
    out
}

#[test]
fn every_file_opens_with_a_doc_line() {
    let missing: Vec<String> = files()
        .into_iter()
        .filter(|p| {
            !std::fs::read_to_string(p)
                .unwrap_or_default()
                .starts_with("//!")
        })
        .map(|p| p.display().to_string())
        .collect();
    assert!(missing.is_empty(), "files without a //! line: {missing:#?}");
}

#[test]
fn no_source_file_is_over_800_lines() {
    let long: Vec<String> = files()
        .into_iter()
        .filter(|p| p.starts_with(Path::new(env!("CARGO_MANIFEST_DIR")).join("src")))
        .filter_map(|p| {
            let n = std::fs::read_to_string(&p)
                .unwrap_or_default()
                .lines()
                .count();
            (n > 800).then(|| format!("{} ({n} lines)", p.display()))
        })
        .collect();
    assert!(long.is_empty(), "files over 800 lines: {long:#?}");
}

/// States have one door: in the engine only `transition.rs` writes a
/// record's `state` (its setters check the transition table), and nothing
/// in the flow or the evaluation pool puts a value back or shares one
/// through a cell.
#[test]
fn only_the_transition_module_writes_states() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut engine = Vec::new();
    rust_files(&root.join("src/engine"), &mut engine);
    let mut found = Vec::new();
    for p in &engine {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let text = std::fs::read_to_string(p).unwrap_or_default();
        for (i, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            let bad = (name != "transition.rs" && code.contains(".state = "))
                || (matches!(name, "flow.rs" | "complete.rs") && code.contains("mem::replace"))
                || (name == "offload.rs" && code.contains("Cell"));
            if bad {
                found.push(format!("{}:{}: {}", p.display(), i + 1, line.trim()));
            }
        }
    }
    assert!(engine.len() > 20, "src/engine not found");
    assert!(
        found.is_empty(),
        "state written outside transition.rs, or undone: {found:#?}"
    );
}

/// DESIGN.md's table of who may use whom, as data: each top-level module
/// (a folder or a file of `src/`) and the modules of ours it may name.
/// `domain` (passive shared types) and `failpoints` (fault injection for the
/// reliability suite) may be used by any module but `domain` itself.
const MAY_USE: &[(&str, &[&str])] = &[
    ("domain", &[]),
    // YAML as Mistral's loader reads it, for the language and for
    // `yaml_parse()` in expressions: one reader on the ground floor.
    ("yaml", &[]),
    ("lang", &["expr", "yaml"]),
    ("expr", &["yaml"]),
    ("protocol", &[]),
    ("engine", &["lang", "expr", "store", "protocol"]),
    ("worker", &["protocol", "actions"]),
    // The engine↔worker protocol over RabbitMQ: it speaks only the
    // protocol's messages; the composition root wires it between the
    // engine and the workers, which never see it.
    ("broker", &["protocol"]),
    ("actions", &[]),
    ("store", &[]),
    // `actions`: the std actions' descriptions for `GET /v2/actions`.
    ("api", &["engine", "store", "lang", "actions"]),
    // The settings build the limits and HTTP policy of the modules they
    // configure.
    ("config", &["actions", "engine", "expr", "notify", "broker"]),
    // Delivers the outbox the engine writes: reads it through the store,
    // tells the engine what is done, posts under the egress policy of
    // `actions`.
    ("notify", &["engine", "store", "actions"]),
    ("app", &["*"]),
    // The command line: `lang` to check and name what a file defines,
    // `app` to serve bora for `bora run`, `config` to configure it,
    // `actions` for the standard actions' names and the TLS provider.
    ("cli", &["app", "config", "lang", "actions"]),
    // `bora expr` and `bora migrate` call their module, `bora backup`
    // copies the database through `store`; the other commands are `cli`'s.
    // `logging` installs the log format the settings name.
    (
        "main",
        &["app", "cli", "config", "expr", "lang", "store", "logging"],
    ),
    ("logging", &[]),
    ("failpoints", &[]),
    ("lib", &["*"]),
];

/// Crates only some modules may use: (crate path prefix, modules allowed).
const EXTERNAL: &[(&str, &[&str])] = &[
    ("diesel", &["store"]),
    // `protocol`: its messages are actix messages.
    (
        "actix",
        &[
            "engine", "worker", "api", "app", "main", "protocol", "notify", "broker",
        ],
    ),
    (
        "tokio",
        &[
            "engine", "worker", "api", "app", "main", "actions", "notify", "broker",
        ],
    ),
    // The AMQP client: the broker transport only.
    ("lapin", &["broker"]),
];

/// Modules that must stay pure: no I/O, no runtime.
const PURE: &[&str] = &["domain", "yaml", "lang", "expr", "engine/controller.rs"];

fn module_of(path: &Path) -> Option<String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let rel = path.strip_prefix(&src).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    Some(first.trim_end_matches(".rs").to_string())
}

/// The modules of ours a source file names (`crate::x` or `bora::x`),
/// comments left out.
fn named_modules(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or_default();
        for prefix in ["crate::", "bora::"] {
            let mut rest = code;
            while let Some(i) = rest.find(prefix) {
                let tail = &rest[i + prefix.len()..];
                let name: String = tail
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    out.push(name);
                }
                rest = tail;
            }
        }
    }
    out
}

fn source_files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut out);
    out
}

#[test]
fn modules_use_only_what_the_design_allows() {
    let mut wrong = Vec::new();
    for path in source_files() {
        let Some(module) = module_of(&path) else {
            continue;
        };
        let allowed = MAY_USE
            .iter()
            .find(|(m, _)| *m == module)
            .map(|(_, a)| *a)
            .unwrap_or_else(|| panic!("{module} is not in the table of modules"));
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        for used in named_modules(&text) {
            let shared = module != "domain"
                && (used == "domain" || used == "failpoint" || used == "failpoints");
            if used == module
                || shared
                || allowed.contains(&"*")
                || allowed.contains(&used.as_str())
            {
                continue;
            }
            wrong.push(format!("{} uses crate::{used}", path.display()));
        }
        for (krate, who) in EXTERNAL {
            let named = text
                .lines()
                .map(|l| l.split("//").next().unwrap_or_default())
                .any(|l| l.contains(&format!("{krate}::")) || l.contains(&format!("use {krate}")));
            if named && !who.contains(&module.as_str()) {
                wrong.push(format!("{} uses {krate}", path.display()));
            }
        }
    }
    wrong.sort();
    wrong.dedup();
    assert!(
        wrong.is_empty(),
        "imports against DESIGN.md's module table: {wrong:#?}"
    );
}

#[test]
fn pure_modules_do_no_io() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut wrong = Vec::new();
    for path in source_files() {
        let rel = path
            .strip_prefix(&src)
            .unwrap_or(&path)
            .to_string_lossy()
            .to_string();
        if !PURE
            .iter()
            .any(|p| rel == *p || rel.starts_with(&format!("{p}/")) || rel == format!("{p}.rs"))
        {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        for banned in ["actix", "tokio", "std::fs", "std::net", "reqwest", "diesel"] {
            if text
                .lines()
                .map(|l| l.split("//").next().unwrap_or_default())
                .any(|l| l.contains(banned))
            {
                wrong.push(format!("{rel} uses {banned}"));
            }
        }
    }
    assert!(wrong.is_empty(), "I/O in a pure module: {wrong:#?}");
}

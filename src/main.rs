//! The `bora` command: parses the CLI, loads the config, calls `app`.

fn main() {}

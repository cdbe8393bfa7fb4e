//! The `bora` command: parses the CLI, loads the config, and hands over to
//! `app` (serve), `cli` (run, validate, the client commands), `store`
//! (migrate, backup) or `expr` (expr).

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};

use bora::cli::commands::{ExecutionCmd, TaskCmd, WorkflowCmd};
use bora::cli::output::Format;

use bora::config::Config;

/// jemalloc gives the memory a burst of work freed back to the system
/// within 100 ms (`dirty_decay_ms:100`, set in `.cargo/config.toml`);
/// glibc's allocator keeps most of it for the life of the process.
#[cfg(target_os = "linux")]
#[global_allocator]
static ALLOC: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// A workflow service that speaks Mistral's v2 language and REST API.
#[derive(Parser)]
#[command(name = "bora", version, about)]
struct Cli {
    /// Configuration file (default: bora.toml in the working directory, if present).
    #[arg(long, global = true, value_name = "FILE", env = "BORA_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the API, the engine and the workers.
    Serve {
        /// Address to listen on, ADDR:PORT (default 127.0.0.1:8989).
        #[arg(long, value_name = "ADDR:PORT", env = "BORA_BIND")]
        bind: Option<String>,
        /// Database URL: sqlite://PATH (default sqlite://bora.db;
        /// sqlite:///abs/path for an absolute path) or postgres://...
        #[arg(long, value_name = "URL", env = "BORA_DATABASE")]
        database: Option<String>,
        /// Number of worker actors (default: one per CPU).
        #[arg(long, value_name = "N", env = "BORA_WORKERS")]
        workers: Option<usize>,
        #[command(flatten)]
        broker: BrokerArgs,
        /// With --broker: run no workers in this process (`bora worker`
        /// processes run every action).
        #[arg(long)]
        no_local_workers: bool,
    },
    /// Run only a worker pool, fed with tasks from the broker by the
    /// `bora serve --broker` nodes (no API, no database).
    Worker {
        /// Number of worker actors (default: one per CPU).
        #[arg(long, value_name = "N", env = "BORA_WORKERS")]
        workers: Option<usize>,
        #[command(flatten)]
        broker: BrokerArgs,
        /// Also take the tasks whose `target` is NAME (repeatable).
        #[arg(long = "target", value_name = "NAME")]
        targets: Vec<String>,
    },
    /// Check a workflow list or a workbook: errors (what a server refuses)
    /// and warnings (unreachable tasks, joins that cannot be satisfied,
    /// unknown actions, variables nothing sets). Exits 1 on an error (or a
    /// warning, with --strict).
    Validate {
        /// The YAML file, or `-` for stdin.
        file: PathBuf,
        /// `text` (default) or `json`: an array of {severity, message,
        /// path, line, column}.
        #[arg(long, value_enum, default_value = "text")]
        format: bora::cli::validate::Format,
        /// Fail on warnings too.
        #[arg(long)]
        strict: bool,
    },
    /// Run a workflow (or a workbook's) and print its output as JSON: on a
    /// bora served for the run (temporary database), or on the server at
    /// --url. Exits 0 on SUCCESS, 1 on ERROR or CANCELLED.
    Run {
        /// The YAML file (workflow list or workbook), or `-` for stdin.
        file: PathBuf,
        /// The workflow input, a JSON object.
        #[arg(long, value_name = "JSON")]
        input: Option<String>,
        /// The execution's params, a JSON object: `{"task_name": "t"}` for
        /// a reverse workflow, `{"env": {...}}`.
        #[arg(long, value_name = "JSON")]
        params: Option<String>,
        /// The workflow to start (default: the file's first).
        #[arg(long, value_name = "NAME")]
        workflow: Option<String>,
        /// Run on this server instead (the definition is created or
        /// updated there).
        #[arg(long, value_name = "URL")]
        url: Option<String>,
        /// The server's token (with --url; else BORA_TOKEN or the client
        /// file).
        #[arg(long, value_name = "TOKEN")]
        token: Option<String>,
        /// No progress lines, only the output.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Workflows on a server: create, list, get, delete.
    Workflow {
        #[command(flatten)]
        conn: Conn,
        #[command(subcommand)]
        cmd: WorkflowCmd,
    },
    /// Executions on a server: start, list, get, watch, pause, resume,
    /// cancel.
    Execution {
        #[command(flatten)]
        conn: Conn,
        #[command(subcommand)]
        cmd: ExecutionCmd,
    },
    /// Task executions on a server: list, rerun.
    Task {
        #[command(flatten)]
        conn: Conn,
        #[command(subcommand)]
        cmd: TaskCmd,
    },
    /// Print a shell completion script.
    Completion { shell: clap_complete::Shell },
    /// Evaluate a Mistral expression string (YAQL `<% %>` or Jinja `{{ }}`),
    /// or with `--batch` JSONL lines `{"expr": ..., "context": ...}` from stdin.
    Expr {
        /// The expression string, e.g. '<% $.x + 1 %>'.
        expr: Option<String>,
        /// The data context as JSON (default `{}`).
        #[arg(long, value_name = "JSON", default_value = "{}")]
        context: String,
        /// Read JSONL from stdin, write one JSON result per line.
        #[arg(long)]
        batch: bool,
    },
    /// Print the SHA-256 of a token, for `[[tokens]] sha256 = "..."` in
    /// bora.toml (the token itself is never stored).
    TokenHash {
        /// The token (or `-` to read one line from stdin, keeping it out of
        /// the shell history).
        token: String,
    },
    /// Create or upgrade the database schema, then exit.
    Migrate {
        /// Database URL (default: from the configuration).
        #[arg(long, value_name = "URL", env = "BORA_DATABASE")]
        database: Option<String>,
    },
    /// Copy the SQLite database into FILE, safely while a server runs on it
    /// (PostgreSQL: use pg_dump).
    Backup {
        /// The new file to write (never overwritten).
        file: PathBuf,
        /// Database URL (default: from the configuration).
        #[arg(long, value_name = "URL", env = "BORA_DATABASE")]
        database: Option<String>,
    },
}

/// The broker of remote workers.
#[derive(Args)]
struct BrokerArgs {
    /// RabbitMQ URL, amqp://user:password@host:5672/%2f (default: the
    /// `broker_url` setting; none: workers in this process only).
    #[arg(long = "broker", value_name = "URL", env = "BORA_BROKER_URL")]
    url: Option<String>,
    /// Prefix of the queue names (default `bora`).
    #[arg(
        long = "broker-prefix",
        value_name = "PREFIX",
        env = "BORA_BROKER_PREFIX"
    )]
    prefix: Option<String>,
}

impl BrokerArgs {
    fn apply(self, config: &mut Config) {
        if let Some(url) = self.url {
            config.broker_url = url;
        }
        if let Some(prefix) = self.prefix {
            config.broker_prefix = prefix;
        }
    }
}

/// Which server a client command talks to, and how it prints.
#[derive(Args)]
struct Conn {
    /// The server (default: BORA_URL, the client file, then
    /// http://127.0.0.1:8989).
    #[arg(long, global = true, value_name = "URL")]
    url: Option<String>,
    /// The bearer token (default: BORA_TOKEN, then the client file).
    #[arg(long, global = true, value_name = "TOKEN")]
    token: Option<String>,
    /// `table` (default) or `json`.
    #[arg(long, short, global = true, value_enum, default_value = "table")]
    output: Format,
}

impl Conn {
    fn client(self) -> anyhow::Result<(bora::cli::client::Client, Format)> {
        let (url, token) = bora::cli::client::resolve(self.url, self.token)?;
        Ok((bora::cli::client::Client::new(&url, token)?, self.output))
    }
}

fn main() -> ExitCode {
    let settings = bora::config::environment_help();
    let matches = Cli::command()
        .mut_subcommand("serve", |c| c.after_long_help(settings))
        .get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    // A server logs what it does (its format is the settings'); the other
    // commands speak only when something is wrong.
    if !matches!(cli.command, Command::Serve { .. } | Command::Worker { .. }) {
        bora::logging::init("text", "warn");
    }
    // `run` serves bora too: an action's panic message stays out of the log.
    if matches!(
        cli.command,
        Command::Serve { .. } | Command::Run { .. } | Command::Worker { .. }
    ) {
        bora::app::install_panic_hook();
    }
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("bora: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    if let Command::TokenHash { token } = &cli.command {
        let token = if token == "-" {
            let mut line = String::new();
            std::io::stdin().read_line(&mut line)?;
            line.trim_end_matches(['\r', '\n']).to_string()
        } else {
            token.clone()
        };
        anyhow::ensure!(!token.is_empty(), "the token is empty");
        println!("{}", bora::config::token_hash(&token));
        return Ok(ExitCode::SUCCESS);
    }
    let cli = match client_command(cli)? {
        Ok(code) => return Ok(code),
        Err(cli) => cli,
    };
    let mut config = Config::load(cli.config.as_deref())?;
    bora::logging::init(&config.log_format, "info");
    for warning in Config::unknown_environment() {
        log::warn!("{warning}");
    }
    match cli.command {
        Command::Worker {
            workers,
            broker,
            targets,
        } => {
            if let Some(w) = workers {
                config.workers = w;
            }
            broker.apply(&mut config);
            if !targets.is_empty() {
                config.worker_targets = targets.join(",");
            }
            config.validate()?;
            let system = actix_rt::System::new();
            system.block_on(bora::app::run_worker(config, shutdown_signal()))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve {
            bind,
            database,
            workers,
            broker,
            no_local_workers,
        } => {
            broker.apply(&mut config);
            if no_local_workers {
                config.local_workers = false;
            }
            if let Some(b) = bind {
                config.bind = b;
            }
            if let Some(d) = database {
                config.database = d;
            }
            if let Some(w) = workers {
                config.workers = w;
            }
            config.validate()?;
            config.check_node()?;
            serve(config)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Validate { .. }
        | Command::Workflow { .. }
        | Command::Execution { .. }
        | Command::Task { .. }
        | Command::Completion { .. } => Ok(ExitCode::SUCCESS),
        Command::Run {
            file,
            input,
            params,
            workflow,
            url,
            token,
            quiet,
        } => {
            let args = bora::cli::run::RunArgs {
                file,
                input,
                params,
                workflow,
                url,
                token,
                quiet,
            };
            bora::cli::run::run(args, config)
        }
        Command::Expr {
            expr,
            context,
            batch,
        } => {
            if batch {
                let stdin = std::io::stdin();
                bora::expr::batch(stdin.lock(), std::io::stdout().lock())?;
                return Ok(ExitCode::SUCCESS);
            }
            let expr = expr.context("an expression is required (or --batch)")?;
            let context: serde_json::Value =
                serde_json::from_str(&context).context("--context is not JSON")?;
            let line = serde_json::json!({ "expr": expr, "context": context });
            let out = bora::expr::batch::evaluate_line(
                &bora::expr::Evaluator::new(config.expr_limits()),
                &line,
            );
            println!("{}", serde_json::to_string_pretty(&out)?);
            Ok(if out.get("error").is_some() {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::TokenHash { .. } => Ok(ExitCode::SUCCESS),
        Command::Migrate { database } => {
            let url = database.unwrap_or(config.database);
            bora::store::open(&url)?;
            println!("database {url} is migrated");
            Ok(ExitCode::SUCCESS)
        }
        Command::Backup { file, database } => {
            let url = database.unwrap_or(config.database);
            let r = bora::store::backup(&url, &file)?;
            println!(
                "backed up {} to {} ({} executions, schema {}, {} bytes)",
                r.source.display(),
                file.display(),
                r.executions,
                r.schema_version,
                r.bytes
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Runs the commands that need no server configuration; hands any other
/// back.
fn client_command(cli: Cli) -> anyhow::Result<Result<ExitCode, Cli>> {
    Ok(Ok(match cli.command {
        Command::Validate {
            file,
            format,
            strict,
        } => bora::cli::validate::run(&file, format, strict)?,
        Command::Workflow { conn, cmd } => {
            let (client, format) = conn.client()?;
            bora::cli::commands::workflow(&client, format, cmd)?
        }
        Command::Execution { conn, cmd } => {
            let (client, format) = conn.client()?;
            bora::cli::commands::execution(&client, format, cmd)?
        }
        Command::Task { conn, cmd } => {
            let (client, format) = conn.client()?;
            bora::cli::commands::task(&client, format, cmd)?
        }
        Command::Completion { shell } => {
            let mut cmd = Cli::command();
            clap_complete::generate(shell, &mut cmd, "bora", &mut std::io::stdout());
            ExitCode::SUCCESS
        }
        _ => return Ok(Err(cli)),
    }))
}

fn serve(config: Config) -> anyhow::Result<()> {
    let listener = TcpListener::bind(&config.bind)
        .with_context(|| format!("cannot listen on {}", config.bind))?;
    let system = actix_rt::System::new();
    system.block_on(bora::app::run(config, listener, shutdown_signal()))
}

/// Resolves on SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {},
                    _ = tokio::signal::ctrl_c() => {},
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

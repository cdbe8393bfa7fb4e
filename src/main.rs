//! The `bora` command: parses the CLI, loads the config, and hands over to
//! `app` (serve), `lang` (validate), `store` (migrate, backup) or `expr`
//! (expr).

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use bora::config::Config;

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
    },
    /// Check a workflow definition file; print every problem; exit 1 on any.
    Validate {
        /// The YAML file.
        file: PathBuf,
    },
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

fn main() -> ExitCode {
    let settings = bora::config::environment_help();
    let matches = Cli::command()
        .mut_subcommand("serve", |c| c.after_long_help(settings))
        .get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    if matches!(cli.command, Command::Serve { .. }) {
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
    let mut config = Config::load(cli.config.as_deref())?;
    bora::logging::init(&config.log_format);
    for warning in Config::unknown_environment() {
        log::warn!("{warning}");
    }
    match cli.command {
        Command::Serve {
            bind,
            database,
            workers,
        } => {
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
            serve(config)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Validate { file } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            match bora::lang::parse_workflows(&text) {
                Ok(specs) => {
                    for s in specs {
                        println!("{}: ok ({} tasks)", s.name, s.tasks.len());
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(diags) => {
                    for d in diags.0 {
                        println!("{}: {d}", file.display());
                    }
                    Ok(ExitCode::FAILURE)
                }
            }
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

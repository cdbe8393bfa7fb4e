//! Connections: which backend a URL names, how each connection is set up
//! (SQLite pragmas, PostgreSQL session lock), the read pool, the single-process
//! lock, and the embedded migrations. Called by `store::open` only; a URL is
//! never handed to diesel's own backend guessing.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use diesel::connection::SimpleConnection;
#[cfg(feature = "postgres")]
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::r2d2::{ManageConnection, Pool};
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::Error;

/// One connection to either backend. Queries written against it run on both;
/// backend-specific SQL matches on the variant.
#[derive(diesel::MultiConnection)]
pub(super) enum AnyConnection {
    #[cfg(feature = "postgres")]
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
#[cfg(feature = "postgres")]
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// The backend and address a database URL names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Target {
    /// A SQLite database file.
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL, as given.
    Postgres(String),
}

/// Parses a database URL: `sqlite://PATH`, `sqlite:PATH` or a plain path are
/// SQLite; `postgres://` and `postgresql://` are PostgreSQL; anything else
/// (including `:memory:`, which cannot be shared between connections) is
/// refused, so a mistyped PostgreSQL URL never becomes a SQLite file.
pub(super) fn parse_url(url: &str) -> Result<Target, Error> {
    let bad = || Error::BadUrl(url.to_string());
    let trimmed = url.trim();
    if trimmed.is_empty() || trimmed != url {
        return Err(bad());
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(Target::Postgres(url.to_string()));
    }
    let path = if let Some(rest) = url.strip_prefix("sqlite://") {
        rest
    } else if let Some(rest) = url.strip_prefix("sqlite:") {
        rest
    } else if has_scheme(url) {
        return Err(bad());
    } else {
        url
    };
    if path.is_empty() || path == ":memory:" || path.starts_with("file:") || path.contains('?') {
        return Err(bad());
    }
    Ok(Target::Sqlite(PathBuf::from(path)))
}

/// True when `s` starts like `scheme:` (letters, then letters, digits, `+-.`).
fn has_scheme(s: &str) -> bool {
    let Some((scheme, _)) = s.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
}

/// How a connection will be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Role {
    /// The engine's single write connection.
    Writer,
    /// A pooled read connection (the API).
    Reader,
}

fn db_err(e: impl std::fmt::Display) -> Error {
    Error::Database(e.to_string())
}

/// Opens and sets up one connection.
pub(super) fn connect(target: &Target, role: Role) -> Result<AnyConnection, Error> {
    match target {
        Target::Sqlite(path) => {
            let url = path
                .to_str()
                .ok_or_else(|| Error::BadUrl(path.display().to_string()))?;
            let mut c = SqliteConnection::establish(url).map_err(db_err)?;
            // busy_timeout first: even setting WAL may wait for another connection.
            // No memory map: its file pages count in the process's memory
            // and grew with the file up to the map's size (+68 % over 500
            // runs of a fan-out); the page caches are bounded instead.
            let pragmas = match role {
                Role::Writer => {
                    // auto_vacuum takes effect only on a new, empty file.
                    "PRAGMA busy_timeout = 5000; PRAGMA auto_vacuum = INCREMENTAL; \
                     PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; \
                     PRAGMA journal_size_limit = 67108864; PRAGMA temp_store = MEMORY; \
                     PRAGMA cache_size = -16384; PRAGMA mmap_size = 0; \
                     PRAGMA wal_autocheckpoint = 4000;"
                }
                Role::Reader => {
                    "PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; PRAGMA query_only = ON; \
                     PRAGMA mmap_size = 0;"
                }
            };
            c.batch_execute(pragmas).map_err(db_err)?;
            Ok(AnyConnection::Sqlite(c))
        }
        #[cfg(feature = "postgres")]
        Target::Postgres(url) => {
            let mut c = PgConnection::establish(url).map_err(db_err)?;
            // Like SQLite's busy_timeout: a lock held by someone else fails
            // the statement after 5 s instead of blocking without end.
            c.batch_execute("SET lock_timeout = '5s'").map_err(db_err)?;
            Ok(AnyConnection::Postgresql(c))
        }
        #[cfg(not(feature = "postgres"))]
        Target::Postgres(url) => Err(Error::BadUrl(format!(
            "{url} (this build has no PostgreSQL support; build with feature `postgres`)"
        ))),
    }
}

/// Runs the pending migrations of the connection's backend.
pub(super) fn migrate(conn: &mut AnyConnection) -> Result<(), Error> {
    let r = match conn {
        AnyConnection::Sqlite(c) => {
            // The workflow_versions migration keys the specs it moves by
            // the same hash the engine uses.
            bora_spec_hash_utils::register_impl(c, |spec: String| super::version_id(&spec))
                .map_err(|e| Error::Database(format!("migration failed: {e}")))?;
            c.run_pending_migrations(SQLITE_MIGRATIONS).map(|_| ())
        }
        #[cfg(feature = "postgres")]
        AnyConnection::Postgresql(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|_| ()),
    };
    r.map_err(|e| Error::Database(format!("migration failed: {e}")))
}

#[diesel::declare_sql_function]
extern "SQL" {
    /// [`super::version_id`] of a spec's text, in SQL (SQLite only).
    fn bora_spec_hash(spec: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// Reverts every migration (tests of the down scripts).
#[cfg(test)]
pub(super) fn revert_all(conn: &mut AnyConnection) -> Result<(), Error> {
    let r = match conn {
        AnyConnection::Sqlite(c) => c.revert_all_migrations(SQLITE_MIGRATIONS).map(|_| ()),
        #[cfg(feature = "postgres")]
        AnyConnection::Postgresql(c) => c.revert_all_migrations(POSTGRES_MIGRATIONS).map(|_| ()),
    };
    r.map_err(|e| Error::Database(format!("migration revert failed: {e}")))
}

/// Reverts the newest migrations down to and including the one whose
/// version is `version` (digits only, `20261205000012`), for tests of a
/// data migration.
#[cfg(test)]
pub(super) fn revert_through(conn: &mut AnyConnection, version: &str) -> Result<(), Error> {
    for _ in 0..64 {
        let r = match conn {
            AnyConnection::Sqlite(c) => c
                .revert_last_migration(SQLITE_MIGRATIONS)
                .map(|v| v.to_string()),
            #[cfg(feature = "postgres")]
            AnyConnection::Postgresql(c) => c
                .revert_last_migration(POSTGRES_MIGRATIONS)
                .map(|v| v.to_string()),
        };
        let reverted = r.map_err(|e| Error::Database(format!("migration revert failed: {e}")))?;
        let digits: String = reverted.chars().filter(char::is_ascii_digit).collect();
        if digits == version {
            return Ok(());
        }
    }
    Err(Error::Database(format!("no migration {version} to revert")))
}

/// Holds the single-process lock of a database until dropped.
pub(super) enum ProcessLock {
    /// An exclusive advisory lock on `<file>.lock`.
    File(#[expect(dead_code, reason = "held for its lock, released on drop")] File),
    /// A PostgreSQL session advisory lock, held by the writer's connection.
    #[cfg(feature = "postgres")]
    Session,
}

/// Takes the lock that keeps a second bora process off the same database.
/// SQLite: an exclusive lock on `<file>.lock`, taken before any connection;
/// PostgreSQL: a session advisory lock on the writer's connection, keyed by
/// the current schema.
pub(super) fn lock(
    target: &Target,
    writer: Option<&mut AnyConnection>,
) -> Result<ProcessLock, Error> {
    match (target, writer) {
        (Target::Sqlite(path), _) => lock_file(path).map(ProcessLock::File),
        #[cfg(feature = "postgres")]
        (Target::Postgres(url), Some(writer)) => {
            use diesel::sql_types::Bool;
            let got: bool = diesel::select(diesel::dsl::sql::<Bool>(
                "pg_try_advisory_lock(hashtext('bora:' || current_schema()))",
            ))
            .get_result(writer)
            .map_err(db_err)?;
            if got {
                Ok(ProcessLock::Session)
            } else {
                Err(Error::Locked(redact(url)))
            }
        }
        (Target::Postgres(url), _) => Err(Error::BadUrl(redact(url))),
    }
}

/// The lock of one node of several (PostgreSQL): the same advisory lock as
/// [`lock`]'s, taken shared, so nodes share the database with each other
/// but not with a single-node process.
pub(super) fn lock_shared(
    target: &Target,
    writer: &mut AnyConnection,
) -> Result<ProcessLock, Error> {
    match (target, writer) {
        #[cfg(feature = "postgres")]
        (Target::Postgres(url), writer @ AnyConnection::Postgresql(_)) => {
            use diesel::sql_types::Bool;
            let got: bool = diesel::select(diesel::dsl::sql::<Bool>(
                "pg_try_advisory_lock_shared(hashtext('bora:' || current_schema()))",
            ))
            .get_result(writer)
            .map_err(db_err)?;
            if got {
                Ok(ProcessLock::Session)
            } else {
                Err(Error::Locked(redact(url)))
            }
        }
        (target, _) => Err(Error::Unsupported(format!(
            "several engine nodes need PostgreSQL, not {target:?}"
        ))),
    }
}

/// [`migrate`] for a node of several: nodes starting together on a fresh
/// schema migrate one after the other (a session advisory lock), never at
/// once (PostgreSQL would refuse the second's `CREATE TABLE`s).
pub(super) fn migrate_one_at_a_time(writer: &mut AnyConnection) -> Result<(), Error> {
    writer
        .batch_execute("SELECT pg_advisory_lock(hashtext('bora:migrate:' || current_schema()))")
        .map_err(db_err)?;
    let migrated = migrate(writer);
    let unlocked = writer
        .batch_execute("SELECT pg_advisory_unlock(hashtext('bora:migrate:' || current_schema()))")
        .map_err(db_err);
    migrated.and(unlocked)
}

/// A node's writer: a transaction left open longer than the lease (the
/// process was paused in the middle of a commit) is ended by the server,
/// so its lock on the node's row never keeps another node from taking
/// the node's executions over.
pub(super) fn end_stalled_transactions(
    writer: &mut AnyConnection,
    lease: std::time::Duration,
) -> Result<(), Error> {
    writer
        .batch_execute(&format!(
            "SET idle_in_transaction_session_timeout = {}",
            lease.as_millis().max(1)
        ))
        .map_err(db_err)
}

fn lock_file(db: &Path) -> Result<File, Error> {
    let mut name = db.as_os_str().to_owned();
    name.push(".lock");
    let path = PathBuf::from(name);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| Error::Database(format!("cannot open lock file {}: {e}", path.display())))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => Err(Error::Locked(db.display().to_string())),
        Err(TryLockError::Error(e)) => Err(Error::Database(format!(
            "cannot lock {}: {e}",
            path.display()
        ))),
    }
}

/// A URL with its password replaced, for messages.
pub(super) fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((auth, host)) = rest.split_once('@') else {
        return url.to_string();
    };
    match auth.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

/// The r2d2 manager of read connections: opens the backend the URL names,
/// with the reader's settings.
pub(super) struct ReadManager {
    pub target: Target,
}

impl ManageConnection for ReadManager {
    type Connection = AnyConnection;
    type Error = Error;

    fn connect(&self) -> Result<AnyConnection, Error> {
        connect(&self.target, Role::Reader)
    }

    fn is_valid(&self, conn: &mut AnyConnection) -> Result<(), Error> {
        conn.batch_execute("SELECT 1").map_err(db_err)
    }

    fn has_broken(&self, conn: &mut AnyConnection) -> bool {
        use diesel::connection::TransactionManager;
        <AnyConnection as Connection>::TransactionManager::is_broken_transaction_manager(conn)
    }
}

/// The pool size of read connections.
pub(super) const READ_POOL_SIZE: u32 = 4;

/// Builds the read pool.
pub(super) fn read_pool(target: &Target) -> Result<Pool<ReadManager>, Error> {
    Pool::builder()
        .max_size(READ_POOL_SIZE)
        .min_idle(Some(1))
        .connection_timeout(std::time::Duration::from_secs(5))
        .build(ReadManager {
            target: target.clone(),
        })
        .map_err(db_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(url: &str, expected: Option<Target>) {
        assert_eq!(parse_url(url).ok(), expected, "{url}");
    }

    fn sqlite(p: &str) -> Option<Target> {
        Some(Target::Sqlite(PathBuf::from(p)))
    }

    fn pg(u: &str) -> Option<Target> {
        Some(Target::Postgres(u.to_string()))
    }

    #[test]
    fn urls() {
        check("sqlite:///var/lib/bora.db", sqlite("/var/lib/bora.db"));
        check("sqlite://bora.db", sqlite("bora.db"));
        check("sqlite:bora.db", sqlite("bora.db"));
        check("sqlite:/tmp/x.db", sqlite("/tmp/x.db"));
        check("bora.db", sqlite("bora.db"));
        check("./data/bora.db", sqlite("./data/bora.db"));
        check("/abs/bora.db", sqlite("/abs/bora.db"));
        check("postgres://u:p@h/db", pg("postgres://u:p@h/db"));
        check("postgresql://h/db", pg("postgresql://h/db"));
        check("postgress://h/db", None);
        check("postgres:/h/db", None);
        check("pg://h/db", None);
        check("mysql://h/db", None);
        check("file:bora.db", None);
        check(":memory:", None);
        check("sqlite::memory:", None);
        check("sqlite://", None);
        check("", None);
        check(" bora.db", None);
    }

    #[test]
    fn redaction() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact("postgres://h/db"), "postgres://h/db");
    }
}

//! Operations on a whole database: an online backup of a SQLite database
//! (`VACUUM INTO`, safe while a server writes to it: it copies one
//! consistent snapshot and never takes the server's process lock) and the
//! schema version (the newest applied migration). `bora backup` and the
//! startup line call them.

use std::path::{Path, PathBuf};

use diesel::prelude::*;
use diesel_migrations::MigrationHarness;

use super::conn::{self, AnyConnection, Role, Target};
use super::{Error, Store, schema};

/// What a backup wrote.
#[derive(Clone, Debug)]
pub struct BackupReport {
    /// The database file copied.
    pub source: PathBuf,
    /// Executions in the copy.
    pub executions: i64,
    /// The copy's schema version.
    pub schema_version: String,
    /// Size of the copy in bytes.
    pub bytes: u64,
}

/// Copies the SQLite database at `url` into the new file `dest`, while a
/// server may be running on it. PostgreSQL databases are refused with a
/// pointer to `pg_dump`; an existing `dest` is refused, never overwritten.
pub fn backup(url: &str, dest: &Path) -> Result<BackupReport, Error> {
    let source = match conn::parse_url(url)? {
        Target::Sqlite(path) => path,
        Target::Postgres(_) => {
            return Err(Error::Unsupported(
                "bora backup copies SQLite databases only; back up PostgreSQL with pg_dump \
                 (for example: pg_dump --format=custom --file=bora.dump DBNAME)"
                    .into(),
            ));
        }
    };
    if !source.is_file() {
        return Err(Error::Database(format!(
            "database file {} does not exist",
            source.display()
        )));
    }
    if dest.exists() {
        return Err(Error::Database(format!(
            "{} already exists; a backup never overwrites a file",
            dest.display()
        )));
    }
    let dest_text = dest
        .to_str()
        .ok_or_else(|| Error::Database(format!("{} is not a UTF-8 path", dest.display())))?;
    let mut c = conn::connect(&Target::Sqlite(source.clone()), Role::Reader)?;
    // A read connection is `query_only`, which refuses VACUUM INTO even
    // though it writes only the new file; this connection changes nothing.
    let copied = diesel::sql_query("PRAGMA query_only = OFF")
        .execute(&mut c)
        .and_then(|_| {
            diesel::sql_query(format!("VACUUM INTO '{}'", dest_text.replace('\'', "''")))
                .execute(&mut c)
        });
    drop(c);
    if let Err(e) = copied {
        let _ = std::fs::remove_file(dest);
        return Err(Error::Database(format!("backup failed: {e}")));
    }
    let mut copy = conn::connect(&Target::Sqlite(dest.to_path_buf()), Role::Reader)?;
    let executions = schema::workflow_executions::table
        .count()
        .get_result::<i64>(&mut copy)
        .map_err(|e| Error::Database(format!("the backup cannot be read: {e}")))?;
    let schema_version = applied(&mut copy)?;
    drop(copy);
    let bytes = std::fs::metadata(dest).map(|m| m.len()).unwrap_or(0);
    Ok(BackupReport {
        source,
        executions,
        schema_version,
        bytes,
    })
}

/// The newest applied migration's version (`20261204000005`).
fn applied(c: &mut AnyConnection) -> Result<String, Error> {
    let versions = match c {
        AnyConnection::Sqlite(c) => c.applied_migrations(),
        #[cfg(feature = "postgres")]
        AnyConnection::Postgresql(c) => c.applied_migrations(),
    }
    .map_err(|e| Error::Database(format!("cannot read the schema version: {e}")))?;
    Ok(versions
        .iter()
        .map(ToString::to_string)
        .max()
        .unwrap_or_default())
}

impl Store {
    /// The schema version of the database (its newest applied migration).
    pub fn schema_version(&self) -> Result<String, Error> {
        applied(&mut *self.conn()?)
    }
}

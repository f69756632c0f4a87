//! Embargo's database: SQLite (default) and PostgreSQL through one code path (sea-orm on sqlx),
//! the migrations, and the queries grouped by table. Callers own transactions: every function
//! takes a connection or a transaction (`&impl ConnectionTrait`) so that a state change and its
//! audit row commit together.

pub mod access_log;
pub mod advisory;
pub mod audit;
pub mod case;
pub mod coordination;
pub mod entity;
pub mod feed;
pub mod job;
pub mod migrate;
pub mod outbox;
pub mod program;
pub mod session;
pub mod stats;
pub mod submission;
#[cfg(feature = "testing")]
pub mod testing;
pub mod throttle;
pub mod token;
pub mod user;

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{
    ConnectOptions, Database, SqliteTransactionMode, Statement, TransactionOptions,
    TransactionTrait, Value,
};
pub use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr};

/// A UTC instant with microsecond precision (the precision both backends store).
pub type Ts = DateTime<Utc>;

/// Truncates to microseconds so SQLite (text) and PostgreSQL (timestamptz) hold the same value.
pub fn micros(t: Ts) -> Ts {
    t.trunc_subsecs(6)
}

pub(crate) fn now_text() -> String {
    micros(Utc::now()).to_rfc3339()
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Db(#[from] DbErr),
    #[error("unsupported database URL `{0}`: use sqlite://PATH or postgres://USER@HOST/DB")]
    UnsupportedUrl(String),
    #[error("migration {version} failed: {message}")]
    Migration { version: i64, message: String },
    #[error("cannot prepare the SQLite file {path}: {source}")]
    File {
        path: String,
        source: std::io::Error,
    },
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
}

/// Connection settings that are not in the URL.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub max_connections: u32,
    /// SQLite `synchronous`: true = FULL (fsync on every commit), false = NORMAL (WAL: durable
    /// against process crashes, not power loss).
    pub sqlite_sync_full: bool,
    /// PostgreSQL `search_path`, used by tests to isolate each run in its own schema.
    pub pg_schema: Option<String>,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            max_connections: 8,
            sqlite_sync_full: true,
            pg_schema: None,
        }
    }
}

/// The database handle shared by the whole process (cheap to clone).
#[derive(Clone, Debug)]
pub struct Store {
    db: DatabaseConnection,
    /// Where write transactions run. On SQLite a pool of one connection: writers queue for it
    /// in tokio instead of colliding on SQLite's single write lock and sleeping in its busy
    /// handler. On PostgreSQL the same pool as reads.
    writer: DatabaseConnection,
    backend: DbBackend,
}

impl Store {
    /// Connects to `sqlite://PATH` (created 0600 if missing, WAL mode) or `postgres://…`.
    pub async fn connect(url: &str, opts: &StoreOptions) -> Result<Store, StoreError> {
        let mut co = ConnectOptions::new(url.to_owned());
        co.max_connections(opts.max_connections)
            .min_connections(1)
            .connect_timeout(Duration::from_secs(10))
            .acquire_timeout(Duration::from_secs(30))
            .sqlx_logging(false);
        let backend = if let Some(path) = url.strip_prefix("sqlite://") {
            let path = path.split('?').next().unwrap_or(path);
            if path != ":memory:" && !path.is_empty() {
                create_private_file(Path::new(path))?;
            }
            let full = opts.sqlite_sync_full;
            co.map_sqlx_sqlite_opts(move |o| {
                use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
                o.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(if full {
                        SqliteSynchronous::Full
                    } else {
                        SqliteSynchronous::Normal
                    })
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true)
                    .create_if_missing(true)
            });
            DbBackend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            if let Some(schema) = &opts.pg_schema {
                co.set_schema_search_path(schema.clone());
            }
            DbBackend::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl(redact_url(url)));
        };
        let mut w = co.clone();
        let db = Database::connect(co).await?;
        let writer = if backend == DbBackend::Sqlite {
            w.max_connections(1).min_connections(1);
            Database::connect(w).await?
        } else {
            db.clone()
        };
        Ok(Store {
            db,
            writer,
            backend,
        })
    }

    pub fn backend(&self) -> DbBackend {
        self.backend
    }

    pub fn conn(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Starts a write transaction. On SQLite it is `BEGIN IMMEDIATE`, so two writers queue on
    /// the busy timeout instead of failing when a read lock would need upgrading.
    pub async fn begin(&self) -> Result<DatabaseTransaction, StoreError> {
        let opts = TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        };
        Ok(self.writer.begin_with_options(opts).await?)
    }

    /// True when the database answers a trivial query.
    pub async fn ping(&self) -> bool {
        self.db.execute_unprepared("SELECT 1").await.is_ok()
    }

    /// Pool statistics for `/metrics`: (connections, idle).
    pub fn pool_stats(&self) -> (u32, u32) {
        match self.backend {
            DbBackend::Sqlite => {
                let pool = self.db.get_sqlite_connection_pool();
                (pool.size(), pool.num_idle() as u32)
            }
            DbBackend::Postgres => {
                let pool = self.db.get_postgres_connection_pool();
                (pool.size(), pool.num_idle() as u32)
            }
            _ => (0, 0),
        }
    }

    /// Consistent online copy of a SQLite database (`VACUUM INTO`); PostgreSQL is backed up
    /// with `pg_dump`, which the caller prints.
    pub async fn backup_sqlite(&self, dest: &Path) -> Result<(), StoreError> {
        if self.backend != DbBackend::Sqlite {
            return Err(StoreError::UnsupportedUrl(
                "backup_sqlite on PostgreSQL".into(),
            ));
        }
        let dest = dest.to_string_lossy().replace('\'', "''");
        self.db
            .execute_unprepared(&format!("VACUUM INTO '{dest}'"))
            .await?;
        Ok(())
    }

    pub async fn close(self) {
        let _ = self.writer.close().await;
        let _ = self.db.close().await;
    }
}

/// Builds a statement from SQL written with `$1, $2 …` placeholders; SQLite gets `?1, ?2 …`
/// (its numbered form), so one SQL text serves both backends.
pub fn stmt(backend: DbBackend, sql: &str, values: impl IntoIterator<Item = Value>) -> Statement {
    let sql = if backend == DbBackend::Postgres {
        sql.to_owned()
    } else {
        let mut out = String::with_capacity(sql.len());
        let mut chars = sql.chars().peekable();
        while let Some(c) = chars.next() {
            let numbered = c == '$' && chars.peek().is_some_and(|n| n.is_ascii_digit());
            out.push(if numbered { '?' } else { c });
        }
        out
    };
    Statement::from_sql_and_values(backend, sql, values)
}

/// Creates the SQLite file with mode 0600 before SQLite does, so the file and its `-wal` and
/// `-shm` companions (which SQLite creates with the database file's mode) are private.
fn create_private_file(path: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::OpenOptionsExt;
    if path.exists() {
        return Ok(());
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::File {
            path: dir.display().to_string(),
            source,
        })?;
    }
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map(|_| ())
        .map_err(|source| StoreError::File {
            path: path.display().to_string(),
            source,
        })
}

/// A database URL safe to print: the password, if any, replaced.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..s + 3], user, &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// SHA-256 hex of a secret: how tokens, session ids and one-time links are stored.
pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_redacted() {
        assert_eq!(
            redact_url("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact_url("sqlite://x.db"), "sqlite://x.db");
    }

    #[test]
    fn placeholders_follow_the_backend() {
        let s = stmt(
            DbBackend::Sqlite,
            "SELECT $1, $2",
            [1i64.into(), 2i64.into()],
        );
        assert_eq!(s.sql, "SELECT ?1, ?2");
        let p = stmt(DbBackend::Postgres, "SELECT $1", [1i64.into()]);
        assert_eq!(p.sql, "SELECT $1");
    }
}

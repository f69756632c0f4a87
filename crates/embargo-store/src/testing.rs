//! Test support: a fresh, migrated database on each backend under test.
//!
//! SQLite always; PostgreSQL when `EMBARGO_TEST_POSTGRES_URL` is set, each test in its own
//! schema. When `CI` is set, PostgreSQL is required: a missing URL or an unreachable server
//! fails the test instead of silently skipping half the suite.

use crate::{Store, StoreOptions, migrate};

/// A database for one test; drop the schema / temp dir with [`TestDb::cleanup`].
pub struct TestDb {
    pub name: &'static str,
    pub store: Store,
    pub url: String,
    pub opts: StoreOptions,
    _dir: Option<tempfile::TempDir>,
    pg_admin: Option<(Store, String)>,
}

impl TestDb {
    /// Opens another connection pool on the same database (a second "instance").
    pub async fn reopen(&self) -> Store {
        match Store::connect(&self.url, &self.opts).await {
            Ok(s) => s,
            Err(e) => panic!("reopen {}: {e}", self.name),
        }
    }

    pub async fn cleanup(self) {
        self.store.close().await;
        if let Some((admin, schema)) = self.pg_admin {
            use sea_orm::ConnectionTrait;
            let _ = admin
                .conn()
                .execute_unprepared(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                .await;
            admin.close().await;
        }
    }
}

/// The PostgreSQL URL for tests, or None when PostgreSQL is not under test. Panics in CI when
/// it is missing.
pub fn postgres_url() -> Option<String> {
    match std::env::var("EMBARGO_TEST_POSTGRES_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ if std::env::var_os("CI").is_some() => {
            panic!(
                "CI is set but EMBARGO_TEST_POSTGRES_URL is not: PostgreSQL tests must run in CI"
            )
        }
        _ => None,
    }
}

pub async fn sqlite() -> TestDb {
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("tempdir: {e}"),
    };
    let url = format!("sqlite://{}", dir.path().join("embargo.db").display());
    let opts = StoreOptions {
        max_connections: 4,
        sqlite_sync_full: false,
        pg_schema: None,
    };
    let store = match Store::connect(&url, &opts).await {
        Ok(s) => s,
        Err(e) => panic!("sqlite connect: {e}"),
    };
    if let Err(e) = migrate::run(&store).await {
        panic!("sqlite migrate: {e}");
    }
    TestDb {
        name: "sqlite",
        store,
        url,
        opts,
        _dir: Some(dir),
        pg_admin: None,
    }
}

pub async fn postgres(url: &str) -> TestDb {
    let admin = match Store::connect(
        url,
        &StoreOptions {
            max_connections: 1,
            ..Default::default()
        },
    )
    .await
    {
        Ok(s) => s,
        Err(e) => panic!(
            "PostgreSQL at {} is unreachable: {e}",
            crate::redact_url(url)
        ),
    };
    let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
    {
        use sea_orm::ConnectionTrait;
        if let Err(e) = admin
            .conn()
            .execute_unprepared(&format!("CREATE SCHEMA {schema}"))
            .await
        {
            panic!("create schema: {e}");
        }
    }
    let opts = StoreOptions {
        max_connections: 4,
        sqlite_sync_full: false,
        pg_schema: Some(schema.clone()),
    };
    let store = match Store::connect(url, &opts).await {
        Ok(s) => s,
        Err(e) => panic!("postgres connect: {e}"),
    };
    if let Err(e) = migrate::run(&store).await {
        panic!("postgres migrate: {e}");
    }
    TestDb {
        name: "postgres",
        store,
        url: url.to_owned(),
        opts,
        _dir: None,
        pg_admin: Some((admin, schema)),
    }
}

/// Every backend under test, freshly migrated.
pub async fn all() -> Vec<TestDb> {
    let mut v = vec![sqlite().await];
    if let Some(url) = postgres_url() {
        v.push(postgres(&url).await);
    }
    v
}

//! Configuration: `embargo.toml`, then `EMBARGO_*` environment variables, then command-line
//! flags. Unknown keys and bad values stop start-up with the key named and what is allowed.
//! Zero configuration works: every key has a default.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address the HTTP(S) server listens on.
    pub listen: SocketAddr,
    /// Directory for the SQLite database and secret keys (created 0700; files 0600).
    pub data_dir: PathBuf,
    /// `sqlite://PATH` or `postgres://USER@HOST/DB`. Empty: SQLite in `data_dir`.
    pub database_url: String,
    /// Base URL people reach this instance at, used in links and for the Origin check.
    /// Empty: derived from `listen` (and TLS).
    pub public_url: String,
    /// `text` or `json`.
    pub log_format: LogFormat,
    /// A tracing filter, e.g. `info` or `embargo_app=debug,info`.
    pub log_level: String,
    /// File with the instance master key (hex). Empty: `data_dir/master.key`, created on
    /// first start. Instances sharing one PostgreSQL must share this key.
    pub master_key_file: String,
    pub tls: TlsConfig,
    pub security: SecurityConfig,
    pub access_log: AccessLogConfig,
    pub database: DatabaseConfig,
    pub jobs: JobsConfig,
    pub mail: MailConfig,
    pub feed: FeedConfig,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TlsConfig {
    /// PEM certificate chain. TLS is on when both files are set.
    pub cert_file: String,
    /// PEM private key.
    pub key_file: String,
    /// Lowest TLS version accepted: `1.3` (default) or `1.2`.
    pub min_version: TlsVersion,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum TlsVersion {
    #[serde(rename = "1.2")]
    Tls12,
    #[default]
    #[serde(rename = "1.3")]
    Tls13,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SecurityConfig {
    /// Admins must enrol two-factor authentication before doing anything else.
    pub require_admin_totp: bool,
    /// A session ends after this many minutes without a request.
    pub session_idle_minutes: u32,
    /// A session ends this many hours after login, whatever the activity.
    pub session_absolute_hours: u32,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Largest report submission (form or API, attachments included), in bytes.
    pub max_report_bytes: usize,
    /// Requests taking longer are answered 408.
    pub request_timeout_secs: u64,
    /// Unauthenticated POSTs (login, setup, reports) allowed per client IP per minute.
    pub unauthenticated_posts_per_minute: u32,
    /// Failed logins allowed before back-off starts (per account and per IP).
    pub login_free_failures: u32,
    /// Longest back-off after repeated failures, in seconds.
    pub login_max_backoff_secs: u32,
    /// Reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

impl Default for SecurityConfig {
    fn default() -> Self {
        SecurityConfig {
            require_admin_totp: false,
            session_idle_minutes: 60,
            session_absolute_hours: 12,
            max_body_bytes: 1024 * 1024,
            max_report_bytes: 40 * 1024 * 1024,
            request_timeout_secs: 30,
            unauthenticated_posts_per_minute: 30,
            login_free_failures: 3,
            login_max_backoff_secs: 900,
            trusted_proxies: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AccessLogConfig {
    /// Days after which stored client IPs are replaced by sha256(salt || ip).
    pub retention_days: u32,
    /// Days after which access-log entries are deleted.
    pub delete_after_days: u32,
}

impl Default for AccessLogConfig {
    fn default() -> Self {
        AccessLogConfig {
            retention_days: 7,
            delete_after_days: 90,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// Connection pool size.
    pub max_connections: u32,
    /// SQLite durability: `full` (fsync every commit) or `normal` (WAL; survives process
    /// crashes, not power loss).
    pub sqlite_synchronous: SqliteSync,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SqliteSync {
    Full,
    Normal,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig {
            max_connections: 8,
            sqlite_synchronous: SqliteSync::Full,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct JobsConfig {
    /// Run background jobs in this instance.
    pub enabled: bool,
    /// How often the runner looks for due jobs, in milliseconds.
    pub poll_interval_ms: u64,
    /// How long a claimed job stays owned, in seconds; a job whose instance died is taken over after it.
    pub lease_secs: u32,
}

impl Default for JobsConfig {
    fn default() -> Self {
        JobsConfig {
            enabled: true,
            poll_interval_ms: 1000,
            lease_secs: 60,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FeedConfig {
    /// Local files, directories or zip archives (e.g. a mirrored osv.dev `all.zip`) that the
    /// `feed.refresh` job ingests; empty: the job does nothing.
    pub sources: Vec<String>,
    /// How often the refresh job runs, in seconds.
    pub refresh_secs: u32,
}

impl Default for FeedConfig {
    fn default() -> Self {
        FeedConfig {
            sources: Vec::new(),
            refresh_secs: 3600,
        }
    }
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailConfig {
    /// Outbound SMTP server, e.g. `smtp://mail.example.org:587?tls=required` or
    /// `smtps://user:pass@mail.example.org`. Empty: mail waits in the outbox.
    pub smtp_url: String,
    /// Sender address of all mail; replies come back to `local+token@domain` of it.
    pub from: String,
    /// Display name of the sender.
    pub from_name: String,
    /// Built-in SMTP receiver address, e.g. `0.0.0.0:25`. Empty: off.
    pub receiver_listen: String,
    /// Name the receiver greets with. Empty: the host of `public_url`.
    pub receiver_hostname: String,
    /// Largest message accepted, in bytes.
    pub max_message_bytes: usize,
    /// Simultaneous SMTP connections.
    pub max_connections: usize,
    /// New SMTP connections per client IP per minute.
    pub connections_per_ip_per_minute: u32,
    /// New reports per reporter e-mail address per hour (web, API and mail).
    pub reports_per_sender_per_hour: u32,
    /// Program for mail whose recipient is no program's e-mail channel. Empty: the default program.
    pub default_program: String,
    /// Hours before an SLA deadline at which the team is reminded.
    pub clock_reminder_hours: u32,
}

impl std::fmt::Debug for MailConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The SMTP URL may carry a password.
        let smtp = match url::Url::parse(&self.smtp_url) {
            Ok(mut u) if u.password().is_some() => {
                let _ = u.set_password(Some("REDACTED"));
                u.to_string()
            }
            _ => self.smtp_url.clone(),
        };
        f.debug_struct("MailConfig")
            .field("smtp_url", &smtp)
            .field("from", &self.from)
            .field("receiver_listen", &self.receiver_listen)
            .finish_non_exhaustive()
    }
}

impl Default for MailConfig {
    fn default() -> Self {
        MailConfig {
            smtp_url: String::new(),
            from: "security@localhost".into(),
            from_name: "Embargo".into(),
            receiver_listen: String::new(),
            receiver_hostname: String::new(),
            max_message_bytes: 30 * 1024 * 1024,
            max_connections: 50,
            connections_per_ip_per_minute: 30,
            reports_per_sender_per_hour: 10,
            default_program: String::new(),
            clock_reminder_hours: 24,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("./embargo-data"),
            database_url: String::new(),
            public_url: String::new(),
            log_format: LogFormat::Text,
            log_level: "info".into(),
            master_key_file: String::new(),
            tls: TlsConfig::default(),
            security: SecurityConfig::default(),
            access_log: AccessLogConfig::default(),
            database: DatabaseConfig::default(),
            jobs: JobsConfig::default(),
            mail: MailConfig::default(),
            feed: FeedConfig::default(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{origin}: {message}")]
    Invalid { origin: String, message: String },
}

/// Values given on the command line; `None` leaves the lower layers alone.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub log_format: Option<String>,
}

/// Environment variables that belong to tooling, not to the configuration.
const NOT_CONFIG: &[&str] = &["EMBARGO_CONFIG", "EMBARGO_LOG", "EMBARGO_BIN"];

impl Config {
    /// Loads the layers. `file`: an explicit path must exist; the default `embargo.toml` in
    /// the working directory is used when present.
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
        flags: &Overrides,
    ) -> Result<Config, ConfigError> {
        let mut table = toml::Table::new();
        let default_file = Path::new("embargo.toml");
        let path = match file {
            Some(p) => Some(p),
            None if default_file.exists() => Some(default_file),
            None => None,
        };
        if let Some(path) = path {
            let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                path: path.display().to_string(),
                source,
            })?;
            // Parse the file alone first: its errors carry line and column.
            toml::from_str::<Config>(&text).map_err(|e| ConfigError::Invalid {
                origin: path.display().to_string(),
                message: describe_toml_error(&e, &text),
            })?;
            table = toml::from_str(&text).map_err(|e| ConfigError::Invalid {
                origin: path.display().to_string(),
                message: e.message().to_owned(),
            })?;
        }
        for (name, value) in env {
            let Some(rest) = name.strip_prefix("EMBARGO_") else {
                continue;
            };
            if NOT_CONFIG.contains(&name.as_str()) || rest.starts_with("TEST_") {
                continue;
            }
            let path: Vec<String> = rest
                .to_ascii_lowercase()
                .split("__")
                .map(str::to_owned)
                .collect();
            let origin = format!("environment variable {name}");
            set_path(&mut table, &path, env_value(&value));
            // Check each variable on its own so the error names it.
            let mut probe = toml::Table::new();
            set_path(&mut probe, &path, env_value(&value));
            Config::deserialize(probe).map_err(|e| ConfigError::Invalid {
                origin: origin.clone(),
                message: format!("{} (key `{}`)", e.message(), path.join(".")),
            })?;
        }
        let flag_values = [
            ("listen", flags.listen.clone()),
            (
                "data_dir",
                flags.data_dir.as_ref().map(|p| p.display().to_string()),
            ),
            ("database_url", flags.database_url.clone()),
            ("log_format", flags.log_format.clone()),
        ];
        for (key, value) in flag_values {
            if let Some(v) = value {
                let mut probe = toml::Table::new();
                probe.insert(key.into(), toml::Value::String(v.clone()));
                Config::deserialize(probe).map_err(|e| ConfigError::Invalid {
                    origin: format!("--{}", key.replace('_', "-")),
                    message: e.message().to_owned(),
                })?;
                table.insert(key.into(), toml::Value::String(v));
            }
        }
        let config = Config::deserialize(table).map_err(|e| ConfigError::Invalid {
            origin: "configuration".into(),
            message: e.message().to_owned(),
        })?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let bad = |key: &str, message: String| {
            Err(ConfigError::Invalid {
                origin: format!("key `{key}`"),
                message,
            })
        };
        if !self.database_url.is_empty()
            && !["sqlite://", "postgres://", "postgresql://"]
                .iter()
                .any(|p| self.database_url.starts_with(p))
        {
            return bad(
                "database_url",
                "must start with sqlite:// or postgres://".into(),
            );
        }
        if !self.public_url.is_empty() {
            match url::Url::parse(&self.public_url) {
                Ok(u) if matches!(u.scheme(), "http" | "https") => {}
                _ => return bad("public_url", "must be an http:// or https:// URL".into()),
            }
        }
        if self.tls.cert_file.is_empty() != self.tls.key_file.is_empty() {
            return bad(
                "tls",
                "set both tls.cert_file and tls.key_file, or neither".into(),
            );
        }
        if self.security.session_idle_minutes == 0 || self.security.session_absolute_hours == 0 {
            return bad(
                "security.session_*",
                "session lifetimes must be at least 1".into(),
            );
        }
        if self.security.max_body_bytes < 1024 {
            return bad("security.max_body_bytes", "must be at least 1024".into());
        }
        if self.access_log.retention_days == 0 {
            return bad("access_log.retention_days", "must be at least 1 day".into());
        }
        if self.access_log.delete_after_days < self.access_log.retention_days {
            return bad(
                "access_log.delete_after_days",
                "must be at least access_log.retention_days".into(),
            );
        }
        if self.database.max_connections == 0 {
            return bad("database.max_connections", "must be at least 1".into());
        }
        if self.jobs.lease_secs < 5 {
            return bad("jobs.lease_secs", "must be at least 5 seconds".into());
        }
        if self.feed.refresh_secs < 60 {
            return bad("feed.refresh_secs", "must be at least 60 seconds".into());
        }
        if !self.mail.smtp_url.is_empty() {
            match url::Url::parse(&self.mail.smtp_url) {
                Ok(u) if matches!(u.scheme(), "smtp" | "smtps") && u.host().is_some() => {}
                _ => {
                    return bad(
                        "mail.smtp_url",
                        "must be smtp://HOST[:PORT][?tls=required] or smtps://HOST[:PORT]".into(),
                    );
                }
            }
        }
        if embargo_domain::account::Email::parse(&self.mail.from).is_err() {
            return bad(
                "mail.from",
                "must be an e-mail address such as security@example.org".into(),
            );
        }
        if !self.mail.receiver_listen.is_empty()
            && self.mail.receiver_listen.parse::<SocketAddr>().is_err()
        {
            return bad(
                "mail.receiver_listen",
                "must be an address and port such as 0.0.0.0:25".into(),
            );
        }
        if self.mail.max_message_bytes < 1024 || self.mail.max_connections == 0 {
            return bad(
                "mail.max_message_bytes / mail.max_connections",
                "must be at least 1024 bytes and 1 connection".into(),
            );
        }
        if tracing_filter_is_invalid(&self.log_level) {
            return bad(
                "log_level",
                "must be a tracing filter such as `info` or `embargo_app=debug,info`".into(),
            );
        }
        Ok(())
    }

    pub fn tls_enabled(&self) -> bool {
        !self.tls.cert_file.is_empty()
    }

    /// The database URL actually used: the configured one or SQLite in the data directory.
    pub fn effective_database_url(&self) -> String {
        if self.database_url.is_empty() {
            format!("sqlite://{}", self.data_dir.join("embargo.db").display())
        } else {
            self.database_url.clone()
        }
    }

    /// Base URL for links (no trailing slash).
    pub fn effective_public_url(&self, bound: SocketAddr) -> String {
        if !self.public_url.is_empty() {
            return self.public_url.trim_end_matches('/').to_owned();
        }
        let scheme = if self.tls_enabled() { "https" } else { "http" };
        format!("{scheme}://{bound}")
    }
}

fn tracing_filter_is_invalid(s: &str) -> bool {
    s.trim().is_empty() || s.chars().any(|c| c.is_whitespace() && c != ' ')
}

/// Environment values are TOML scalars when they parse as one (`true`, `42`, `["a"]`),
/// strings otherwise.
fn env_value(raw: &str) -> toml::Value {
    match toml::from_str::<toml::Table>(&format!("v = {raw}")) {
        Ok(mut t) => t
            .remove("v")
            .unwrap_or_else(|| toml::Value::String(raw.to_owned())),
        Err(_) => toml::Value::String(raw.to_owned()),
    }
}

fn set_path(table: &mut toml::Table, path: &[String], value: toml::Value) {
    match path {
        [] => {}
        [last] => {
            table.insert(last.clone(), value);
        }
        [first, rest @ ..] => {
            let entry = table
                .entry(first.clone())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            if !entry.is_table() {
                *entry = toml::Value::Table(toml::Table::new());
            }
            if let toml::Value::Table(t) = entry {
                set_path(t, rest, value);
            }
        }
    }
}

fn describe_toml_error(e: &toml::de::Error, text: &str) -> String {
    match e.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let col = before
                .rsplit('\n')
                .next()
                .map(|l| l.chars().count())
                .unwrap_or(0)
                + 1;
            format!("line {line}, column {col}: {}", e.message())
        }
        None => e.message().to_owned(),
    }
}

/// The annotated defaults printed by `embargo config example` (and checked against
/// docs/CONFIG.md by a test).
pub fn example() -> &'static str {
    include_str!("config_example.toml")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn zero_config_has_safe_defaults() {
        let c = Config::load(
            Some(Path::new("/nonexistent-ok")),
            [],
            &Overrides::default(),
        );
        assert!(c.is_err(), "an explicit missing file is an error");
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("e.toml");
        std::fs::write(&p, "").unwrap();
        let c = Config::load(Some(&p), [], &Overrides::default()).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert!(c.effective_database_url().starts_with("sqlite://"));
        assert!(!c.tls_enabled());
    }

    #[test]
    fn layers_override_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("e.toml");
        std::fs::write(&p, "listen = \"127.0.0.1:9000\"\nlog_format = \"json\"\n[security]\nrequire_admin_totp = false\n").unwrap();
        let c = Config::load(
            Some(&p),
            env(&[
                ("EMBARGO_LISTEN", "127.0.0.1:9001"),
                ("EMBARGO_SECURITY__REQUIRE_ADMIN_TOTP", "true"),
                ("EMBARGO_TEST_POSTGRES_URL", "x"),
            ]),
            &Overrides {
                listen: Some("127.0.0.1:9002".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:9002");
        assert!(c.security.require_admin_totp);
        assert_eq!(c.log_format, LogFormat::Json);
    }

    #[test]
    fn errors_name_the_key_and_what_is_allowed() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("e.toml");
        std::fs::write(&p, "lisen = \"x\"\n").unwrap();
        let e = Config::load(Some(&p), [], &Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("lisen") && e.contains("listen") && e.contains("line 1"),
            "{e}"
        );

        std::fs::write(&p, "log_format = \"xml\"\n").unwrap();
        let e = Config::load(Some(&p), [], &Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("xml") && e.contains("text") && e.contains("json"),
            "{e}"
        );

        let e = Config::load(None, env(&[("EMBARGO_LISTN", "1")]), &Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("EMBARGO_LISTN") && e.contains("listen"), "{e}");

        let e = Config::load(
            None,
            env(&[("EMBARGO_LISTEN", "localhost")]),
            &Overrides::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("EMBARGO_LISTEN"), "{e}");

        let e = Config::load(
            None,
            [],
            &Overrides {
                database_url: Some("mysql://x".into()),
                ..Default::default()
            },
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("database_url") && e.contains("sqlite://"), "{e}");
    }

    #[test]
    fn the_example_is_the_defaults_and_parses() {
        let parsed: Config = toml::from_str(example()).unwrap();
        let defaults = Config::default();
        assert_eq!(
            toml::to_string(&parsed).unwrap(),
            toml::to_string(&defaults).unwrap()
        );
    }
}

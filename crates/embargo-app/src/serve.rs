//! Start-up and the listener: prepares the data directory, keys and database, prints the
//! first-admin link, serves HTTP or HTTPS (rustls, TLS 1.3 only by default) and shuts down
//! gracefully: stop accepting, let in-flight requests finish, stop the job runner, flush the
//! access log.

use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::extract::ConnectInfo;
use embargo_store::{Store, StoreOptions, migrate};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tower::ServiceExt;

use crate::clock::Clock;
use crate::config::{Config, SqliteSync, TlsVersion};
use crate::keys::Keys;
use crate::state::AppState;

/// Creates `dir` with mode 0700 (or tightens an existing one).
pub fn private_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("creating data directory {}", dir.display()))?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
        .with_context(|| format!("setting permissions on {}", dir.display()))?;
    Ok(())
}

pub fn store_options(config: &Config) -> StoreOptions {
    StoreOptions {
        max_connections: config.database.max_connections,
        sqlite_sync_full: config.database.sqlite_synchronous == SqliteSync::Full,
        pg_schema: None,
    }
}

/// Where the master key is read from.
pub fn master_key_path(config: &Config) -> std::path::PathBuf {
    if config.master_key_file.is_empty() {
        config.data_dir.join("master.key")
    } else {
        config.master_key_file.clone().into()
    }
}

/// Data directory, keys and a migrated database: what every data-touching command needs.
pub async fn open(config: &Config) -> anyhow::Result<(Store, Keys)> {
    private_dir(&config.data_dir)?;
    let keys = Keys::load_or_create(&master_key_path(config))?;
    let url = config.effective_database_url();
    let store = Store::connect(&url, &store_options(config))
        .await
        .with_context(|| format!("connecting to {}", embargo_store::redact_url(&url)))?;
    migrate::run(&store).await.context("applying migrations")?;
    Ok((store, keys))
}

/// Server state for a command-line tool (no listener, no job runner): `embargo ingest-mail`
/// files mail exactly as the server would.
pub fn offline_state(config: Config, store: Store, keys: Keys) -> AppState {
    let public_url = config.effective_public_url(config.listen);
    let (log_tx, _) = mpsc::channel(1);
    AppState::new(
        config,
        store,
        keys,
        Arc::new(crate::clock::SystemClock),
        public_url,
        log_tx,
    )
}

/// The SMTP receiver's TLS: the same certificate, no ALPN (an HTTP client must not complete a
/// handshake into SMTP), and TLS 1.2 accepted too, as many sending servers still use it.
fn smtp_tls_config(config: &Config) -> anyhow::Result<Arc<rustls::ServerConfig>> {
    let mut c12 = config.clone();
    c12.tls.min_version = TlsVersion::Tls12;
    let mut cfg = (*tls_config(&c12)?).clone();
    cfg.alpn_protocols.clear();
    Ok(Arc::new(cfg))
}

fn tls_config(config: &Config) -> anyhow::Result<Arc<rustls::ServerConfig>> {
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> = rustls_pemfile::certs(&mut std::io::BufReader::new(
        std::fs::File::open(&config.tls.cert_file)
            .with_context(|| format!("tls.cert_file {}", config.tls.cert_file))?,
    ))
    .collect::<Result<_, _>>()
    .with_context(|| {
        format!(
            "tls.cert_file {} is not a PEM certificate chain",
            config.tls.cert_file
        )
    })?;
    let key: PrivateKeyDer<'static> = rustls_pemfile::private_key(&mut std::io::BufReader::new(
        std::fs::File::open(&config.tls.key_file)
            .with_context(|| format!("tls.key_file {}", config.tls.key_file))?,
    ))?
    .with_context(|| format!("tls.key_file {} holds no private key", config.tls.key_file))?;
    let versions: &[&rustls::SupportedProtocolVersion] = match config.tls.min_version {
        TlsVersion::Tls13 => &[&rustls::version::TLS13],
        TlsVersion::Tls12 => &[&rustls::version::TLS13, &rustls::version::TLS12],
    };
    let mut cfg = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_protocol_versions(versions)?
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .context("the TLS certificate and key do not match")?;
    cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(cfg))
}

/// A running server.
pub struct Running {
    pub addr: SocketAddr,
    pub public_url: String,
    /// Set when the instance has no admin yet.
    pub setup_link: Option<String>,
    pub state: AppState,
    shutdown: watch::Sender<bool>,
    server: tokio::task::JoinHandle<()>,
    runner: Option<tokio::task::JoinHandle<()>>,
    writer: tokio::task::JoinHandle<()>,
    /// Where the SMTP receiver listens, when it runs.
    pub smtp_addr: Option<SocketAddr>,
    smtp: Option<tokio::task::JoinHandle<()>>,
}

impl Running {
    /// Graceful stop: in-flight requests finish (up to 30 s), then jobs and the log flush.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        let _ = self.server.await;
        if let Some(s) = self.smtp {
            let _ = s.await;
        }
        if let Some(r) = self.runner {
            let _ = r.await;
        }
        drop(self.state);
        let _ = tokio::time::timeout(Duration::from_secs(5), self.writer).await;
    }

    /// Waits for Ctrl-C or SIGTERM, then shuts down gracefully.
    pub async fn until_signal(self) {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        let term = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term => {}
        }
        tracing::info!("shutting down: finishing in-flight requests");
        self.shutdown().await;
    }
}

/// Starts everything and returns once the listener is bound and the server is ready.
pub async fn start(config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<Running> {
    let (store, keys) = open(&config).await?;
    start_with(config, store, keys, clock).await
}

pub async fn start_with(
    config: Config,
    store: Store,
    keys: Keys,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<Running> {
    let tls = if config.tls_enabled() {
        Some(tokio_rustls::TlsAcceptor::from(tls_config(&config)?))
    } else {
        None
    };
    let listener = TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("listening on {}", config.listen))?;
    let addr = listener.local_addr()?;
    let public_url = config.effective_public_url(addr);
    let (log_tx, log_rx) = mpsc::channel(10_000);
    let writer = tokio::spawn(crate::jobs::access_log_writer(store.clone(), log_rx));
    let jobs_enabled = config.jobs.enabled;
    let state = AppState::new(config, store, keys, clock, public_url.clone(), log_tx);
    crate::ops::metrics_handle();

    let setup_link = crate::auth::service::first_admin_link(&state.store, state.now())
        .await
        .map_err(|e| anyhow::anyhow!("creating the setup link: {e}"))?
        .map(|t| format!("{public_url}/setup/{t}"));

    let (shutdown, rx) = watch::channel(false);
    let runner = if jobs_enabled {
        crate::jobs::ensure_periodic(&state).await?;
        Some(tokio::spawn(crate::jobs::runner(state.clone(), rx.clone())))
    } else {
        None
    };
    let (smtp_addr, smtp) = start_receiver(&state, rx.clone()).await?;
    let router = crate::router(state.clone());
    let server = tokio::spawn(accept_loop(listener, router, tls, rx));
    Ok(Running {
        addr,
        public_url,
        setup_link,
        state,
        shutdown,
        server,
        runner,
        writer,
        smtp_addr,
        smtp,
    })
}

/// The built-in SMTP receiver, when `mail.receiver_listen` is set.
async fn start_receiver(
    state: &AppState,
    shutdown: watch::Receiver<bool>,
) -> anyhow::Result<(Option<SocketAddr>, Option<tokio::task::JoinHandle<()>>)> {
    let cfg = &state.config;
    if cfg.mail.receiver_listen.is_empty() {
        return Ok((None, None));
    }
    let listener = TcpListener::bind(&cfg.mail.receiver_listen)
        .await
        .with_context(|| format!("mail.receiver_listen {}", cfg.mail.receiver_listen))?;
    let addr = listener.local_addr()?;
    let tls = if cfg.tls_enabled() {
        Some(smtp_tls_config(cfg)?)
    } else {
        None
    };
    let hostname = if cfg.mail.receiver_hostname.is_empty() {
        url::Url::parse(&state.public_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_else(|| "localhost".into())
    } else {
        cfg.mail.receiver_hostname.clone()
    };
    let limits = crate::mail::receiver::Limits {
        max_message_bytes: cfg.mail.max_message_bytes,
        max_connections: cfg.mail.max_connections,
        max_per_ip_per_minute: cfg.mail.connections_per_ip_per_minute,
        ..Default::default()
    };
    let sink = Arc::new(crate::mail::IntakeSink::for_state(state.clone()).await?);
    let handle = tokio::spawn(crate::mail::receiver::serve(
        listener, hostname, tls, limits, sink, shutdown,
    ));
    Ok((Some(addr), Some(handle)))
}

async fn accept_loop(
    listener: TcpListener,
    router: axum::Router,
    tls: Option<tokio_rustls::TlsAcceptor>,
    mut shutdown: watch::Receiver<bool>,
) {
    let graceful = GracefulShutdown::new();
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = shutdown.changed() => break,
        };
        let _ = stream.set_nodelay(true);
        let svc = router.clone().map_request(
            move |mut req: axum::extract::Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(ConnectInfo(peer));
                req
            },
        );
        let svc = TowerToHyperService::new(svc);
        let watcher = graceful.watcher();
        let tls = tls.clone();
        tokio::spawn(async move {
            let builder = auto::Builder::new(TokioExecutor::new());
            let result = match tls {
                Some(acceptor) => {
                    match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream))
                        .await
                    {
                        Ok(Ok(s)) => {
                            watcher
                                .watch(
                                    builder
                                        .serve_connection_with_upgrades(TokioIo::new(s), svc)
                                        .into_owned(),
                                )
                                .await
                        }
                        _ => return,
                    }
                }
                None => {
                    watcher
                        .watch(
                            builder
                                .serve_connection_with_upgrades(TokioIo::new(stream), svc)
                                .into_owned(),
                        )
                        .await
                }
            };
            if let Err(e) = result {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(Duration::from_secs(30), graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("some connections did not finish within 30 s");
    }
}

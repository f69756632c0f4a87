//! Operations endpoints: `/healthz` (process up), `/readyz` (database reachable, schema
//! current), `/metrics` (Prometheus text).

use std::sync::OnceLock;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::state::AppState;

static PROMETHEUS: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the process-wide metrics recorder once (tests start several servers in one
/// process).
pub fn metrics_handle() -> Option<&'static PrometheusHandle> {
    PROMETHEUS
        .get_or_init(|| {
            let buckets = [
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                10.0,
            ];
            PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full("http_request_duration_seconds".into()),
                    &buckets,
                )
                .ok()?
                .install_recorder()
                .ok()
        })
        .as_ref()
}

pub async fn get_healthz() -> &'static str {
    "ok\n"
}

pub async fn get_readyz(State(state): State<AppState>) -> Response {
    if !state.store.ping().await {
        return (StatusCode::SERVICE_UNAVAILABLE, "database unreachable\n").into_response();
    }
    match embargo_store::migrate::current_version(&state.store).await {
        Ok(v) if v == embargo_store::migrate::latest_version() => "ready\n".into_response(),
        Ok(v) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "schema at version {v}, expected {}\n",
                embargo_store::migrate::latest_version()
            ),
        )
            .into_response(),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "schema unknown\n").into_response(),
    }
}

/// Only loopback clients (the host's own Prometheus agent, or a local proxy that does not
/// forward client addresses) may read metrics; anyone else gets 404.
pub async fn get_metrics(
    State(state): State<AppState>,
    axum::Extension(ctx): axum::Extension<crate::http::RequestCtx>,
) -> Response {
    if !ctx.client_ip.is_loopback() {
        return crate::error::AppError::NotFound.into_response();
    }
    let (size, idle) = state.store.pool_stats();
    metrics::gauge!("db_pool_connections").set(f64::from(size));
    metrics::gauge!("db_pool_idle_connections").set(f64::from(idle));
    let body = metrics_handle().map(|h| h.render()).unwrap_or_default();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response()
}

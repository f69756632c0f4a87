//! The HTTP envelope around every route: request id and client IP, tracing span, access log
//! and metrics, security headers, and rendering of error responses (JSON under `/api/`, an
//! HTML page elsewhere; 5xx bodies generic with the request id).

use std::net::{IpAddr, SocketAddr};
use std::time::Instant;

use axum::body::Body;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tracing::Instrument;

use crate::error::{AppError, ErrorInfo, code_for_status};
use crate::state::AppState;

/// Per-request facts set by [`envelope`] and read by handlers and extractors.
#[derive(Debug, Clone)]
pub struct RequestCtx {
    pub request_id: String,
    pub client_ip: IpAddr,
}

/// The route template (`/api/v1/users/{id}`), copied to the response so the access log never
/// stores concrete paths (which may hold secrets such as tracking tokens).
#[derive(Debug, Clone)]
struct RouteTemplate(String);

/// Route layer: runs after routing, where `MatchedPath` is known.
pub async fn capture_route(req: Request, next: Next) -> Response {
    let template = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned());
    let mut res = next.run(req).await;
    if let Some(t) = template {
        res.extensions_mut().insert(RouteTemplate(t));
    }
    res
}

pub fn client_ip(state: &AppState, peer: Option<SocketAddr>, headers: &HeaderMap) -> IpAddr {
    // `::ffff:a.b.c.d` (a dual-stack listener) is the IPv4 client a.b.c.d.
    let peer_ip = peer
        .map(|p| p.ip().to_canonical())
        .unwrap_or(IpAddr::from([127, 0, 0, 1]));
    if state.config.security.trusted_proxies.contains(&peer_ip)
        && let Some(forwarded) = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok())
        // The last address is the one our trusted proxy saw; earlier ones are client-supplied.
        && let Some(ip) = forwarded.rsplit(',').next().and_then(|s| s.trim().parse::<IpAddr>().ok())
    {
        return ip.to_canonical();
    }
    peer_ip
}

pub async fn envelope(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let request_id = uuid::Uuid::new_v4().simple().to_string()[..16].to_owned();
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let ip = client_ip(&state, peer, req.headers());
    let method = req.method().clone();
    let is_api = req.uri().path().starts_with("/api/");
    req.extensions_mut().insert(RequestCtx {
        request_id: request_id.clone(),
        client_ip: ip,
    });

    // The span carries the request id into every log line of the request; never the path's
    // query string or any header (which may hold secrets).
    let span = tracing::info_span!("request", id = %request_id, method = %method);
    let mut res = next.run(req).instrument(span.clone()).await;

    let route = res
        .extensions()
        .get::<RouteTemplate>()
        .map(|t| t.0.clone())
        .unwrap_or_else(|| "<unmatched>".to_owned());
    res = render_error(res, is_api, &request_id);
    set_security_headers(&state, res.headers_mut(), &route);
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        res.headers_mut().insert("x-request-id", v);
    }

    let status = res.status().as_u16();
    let elapsed = started.elapsed();
    metrics::counter!("http_requests_total", "route" => route.clone(), "method" => method.to_string(), "status" => status.to_string()).increment(1);
    metrics::histogram!("http_request_duration_seconds", "route" => route.clone())
        .record(elapsed.as_secs_f64());
    span.in_scope(|| {
        // No client IP here: it lives in the access-log table, where retention hashes it.
        tracing::info!(route = %route, status, duration_us = elapsed.as_micros() as u64, "request");
    });
    let entry = embargo_store::access_log::NewAccess {
        at: state.now(),
        request_id,
        method: method.to_string(),
        route,
        status: i32::from(status),
        duration_us: i64::try_from(elapsed.as_micros()).unwrap_or(i64::MAX),
        ip: ip.to_string(),
    };
    if state.access_log.try_send(entry).is_err() {
        metrics::counter!("access_log_dropped_total").increment(1);
    }
    res
}

fn set_security_headers(state: &AppState, h: &mut HeaderMap, route: &str) {
    let set = |h: &mut HeaderMap, k: &'static str, v: &'static str| {
        h.insert(k, HeaderValue::from_static(v));
    };
    // No inline script or style anywhere; forms post only to us; nobody may frame us.
    set(
        h,
        "content-security-policy",
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    set(h, "x-content-type-options", "nosniff");
    // Tracking and setup links carry secrets in their path: never leak them to other sites.
    set(h, "referrer-policy", "no-referrer");
    set(h, "x-frame-options", "DENY");
    set(h, "cross-origin-opener-policy", "same-origin");
    set(
        h,
        "permissions-policy",
        "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    );
    if state.secure_cookies {
        set(
            h,
            "strict-transport-security",
            "max-age=63072000; includeSubDomains",
        );
    }
    if !route.starts_with("/static/") && !h.contains_key(header::CACHE_CONTROL) {
        set(h, "cache-control", "no-store");
    }
}

/// Gives every error response the house format. Responses a handler rendered itself (an HTML
/// form shown again with 4xx) are left alone.
fn render_error(res: Response, is_api: bool, request_id: &str) -> Response {
    let status = res.status();
    if !status.is_client_error() && !status.is_server_error() {
        return res;
    }
    let info = res.extensions().get::<ErrorInfo>().cloned();
    let own_body = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/html") || ct.starts_with("application/json"));
    if info.is_none() && own_body {
        return res;
    }
    let info = info.unwrap_or_else(|| ErrorInfo {
        code: code_for_status(status),
        message: status.canonical_reason().unwrap_or("error").to_lowercase(),
        field: None,
    });
    let (message, rid) = if status.is_server_error() {
        ("internal error".to_owned(), Some(request_id))
    } else {
        (info.message.clone(), None)
    };
    let (parts, _) = res.into_parts();
    let mut headers = parts.headers;
    headers.remove(header::CONTENT_LENGTH);
    let body = if is_api {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        let mut err = serde_json::json!({"code": info.code, "message": message});
        if let Some(f) = &info.field {
            err["field"] = serde_json::Value::String(f.clone());
        }
        if let Some(r) = rid {
            err["request_id"] = serde_json::Value::String(r.to_owned());
        }
        Body::from(serde_json::json!({ "error": err }).to_string())
    } else {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        Body::from(crate::page::error_page(status, &message, rid))
    };
    let mut out = Response::new(body);
    *out.status_mut() = status;
    *out.headers_mut() = headers;
    out
}

/// Route layer for unauthenticated POSTs: a per-IP budget, answered 429 with Retry-After.
pub async fn limit_unauthenticated_posts(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    if req.method() == Method::POST
        && let Some(ctx) = req.extensions().get::<RequestCtx>()
        && let Err(not_until) = state.post_limiter.check_key(&ctx.client_ip)
    {
        let wait = not_until.wait_time_from(governor::clock::Clock::now(
            &governor::clock::DefaultClock::default(),
        ));
        return AppError::TooManyRequests {
            retry_after_secs: wait.as_secs() + 1,
        }
        .into_response();
    }
    next.run(req).await
}

/// 404 for everything no route matches.
pub async fn fallback() -> AppError {
    AppError::NotFound
}

/// Turns a caught panic into a 500 (rendered generically by [`envelope`]); the panic message
/// goes to the log only.
pub fn panic_response(err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let detail = err
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default();
    tracing::error!(panic = %detail, "handler panicked");
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}

//! Public routes of publication. They read only `published_files` (written by the publication
//! transaction), so an unpublished advisory cannot appear here by construction. Before the
//! first publication the indexes answer empty rather than 404.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use embargo_store::{advisory, program};

use crate::error::{AppError, AppResult};
use crate::publication::render;
use crate::publication::service::publisher_of;
use crate::state::AppState;

/// Serves a published file by path, with its digest as ETag (and 304 on a match).
async fn serve(state: &AppState, headers: &HeaderMap, path: &str) -> AppResult<Response> {
    if let Some(f) = advisory::file(state.store.conn(), path).await? {
        return Ok(respond(headers, &f.content_type, &f.sha256, f.body));
    }
    // The indexes exist (empty) before anything is published.
    if is_index(path) {
        let main = match program::default(state.store.conn()).await? {
            Some(p) => publisher_of(state, &p)?,
            None => return Err(AppError::NotFound),
        };
        let now = crate::case::service::to_jiff(state.clock.now());
        if let Some(f) = render::index_files(&[], &main, &[], now)?
            .into_iter()
            .find(|f| f.path == path)
        {
            return Ok(respond(headers, &f.content_type, &f.sha256, f.body));
        }
    }
    Err(AppError::NotFound)
}

fn is_index(path: &str) -> bool {
    matches!(
        path,
        "advisories"
            | "advisories/index.json"
            | "advisories/feed.atom"
            | "thanks"
            | ".well-known/csaf/provider-metadata.json"
            | ".well-known/csaf/white/index.txt"
            | ".well-known/csaf/white/changes.csv"
            | ".well-known/csaf/white/feed-tlp-white.json"
    )
}

fn respond(headers: &HeaderMap, content_type: &str, sha256: &str, body: Vec<u8>) -> Response {
    let etag = format!("\"{}\"", &sha256[..sha256.len().min(32)]);
    let cache = [(header::CACHE_CONTROL, "public, max-age=60")];
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        == Some(etag.as_str())
    {
        return (StatusCode::NOT_MODIFIED, cache, [(header::ETAG, etag)]).into_response();
    }
    let ct = HeaderValue::from_str(content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    (
        cache,
        [(header::ETAG, etag)],
        [(header::CONTENT_TYPE, ct)],
        body,
    )
        .into_response()
}

/// Public: `/advisories`, the index page.
pub async fn get_advisories(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> AppResult<Response> {
    serve(&state, &headers, "advisories").await
}

/// Public: `/advisories/{file}`: a page (`OBS-SA-2026-0001`), its OSV (`.json`), CSAF
/// (`.csaf.json`) and CVE (`.cve.json`) files, `index.json`, `feed.atom`, the manifest.
pub async fn get_advisory_file(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> AppResult<Response> {
    serve(&state, &headers, &format!("advisories/{file}")).await
}

/// Public: the CSAF trusted-provider tree under `/.well-known/csaf/`.
pub async fn get_csaf(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(rest): Path<String>,
) -> AppResult<Response> {
    serve(&state, &headers, &format!(".well-known/csaf/{rest}")).await
}

/// Public: the OSV export, `/osv/{ecosystem}/{id}.json` and `/osv/{ecosystem}/all.zip`.
pub async fn get_osv(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(rest): Path<String>,
) -> AppResult<Response> {
    serve(&state, &headers, &format!("osv/{rest}")).await
}

/// Public: the hall of thanks.
pub async fn get_thanks(State(state): State<AppState>, headers: HeaderMap) -> AppResult<Response> {
    serve(&state, &headers, "thanks").await
}

/// Public: a program's advisories.
pub async fn get_program_advisories(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    match serve(&state, &headers, &format!("p/{slug}/advisories")).await {
        Err(AppError::NotFound) if program::by_slug(state.store.conn(), &slug).await?.is_some() => {
            Ok(crate::page::render(&EmptyProgram {
                chrome: crate::page::Chrome::new("Security advisories", ""),
                slug,
            }))
        }
        other => other,
    }
}

#[derive(askama::Template)]
#[template(path = "publication/empty.html")]
struct EmptyProgram {
    chrome: crate::page::Chrome,
    slug: String,
}

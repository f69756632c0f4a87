//! The vulnerability feed over HTTP, in the OSV API's request and response shapes
//! (<https://google.github.io/osv.dev/api/>) so that OSV clients can point at Embargo:
//! `POST /api/v1/feed/query`, `POST /api/v1/feed/querybatch`, `GET /api/v1/feed/vulns/{id}`.
//!
//! Every call needs a bearer token with read scope, whatever the role: the records are
//! public data, but the questions are not — a deployment's queries list what it runs — and
//! an open batch endpoint would hand anyone free database work.

use axum::extract::{Path, State};
use embargo_feed::{ApiBatch, ApiBatchResponse, ApiQuery, ApiVulns, Merged, QueryError};

use crate::auth::token::ApiRead;
use crate::error::{AppError, AppResult, Json};
use crate::state::AppState;

/// osv.dev's own limit per `querybatch` call.
pub const MAX_BATCH: usize = 1000;

fn app_error(e: QueryError) -> AppError {
    match e {
        QueryError::Invalid(m) => AppError::Validation {
            field: None,
            message: m,
        },
        QueryError::Purl { .. } => AppError::validation("package.purl", e.to_string()),
        other => AppError::Internal(other.into()),
    }
}

/// The records affecting a package (by purl, or ecosystem and name) at a version.
#[utoipa::path(post, path = "/api/v1/feed/query", tag = "feed",
    request_body(content = Object, description = "OSV `/v1/query` body: `{\"package\": {\"purl\": \"pkg:pypi/django\"}, \"version\": \"4.2.1\"}` or `{\"package\": {\"ecosystem\": \"PyPI\", \"name\": \"django\"}, \"version\": \"4.2.1\"}`"),
    responses((status = 200, body = Object, description = "OSV `{\"vulns\": [records]}`"),
        (status = 400, body = crate::openapi::ErrorBody), (status = 401, body = crate::openapi::ErrorBody)),
    security(("bearer" = [])))]
pub async fn post_query(
    State(state): State<AppState>,
    _caller: ApiRead,
    Json(q): Json<ApiQuery>,
) -> AppResult<Json<ApiVulns>> {
    let out = embargo_feed::api_query(state.store.conn(), &q)
        .await
        .map_err(app_error)?;
    Ok(Json(out))
}

/// Many queries at once: per query, the ids and `modified` of the affecting records.
#[utoipa::path(post, path = "/api/v1/feed/querybatch", tag = "feed",
    request_body(content = Object, description = "OSV `/v1/querybatch` body: `{\"queries\": [query, …]}`, at most 1000"),
    responses((status = 200, body = Object, description = "OSV `{\"results\": [{\"vulns\": [{\"id\", \"modified\"}]}]}`, one per query in order"),
        (status = 400, body = crate::openapi::ErrorBody), (status = 401, body = crate::openapi::ErrorBody)),
    security(("bearer" = [])))]
pub async fn post_querybatch(
    State(state): State<AppState>,
    _caller: ApiRead,
    Json(batch): Json<ApiBatch>,
) -> AppResult<Json<ApiBatchResponse>> {
    if batch.queries.len() > MAX_BATCH {
        return Err(AppError::validation(
            "queries",
            format!(
                "{} queries in one batch; at most {MAX_BATCH}",
                batch.queries.len()
            ),
        ));
    }
    let out = embargo_feed::api_querybatch(state.store.conn(), &batch)
        .await
        .map_err(app_error)?;
    Ok(Json(out))
}

/// The merged vulnerability for an id or any of its aliases: every source's record, the
/// source of each merged field, and the conflicts between sources.
#[utoipa::path(get, path = "/api/v1/feed/vulns/{id}", tag = "feed",
    params(("id" = String, Path, description = "a record id or alias: CVE, GHSA, PYSEC, GO, RUSTSEC…")),
    responses((status = 200, body = Object, description = "the merged view"),
        (status = 401, body = crate::openapi::ErrorBody), (status = 404, body = crate::openapi::ErrorBody)),
    security(("bearer" = [])))]
pub async fn get_vuln(
    State(state): State<AppState>,
    _caller: ApiRead,
    Path(id): Path<String>,
) -> AppResult<Json<Merged>> {
    embargo_feed::by_id(state.store.conn(), &id)
        .await
        .map_err(app_error)?
        .map(Json)
        .ok_or(AppError::NotFound)
}

//! `/api/v1/me` and the caller's own tokens.

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use embargo_store::token;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::account::service;
use crate::auth::token::{ApiAuth, ApiRead, ApiWrite};
use crate::error::{AppError, AppResult, Json};
use crate::http::RequestCtx;
use crate::state::AppState;
use embargo_domain::account::TokenScope;

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub totp_enabled: bool,
    /// The token used for this call.
    pub token_id: String,
    pub token_scope: String,
}

/// The caller's own account.
#[utoipa::path(get, path = "/api/v1/me", tag = "account",
    responses((status = 200, body = Me), (status = 401, body = crate::openapi::ErrorBody)),
    security(("bearer" = ["read"])))]
pub async fn get_me(ApiAuth(c): ApiRead) -> Json<Me> {
    Json(Me {
        id: c.user.id,
        email: c.user.email.clone(),
        display_name: c.user.display_name.clone(),
        role: c.role.to_string(),
        totp_enabled: c.user.totp_enabled_at.is_some(),
        token_id: c.token_id.clone(),
        token_scope: c.scope.to_string(),
    })
}

#[derive(Serialize, ToSchema)]
pub struct TokenInfo {
    pub id: String,
    pub name: String,
    pub scope: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
    pub last_used_at: Option<String>,
}

/// The caller's API tokens (never their secrets).
#[utoipa::path(get, path = "/api/v1/tokens", tag = "account",
    responses((status = 200, body = Vec<TokenInfo>), (status = 401, body = crate::openapi::ErrorBody)),
    security(("bearer" = ["read"])))]
pub async fn list_tokens(
    State(state): State<AppState>,
    ApiAuth(c): ApiRead,
) -> AppResult<Json<Vec<TokenInfo>>> {
    let rows = token::list_for_user(state.store.conn(), c.user.id).await?;
    let ts = |t: embargo_store::Ts| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    Ok(Json(
        rows.into_iter()
            .map(|t| TokenInfo {
                id: t.id,
                name: t.name,
                scope: t.scope,
                created_at: ts(t.created_at),
                expires_at: t.expires_at.map(ts),
                revoked_at: t.revoked_at.map(ts),
                last_used_at: t.last_used_at.map(ts),
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateToken {
    /// A name to recognise the token by (1–80 characters).
    pub name: String,
    /// `read`, `write` or `admin`; at most the calling token's scope and the caller's role.
    pub scope: String,
    /// Days until it expires (1–3650); absent: never.
    pub expires_in_days: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedToken {
    pub id: String,
    /// The full token. Shown only in this response; only its hash is stored.
    pub token: String,
}

/// Creates a token for the caller. A token can only mint tokens of its own scope or less.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "account", request_body = CreateToken,
    responses((status = 201, body = CreatedToken), (status = 400, body = crate::openapi::ErrorBody),
        (status = 401, body = crate::openapi::ErrorBody), (status = 415, body = crate::openapi::ErrorBody),
        (status = 422, body = crate::openapi::ErrorBody)),
    security(("bearer" = ["write"])))]
pub async fn create_token(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    ApiAuth(c): ApiWrite,
    Json(body): Json<CreateToken>,
) -> AppResult<(StatusCode, Json<CreatedToken>)> {
    let scope: TokenScope =
        body.scope
            .parse()
            .map_err(|e: embargo_domain::account::UnknownValue| {
                AppError::validation("scope", e.to_string())
            })?;
    if !c.scope.allows(scope) {
        return Err(AppError::validation(
            "scope",
            format!("a `{}` token cannot create a `{scope}` token", c.scope),
        ));
    }
    let req = service::TokenRequest {
        name: &body.name,
        scope,
        expires_in_days: body.expires_in_days,
    };
    let actor = crate::admin::service::Actor {
        id: c.actor(),
        ip: ctx.client_ip.to_string(),
    };
    let t = service::create_token(&state.store, c.user.id, req, &actor, state.now()).await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedToken {
            id: t.id,
            token: t.token,
        }),
    ))
}

/// Revokes one of the caller's tokens.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "account",
    params(("id" = String, Path, description = "token id (the part after `emb_`)")),
    responses((status = 204), (status = 401, body = crate::openapi::ErrorBody), (status = 404, body = crate::openapi::ErrorBody)),
    security(("bearer" = ["write"])))]
pub async fn delete_token(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    ApiAuth(c): ApiWrite,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    service::revoke_token(
        &state,
        c.user.id,
        &id,
        &c.actor(),
        &ctx.client_ip.to_string(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

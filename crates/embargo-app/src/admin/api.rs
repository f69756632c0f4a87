//! Admin API: the user list.

use axum::extract::State;
use embargo_store::user;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::token::ApiAdmin;
use crate::error::{AppResult, Json};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct UserInfo {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub totp_enabled: bool,
    pub disabled: bool,
    pub created_at: String,
}

/// Every team account (admin scope).
#[utoipa::path(get, path = "/api/v1/users", tag = "admin",
    responses((status = 200, body = Vec<UserInfo>), (status = 401, body = crate::openapi::ErrorBody), (status = 403, body = crate::openapi::ErrorBody)),
    security(("bearer" = ["admin"])))]
pub async fn list_users(
    State(state): State<AppState>,
    _: ApiAdmin,
) -> AppResult<Json<Vec<UserInfo>>> {
    let users = user::list(state.store.conn()).await?;
    Ok(Json(
        users
            .into_iter()
            .map(|u| UserInfo {
                id: u.id,
                email: u.email,
                display_name: u.display_name,
                role: u.role,
                totp_enabled: u.totp_enabled_at.is_some(),
                disabled: u.disabled_at.is_some(),
                created_at: u
                    .created_at
                    .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            })
            .collect(),
    ))
}

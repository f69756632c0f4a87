//! `/api/v1/programs`: the programs the caller may see.

use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::token::{ApiAuth, ApiRead};
use crate::error::{AppResult, Json};
use crate::program::service;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct ProgramInfo {
    pub slug: String,
    pub name: String,
    /// The caller's role in this program.
    pub role: String,
    pub revision: i32,
    pub is_default: bool,
    pub policy_url: String,
}

/// Programs visible to the caller: every program for admins, their memberships for others.
#[utoipa::path(get, path = "/api/v1/programs", tag = "programs",
    responses((status = 200, body = Vec<ProgramInfo>), (status = 401, body = crate::openapi::ErrorBody)),
    security(("bearer" = ["read"])))]
pub async fn list_programs(
    State(state): State<AppState>,
    ApiAuth(c): ApiRead,
) -> AppResult<Json<Vec<ProgramInfo>>> {
    let visible = service::visible_to(&state.store, c.user.id, c.role).await?;
    Ok(Json(
        visible
            .into_iter()
            .map(|(p, role)| ProgramInfo {
                policy_url: format!("{}/p/{}/policy", state.public_url, p.slug),
                slug: p.slug,
                name: p.name,
                role: role.to_string(),
                revision: p.revision,
                is_default: p.is_default,
            })
            .collect(),
    ))
}

//! `POST /api/v1/programs/{slug}/reports`: the JSON intake for tooling (a bearer token is
//! optional: anonymous reports are accepted like on the web form).

use std::collections::BTreeMap;

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use base64::Engine;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{AppError, AppResult, Json};
use crate::http::RequestCtx;
use crate::report::intake::{self, Origin, ReportInput, Upload};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReport {
    /// Field id → text: `title`, `description`, and the program's fields (see its policy;
    /// ids are the kebab-case standard names such as `affected-version`, `cvss-vector`, or
    /// `custom:<id>`).
    pub fields: BTreeMap<String, String>,
    pub contact_email: Option<String>,
    /// ASCII-armoured OpenPGP public key for encrypted replies.
    pub reporter_pgp_key: Option<String>,
    #[serde(default)]
    pub attachments: Vec<NewAttachment>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAttachment {
    pub filename: String,
    /// The file, base64 (standard alphabet).
    pub content_base64: String,
}

#[derive(Serialize, ToSchema)]
pub struct ReportCreated {
    pub reference: String,
    /// The private tracking page; it is returned only here.
    pub tracking_url: String,
}

/// Optional authentication: a bad token is refused, no token is anonymous.
pub struct MaybeCaller(pub Option<crate::auth::token::ApiCaller>);

impl axum::extract::FromRequestParts<AppState> for MaybeCaller {
    type Rejection = AppError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if parts
            .headers
            .contains_key(axum::http::header::AUTHORIZATION)
        {
            Ok(MaybeCaller(Some(
                crate::auth::token::authenticate(state, parts).await?,
            )))
        } else {
            Ok(MaybeCaller(None))
        }
    }
}

/// Submit a vulnerability report to a program.
#[utoipa::path(post, path = "/api/v1/programs/{slug}/reports", tag = "reports", request_body = NewReport,
    params(("slug" = String, Path, description = "the program")),
    responses((status = 201, body = ReportCreated), (status = 400, body = crate::openapi::ErrorBody),
        (status = 404, body = crate::openapi::ErrorBody), (status = 413, body = crate::openapi::ErrorBody),
        (status = 415, body = crate::openapi::ErrorBody), (status = 422, body = crate::openapi::ErrorBody),
        (status = 429, body = crate::openapi::ErrorBody)),
    security((), ("bearer" = [])))]
pub async fn create_report(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    MaybeCaller(caller): MaybeCaller,
    Path(slug): Path<String>,
    Json(body): Json<NewReport>,
) -> AppResult<(StatusCode, Json<ReportCreated>)> {
    let p = embargo_store::program::by_slug(state.store.conn(), &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let policy = crate::program::service::policy_of(&p)?;
    let mut attachments = Vec::new();
    for (i, a) in body.attachments.iter().enumerate() {
        let data = base64::engine::general_purpose::STANDARD
            .decode(a.content_base64.as_bytes())
            .map_err(|e| {
                AppError::validation(
                    &format!("attachments[{i}].content_base64"),
                    format!("not base64: {e}"),
                )
            })?;
        attachments.push(Upload {
            filename: a.filename.clone(),
            data,
        });
    }
    let input = ReportInput {
        fields: body.fields,
        contact_email: body.contact_email,
        reporter_pgp_key: body.reporter_pgp_key,
        attachments,
    };
    if let Some(first) = intake::validate(&policy, &input).into_iter().next() {
        return Err(AppError::Validation {
            field: Some(first.field),
            message: first.message,
        });
    }
    let actor = caller
        .as_ref()
        .map(|c| c.actor())
        .unwrap_or_else(|| "anonymous".into());
    let origin = Origin {
        channel: "api",
        actor,
        ip: ctx.client_ip.to_string(),
    };
    let done = intake::submit(&state, &p, &policy, input, &origin).await?;
    Ok((
        StatusCode::CREATED,
        Json(ReportCreated {
            tracking_url: format!("{}/track/{}", state.public_url, done.tracking_secret),
            reference: done.reference,
        }),
    ))
}

//! Vendor statuses: what each downstream organisation states per product (sealed: product
//! and statement describe an embargoed issue), and the products the status matrix shows.

use embargo_domain::coordination::{self, ParticipantRole, VendorStatus};
use embargo_store::{advisory, coordination as store};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::service::{Participant, open_text, participant_by, seal_text};
use crate::case::service::{CaseView, record_change};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// A status as pages show it.
#[derive(Debug, Clone)]
pub struct StatusRow {
    pub id: i64,
    pub participant_id: i64,
    pub product: String,
    pub status: VendorStatus,
    pub statement: String,
    pub stated_on: String,
}

#[derive(Serialize, Deserialize)]
struct SealedStatus {
    product: String,
    statement: String,
}

pub async fn statuses(state: &AppState, case_id: i64) -> AppResult<Vec<StatusRow>> {
    let mut out = Vec::new();
    for r in store::statuses(state.store.conn(), case_id).await? {
        let s: SealedStatus = serde_json::from_str(&open_text(&state.keys, case_id, &r.sealed)?)
            .map_err(AppError::internal)?;
        out.push(StatusRow {
            id: r.id,
            participant_id: r.participant_id,
            product: s.product,
            status: r.status.parse().map_err(AppError::internal)?,
            statement: s.statement,
            stated_on: r.stated_on,
        });
    }
    Ok(out)
}

/// A participant states their organisation's status for a product (replacing an earlier
/// statement for the same product).
pub async fn set_status(
    state: &AppState,
    view: &CaseView,
    p: &Participant,
    product: &str,
    status: &str,
    statement: &str,
    ip: &str,
) -> AppResult<()> {
    if p.role != ParticipantRole::Vendor {
        return Err(AppError::NotFound);
    }
    let product = product.trim();
    if product.is_empty() || product.len() > 200 {
        return Err(AppError::validation(
            "product",
            "name the product (at most 200 characters)",
        ));
    }
    let status: VendorStatus = status
        .parse()
        .map_err(|e: coordination::UnknownStatus| AppError::validation("status", e.to_string()))?;
    let now = state.now();
    let existing = statuses(state, view.row.id)
        .await?
        .into_iter()
        .find(|s| s.participant_id == p.row.id && s.product.eq_ignore_ascii_case(product))
        .map(|s| s.id);
    let sealed = seal_text(
        &state.keys,
        view.row.id,
        &serde_json::to_string(&SealedStatus {
            product: product.to_owned(),
            statement: statement.trim().to_owned(),
        })
        .map_err(AppError::internal)?,
    );
    let txn = state.store.begin().await?;
    store::save_status(
        &txn,
        existing,
        view.row.id,
        p.row.id,
        status.as_str(),
        &sealed,
        &crate::program::service::today(now).to_string(),
        now,
    )
    .await?;
    record_change(
        &txn,
        view,
        &participant_by(p, ip),
        "vendor_status",
        json!({ "participant": p.row.id, "status": status.as_str() }),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The products the status matrix has columns for: the case's advisories' affected products
/// and every product a participant has stated a status for.
pub async fn products(
    state: &AppState,
    case_id: i64,
    stated: &[StatusRow],
) -> AppResult<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for row in advisory::for_case(state.store.conn(), case_id).await? {
        let rec = crate::advisory::service::open(&state.keys, &row)?;
        for a in rec.affected {
            out.push(a.name);
        }
    }
    out.extend(stated.iter().map(|s| s.product.clone()));
    let mut seen = std::collections::BTreeSet::new();
    out.retain(|p| seen.insert(p.to_lowercase()));
    Ok(out)
}

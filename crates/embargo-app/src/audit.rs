//! Writing to the hash-chained audit log (the chain itself lives in `embargo_store::audit`),
//! and the admin page that lists it.

use embargo_store::{ConnectionTrait, Ts, audit};

use crate::error::AppResult;

/// Appends one entry in the caller's transaction, so the action and its record commit or
/// roll back together. `detail` must never contain secrets.
pub async fn record(
    db: &impl ConnectionTrait,
    actor: &str,
    ip: &str,
    action: &str,
    target: &str,
    detail: serde_json::Value,
    now: Ts,
) -> AppResult<()> {
    let detail = detail.to_string();
    audit::append(
        db,
        audit::NewEntry {
            actor,
            action,
            target,
            detail: &detail,
            ip,
        },
        now,
    )
    .await?;
    Ok(())
}

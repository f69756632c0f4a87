//! Adding, pausing and removing webhooks; the checks on their URL and events.

use embargo_store::{Store, Ts, outbox, program};
use serde_json::json;

use crate::admin::service::Actor;
use crate::audit;
use crate::error::{AppError, AppResult};

use super::{EVENTS, SECRET_CONTEXT};

/// `https://` anywhere; plain `http://` only to the loopback interface (a local relay or a
/// test), so that event data never crosses a network in clear.
pub fn check_url(raw: &str) -> AppResult<url::Url> {
    let u = url::Url::parse(raw.trim())
        .map_err(|e| AppError::validation("url", format!("not a URL: {e}")))?;
    let loopback = match u.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match u.scheme() {
        "https" if u.host().is_some() => Ok(u),
        "http" if loopback => Ok(u),
        "http" => Err(AppError::validation(
            "url",
            "use https:// (plain http:// is allowed only to localhost)",
        )),
        _ => Err(AppError::validation("url", "use an https:// URL")),
    }
}

/// A comma-separated list of known events, or `*`.
pub fn check_events(raw: &str) -> AppResult<String> {
    let list: Vec<&str> = raw
        .split([',', ' ', '\n'])
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .collect();
    if list.is_empty() || list == ["*"] {
        return Ok("*".into());
    }
    for e in &list {
        if !EVENTS.contains(e) {
            return Err(AppError::validation(
                "events",
                format!(
                    "unknown event `{e}`; use `*` or some of {}",
                    EVENTS.join(", ")
                ),
            ));
        }
    }
    Ok(list.join(","))
}

/// Adds a webhook; returns it and its secret (shown once).
pub async fn add(
    store: &Store,
    keys: &crate::keys::Keys,
    prog: &program::Program,
    url: &str,
    events: &str,
    actor: &Actor,
    now: Ts,
) -> AppResult<(outbox::Webhook, String)> {
    let url = check_url(url)?;
    let events = check_events(events)?;
    let secret = crate::auth::random_token(32);
    let txn = store.begin().await?;
    let w = outbox::add_webhook(
        &txn,
        prog.id,
        url.as_str(),
        &keys.seal(secret.as_bytes(), SECRET_CONTEXT),
        &events,
        now,
    )
    .await?;
    audit::record(
        &txn,
        &actor.id,
        &actor.ip,
        "webhook.added",
        &format!("program:{}", prog.slug),
        json!({ "webhook": w.id, "url": w.url, "events": events }),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok((w, secret))
}

/// The webhook, if it belongs to the program.
pub async fn find(store: &Store, prog: &program::Program, id: i64) -> AppResult<outbox::Webhook> {
    match outbox::webhook(store.conn(), id).await? {
        Some(w) if w.program_id == prog.id => Ok(w),
        _ => Err(AppError::NotFound),
    }
}

pub async fn set_active(
    store: &Store,
    prog: &program::Program,
    id: i64,
    active: bool,
    actor: &Actor,
    now: Ts,
) -> AppResult<()> {
    let w = find(store, prog, id).await?;
    let txn = store.begin().await?;
    outbox::set_webhook_active(&txn, w.id, active).await?;
    audit::record(
        &txn,
        &actor.id,
        &actor.ip,
        if active {
            "webhook.resumed"
        } else {
            "webhook.paused"
        },
        &format!("program:{}", prog.slug),
        json!({ "webhook": w.id }),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

pub async fn remove(
    store: &Store,
    prog: &program::Program,
    id: i64,
    actor: &Actor,
    now: Ts,
) -> AppResult<()> {
    let w = find(store, prog, id).await?;
    let txn = store.begin().await?;
    outbox::delete_webhook(&txn, w.id).await?;
    audit::record(
        &txn,
        &actor.id,
        &actor.ip,
        "webhook.removed",
        &format!("program:{}", prog.slug),
        json!({ "webhook": w.id, "url": w.url }),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_events_are_checked() {
        assert!(check_url("https://hooks.example.org/x").is_ok());
        assert!(check_url("http://127.0.0.1:9/x").is_ok());
        assert!(check_url("http://localhost/x").is_ok());
        assert!(check_url("http://hooks.example.org/x").is_err());
        assert!(check_url("ftp://x").is_err());
        assert!(check_url("not a url").is_err());
        assert_eq!(check_events("").ok().as_deref(), Some("*"));
        assert_eq!(
            check_events("case.created, message.received")
                .ok()
                .as_deref(),
            Some("case.created,message.received")
        );
        assert!(check_events("case.deleted").is_err());
    }
}

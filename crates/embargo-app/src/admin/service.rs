//! Administrative actions on users. Shared by the web UI and the CLI; each is one audited
//! transaction. The last enabled admin can be neither demoted nor disabled.

use embargo_domain::account::{Email, Role};
use embargo_store::{Store, Ts, session, user};
use serde_json::json;

use crate::audit;
use crate::auth::service::create_link;
use crate::error::{AppError, AppResult};

/// Who acts, for the audit log.
#[derive(Debug, Clone)]
pub struct Actor {
    pub id: String,
    pub ip: String,
}

impl Actor {
    pub fn cli() -> Actor {
        Actor {
            id: "cli".into(),
            ip: String::new(),
        }
    }
}

fn setup_url(public_url: &str, token: &str) -> String {
    format!("{}/setup/{token}", public_url.trim_end_matches('/'))
}

/// Creates a user without a password and returns (user id, one-time setup link).
pub async fn create_user(
    store: &Store,
    email: &str,
    display_name: &str,
    role: Role,
    actor: &Actor,
    public_url: &str,
    now: Ts,
) -> AppResult<(i64, String)> {
    let email = Email::parse(email).map_err(|e| AppError::validation("email", e.to_string()))?;
    let txn = store.begin().await?;
    let u = user::create(
        &txn,
        email.as_str(),
        display_name.trim(),
        role.as_str(),
        now,
    )
    .await?;
    let token = create_link(&txn, Some(u.id), "setup", now).await?;
    audit::record(
        &txn,
        &actor.id,
        &actor.ip,
        "user.created",
        &format!("user:{}", u.id),
        json!({ "email": email.as_str(), "role": role.as_str() }),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok((u.id, setup_url(public_url, &token)))
}

pub async fn find(store: &Store, email_or_id: &str) -> AppResult<user::User> {
    let db = store.conn();
    let found = match email_or_id.parse::<i64>() {
        Ok(id) => user::by_id(db, id).await?,
        Err(_) => user::by_email(db, &email_or_id.trim().to_lowercase()).await?,
    };
    found.ok_or(AppError::NotFound)
}

async fn guard_last_admin(
    txn: &impl embargo_store::ConnectionTrait,
    u: &user::User,
) -> AppResult<()> {
    if u.role == "admin" && u.disabled_at.is_none() && user::count_active_admins(txn).await? <= 1 {
        return Err(AppError::Conflict(
            "this is the last enabled administrator; create another admin first".into(),
        ));
    }
    Ok(())
}

pub async fn set_role(
    store: &Store,
    user_id: i64,
    role: Role,
    actor: &Actor,
    now: Ts,
) -> AppResult<()> {
    let txn = store.begin().await?;
    let u = user::by_id(&txn, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if u.role == role.as_str() {
        return Ok(());
    }
    if role != Role::Admin {
        guard_last_admin(&txn, &u).await?;
    }
    user::update(&txn, user_id, now, |m| {
        m.role = sea_orm::Set(role.as_str().to_owned())
    })
    .await?;
    audit::record(
        &txn,
        &actor.id,
        &actor.ip,
        "user.role_changed",
        &format!("user:{user_id}"),
        json!({ "from": u.role, "to": role.as_str() }),
        now,
    )
    .await?;
    txn.commit().await?;
    crate::auth::token::forget_user(user_id);
    Ok(())
}

/// Disables (or re-enables) a user; disabling ends their sessions at once (and their tokens
/// stop working, as authentication checks the owner).
pub async fn set_disabled(
    store: &Store,
    user_id: i64,
    disabled: bool,
    actor: &Actor,
    now: Ts,
) -> AppResult<()> {
    let txn = store.begin().await?;
    let u = user::by_id(&txn, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if disabled {
        guard_last_admin(&txn, &u).await?;
    }
    user::update(&txn, user_id, now, |m| {
        m.disabled_at = sea_orm::Set(disabled.then_some(now))
    })
    .await?;
    if disabled {
        session::delete_for_user(&txn, user_id, None).await?;
    }
    let action = if disabled {
        "user.disabled"
    } else {
        "user.enabled"
    };
    audit::record(
        &txn,
        &actor.id,
        &actor.ip,
        action,
        &format!("user:{user_id}"),
        json!({}),
        now,
    )
    .await?;
    txn.commit().await?;
    crate::auth::token::forget_user(user_id);
    Ok(())
}

/// A one-time password reset link; the current password keeps working until the link is used.
pub async fn reset_link(
    store: &Store,
    user_id: i64,
    actor: &Actor,
    public_url: &str,
    now: Ts,
) -> AppResult<String> {
    let txn = store.begin().await?;
    user::by_id(&txn, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let token = create_link(&txn, Some(user_id), "reset", now).await?;
    audit::record(
        &txn,
        &actor.id,
        &actor.ip,
        "user.reset_link_created",
        &format!("user:{user_id}"),
        json!({}),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(setup_url(public_url, &token))
}

/// Turns off a user's second factor (a lost device) and ends their sessions.
pub async fn reset_second_factor(
    store: &Store,
    user_id: i64,
    actor: &Actor,
    now: Ts,
) -> AppResult<()> {
    let txn = store.begin().await?;
    user::by_id(&txn, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    user::clear_second_factor(&txn, user_id, now).await?;
    session::delete_for_user(&txn, user_id, None).await?;
    audit::record(
        &txn,
        &actor.id,
        &actor.ip,
        "user.totp_reset",
        &format!("user:{user_id}"),
        json!({}),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

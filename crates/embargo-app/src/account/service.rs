//! Account changes a user makes for themselves; each is audited in its own transaction.

use chrono::Duration;
use embargo_domain::account::{Email, TokenScope, check_new_password};
use embargo_store::{Ts, session, sha256_hex, token, user};
use serde_json::json;

use crate::admin::service::Actor;
use crate::audit;
use crate::auth::service::{open_totp, seal_totp};
use crate::auth::{password, totp};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

pub async fn change_password(
    state: &AppState,
    user_id: i64,
    keep_session: &str,
    current: &str,
    new: &str,
    ip: &str,
) -> AppResult<()> {
    let now = state.now();
    let u = user::by_id(state.store.conn(), user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !password::verify(current.to_owned(), u.password_hash.clone()).await {
        return Err(AppError::validation(
            "current_password",
            "the current password is not correct",
        ));
    }
    let email = Email::parse(&u.email).ok();
    check_new_password(new, email.as_ref())
        .map_err(|e| AppError::validation("new_password", e.to_string()))?;
    let hash = password::hash(new.to_owned())
        .await
        .map_err(AppError::internal)?;
    let txn = state.store.begin().await?;
    user::update(&txn, user_id, now, |m| {
        m.password_hash = sea_orm::Set(Some(hash));
        m.password_changed_at = sea_orm::Set(Some(now));
    })
    .await?;
    // Other sessions may belong to whoever knew the old password.
    let ended = session::delete_for_user(&txn, user_id, Some(keep_session)).await?;
    audit::record(
        &txn,
        &format!("user:{user_id}"),
        ip,
        "user.password_changed",
        &format!("user:{user_id}"),
        json!({ "other_sessions_ended": ended }),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The pending (not yet confirmed) TOTP secret of a user, created on first call.
pub async fn pending_totp_secret(state: &AppState, user_id: i64) -> AppResult<String> {
    let u = user::by_id(state.store.conn(), user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if u.totp_enabled_at.is_some() {
        return Err(AppError::Conflict(
            "two-factor authentication is already enabled".into(),
        ));
    }
    if let Some(sealed) = &u.totp_secret {
        return open_totp(&state.keys, user_id, sealed);
    }
    let secret = totp::new_secret();
    let sealed = seal_totp(&state.keys, user_id, &secret);
    user::update(state.store.conn(), user_id, state.now(), |m| {
        m.totp_secret = sea_orm::Set(Some(sealed))
    })
    .await?;
    Ok(secret)
}

/// Confirms enrolment with a first code; returns the recovery codes to show once.
pub async fn enable_totp(
    state: &AppState,
    user_id: i64,
    code: &str,
    ip: &str,
) -> AppResult<Vec<String>> {
    let now = state.now();
    let secret = pending_totp_secret(state, user_id).await?;
    let Some(step) = totp::check(&secret, code, now.timestamp().max(0) as u64, None) else {
        return Err(AppError::validation(
            "code",
            "that code is not valid; check the time on your device and try the next code",
        ));
    };
    let codes = totp::new_recovery_codes();
    let hashes: Vec<String> = codes
        .iter()
        .map(|c| sha256_hex(totp::normalise_recovery(c).as_bytes()))
        .collect();
    let txn = state.store.begin().await?;
    user::update(&txn, user_id, now, |m| {
        m.totp_enabled_at = sea_orm::Set(Some(now));
        m.totp_last_step = sea_orm::Set(Some(step));
    })
    .await?;
    user::replace_recovery_codes(&txn, user_id, &hashes, now).await?;
    audit::record(
        &txn,
        &format!("user:{user_id}"),
        ip,
        "user.totp_enabled",
        &format!("user:{user_id}"),
        json!({}),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(codes)
}

/// Turns two-factor authentication off after re-checking the password. Refused for admins
/// when the configuration requires it.
pub async fn disable_totp(
    state: &AppState,
    user_id: i64,
    current_password: &str,
    ip: &str,
) -> AppResult<()> {
    let now = state.now();
    let u = user::by_id(state.store.conn(), user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if state.config.security.require_admin_totp && u.role == "admin" {
        return Err(AppError::Conflict(
            "this instance requires two-factor authentication for administrators".into(),
        ));
    }
    if !password::verify(current_password.to_owned(), u.password_hash.clone()).await {
        return Err(AppError::validation(
            "current_password",
            "the current password is not correct",
        ));
    }
    let txn = state.store.begin().await?;
    user::clear_second_factor(&txn, user_id, now).await?;
    audit::record(
        &txn,
        &format!("user:{user_id}"),
        ip,
        "user.totp_disabled",
        &format!("user:{user_id}"),
        json!({}),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// A token as it is shown once.
pub struct NewToken {
    pub id: String,
    pub token: String,
}

/// What a user asks for when creating a token.
pub struct TokenRequest<'a> {
    pub name: &'a str,
    pub scope: TokenScope,
    /// None: never expires.
    pub expires_in_days: Option<u32>,
}

/// Creates an API token for the user; its scope may not exceed what the user's role allows.
pub async fn create_token(
    db_state: &embargo_store::Store,
    user_id: i64,
    req: TokenRequest<'_>,
    actor: &Actor,
    now: Ts,
) -> AppResult<NewToken> {
    let TokenRequest {
        name,
        scope,
        expires_in_days,
    } = req;
    let u = user::by_id(db_state.conn(), user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let role: embargo_domain::account::Role =
        u.role
            .parse()
            .map_err(|e: embargo_domain::account::UnknownValue| {
                AppError::internal(anyhow::anyhow!(e))
            })?;
    if !TokenScope::max_for(role).allows(scope) {
        return Err(AppError::validation(
            "scope",
            format!(
                "a {role} can create tokens up to scope `{}`",
                TokenScope::max_for(role)
            ),
        ));
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(AppError::validation(
            "name",
            "give the token a name of 1 to 80 characters",
        ));
    }
    if expires_in_days == Some(0) || expires_in_days.is_some_and(|d| d > 3650) {
        return Err(AppError::validation(
            "expires_in_days",
            "expiry must be between 1 and 3650 days",
        ));
    }
    let (id, full, hash) = crate::auth::token::generate();
    let expires_at = expires_in_days.map(|d| now + Duration::days(i64::from(d)));
    let txn = db_state.begin().await?;
    token::create(
        &txn,
        token::NewToken {
            id: &id,
            user_id,
            name,
            scope: scope.as_str(),
            secret_hash: &hash,
            expires_at,
        },
        now,
    )
    .await?;
    audit::record(
        &txn,
        &actor.id,
        &actor.ip,
        "token.created",
        &format!("token:{id}"),
        json!({ "user": user_id, "scope": scope.as_str(), "name": name, "expires_at": expires_at }),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(NewToken { id, token: full })
}

pub async fn revoke_token(
    state: &AppState,
    user_id: i64,
    token_id: &str,
    actor: &str,
    ip: &str,
) -> AppResult<()> {
    let now = state.now();
    let txn = state.store.begin().await?;
    if !token::revoke(&txn, user_id, token_id, now).await? {
        return Err(AppError::NotFound);
    }
    audit::record(
        &txn,
        actor,
        ip,
        "token.revoked",
        &format!("token:{token_id}"),
        json!({ "user": user_id }),
        now,
    )
    .await?;
    txn.commit().await?;
    crate::auth::token::forget_user(user_id);
    Ok(())
}

//! Login, second factor, logout and one-time setup links. Every outcome that matters to
//! security is written to the audit log in the same transaction as its effect.

use chrono::Duration;
use embargo_domain::account::{Email, Role, check_new_password};
use embargo_store::{Store, Ts, session, sha256_hex, throttle, user};
use serde_json::json;

use crate::audit;
use crate::auth::{password, random_token, totp};
use crate::config::SecurityConfig;
use crate::error::{AppError, AppResult};
use crate::keys::Keys;
use crate::state::AppState;

/// How long a one-time setup or reset link lives.
pub const LINK_TTL: Duration = Duration::hours(1);

pub enum LoginOutcome {
    /// Signed in; set this cookie secret. `needs_totp`: the session still lacks the second factor.
    Session {
        secret: String,
        needs_totp: bool,
    },
    Failed,
    Throttled {
        retry_after_secs: u64,
    },
}

/// The delay before the next attempt after `failures` consecutive failures: none for the
/// first few, then doubling up to the configured maximum.
pub fn backoff(cfg: &SecurityConfig, failures: i32) -> Duration {
    let free = i64::from(cfg.login_free_failures);
    let over = i64::from(failures) - free;
    if over <= 0 {
        return Duration::zero();
    }
    let secs = 1i64
        .checked_shl((over - 1).min(30) as u32)
        .unwrap_or(i64::MAX);
    Duration::seconds(secs.min(i64::from(cfg.login_max_backoff_secs)))
}

fn throttle_keys(email: &str, ip: &str) -> [String; 2] {
    [format!("account:{email}"), format!("ip:{ip}")]
}

async fn throttled(state: &AppState, keys: &[String], now: Ts) -> AppResult<Option<u64>> {
    let mut wait = None;
    for k in keys {
        if let Some(t) = throttle::get(state.store.conn(), k).await?
            && t.blocked_until > now
        {
            let secs = (t.blocked_until - now).num_seconds().max(1) as u64;
            wait = Some(wait.map_or(secs, |w: u64| w.max(secs)));
        }
    }
    Ok(wait)
}

async fn record_failure(
    state: &AppState,
    keys: &[String],
    email: &str,
    ip: &str,
    reason: &str,
    now: Ts,
) -> AppResult<()> {
    let txn = state.store.begin().await?;
    for k in keys {
        throttle::record_failure(&txn, k, now, |n| backoff(&state.config.security, n)).await?;
    }
    audit::record(
        &txn,
        "anonymous",
        ip,
        "login.failure",
        &format!("email:{email}"),
        json!({ "reason": reason }),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

async fn start_session(
    state: &AppState,
    db: &impl embargo_store::ConnectionTrait,
    user_id: i64,
    mfa_verified: bool,
    ip: &str,
    ua: &str,
    now: Ts,
) -> AppResult<String> {
    let secret = random_token(32);
    let absolute = Duration::hours(i64::from(state.config.security.session_absolute_hours));
    session::create(
        db,
        session::NewSession {
            id_hash: &sha256_hex(secret.as_bytes()),
            user_id,
            csrf_token: &random_token(24),
            mfa_verified,
            expires_at: now + absolute,
            ip,
            user_agent: ua,
        },
        now,
    )
    .await?;
    Ok(secret)
}

/// Checks e-mail and password with back-off per account and per IP. Always starts a brand-new
/// session (the caller drops any old one), so a planted session id is useless.
pub async fn login(
    state: &AppState,
    email: &str,
    pw: &str,
    ip: &str,
    ua: &str,
    old_session: Option<&str>,
) -> AppResult<LoginOutcome> {
    let now = state.now();
    let email_norm = Email::parse(email)
        .map(|e| e.to_string())
        .unwrap_or_else(|_| email.trim().to_lowercase());
    let keys = throttle_keys(&email_norm, ip);
    if let Some(secs) = throttled(state, &keys, now).await? {
        return Ok(LoginOutcome::Throttled {
            retry_after_secs: secs,
        });
    }
    let u = user::by_email(state.store.conn(), &email_norm).await?;
    let ok = password::verify(
        pw.to_owned(),
        u.as_ref().and_then(|u| u.password_hash.clone()),
    )
    .await;
    let u = match u {
        Some(u) if ok && u.disabled_at.is_none() => u,
        Some(u) if ok => {
            record_failure(
                state,
                &keys,
                &email_norm,
                ip,
                &format!("user:{} is disabled", u.id),
                now,
            )
            .await?;
            return Ok(LoginOutcome::Failed);
        }
        _ => {
            record_failure(
                state,
                &keys,
                &email_norm,
                ip,
                "wrong e-mail or password",
                now,
            )
            .await?;
            return Ok(LoginOutcome::Failed);
        }
    };
    let needs_totp = u.totp_enabled_at.is_some();
    let txn = state.store.begin().await?;
    throttle::clear(&txn, &keys[0]).await?;
    if let Some(old) = old_session {
        session::delete(&txn, &sha256_hex(old.as_bytes())).await?;
    }
    let secret = start_session(state, &txn, u.id, !needs_totp, ip, ua, now).await?;
    let action = if needs_totp {
        "login.password_ok"
    } else {
        "login.success"
    };
    audit::record(
        &txn,
        &format!("user:{}", u.id),
        ip,
        action,
        &format!("user:{}", u.id),
        json!({}),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(LoginOutcome::Session { secret, needs_totp })
}

/// Completes a login with a TOTP code or a recovery code. On success the session is replaced
/// by a new one (new id after the privilege change); returns its secret.
pub async fn second_factor(
    state: &AppState,
    session_secret: &str,
    code: &str,
    ip: &str,
    ua: &str,
) -> AppResult<Result<String, Option<u64>>> {
    let now = state.now();
    let sid = sha256_hex(session_secret.as_bytes());
    let db = state.store.conn();
    let s = session::get(db, &sid)
        .await?
        .ok_or(AppError::Unauthorized)?;
    let u = user::by_id(db, s.user_id)
        .await?
        .ok_or(AppError::Unauthorized)?;
    let keys = throttle_keys(&u.email, ip);
    if let Some(secs) = throttled(state, &keys, now).await? {
        return Ok(Err(Some(secs)));
    }
    let secret = match (&u.totp_secret, u.totp_enabled_at) {
        (Some(sealed), Some(_)) => open_totp(&state.keys, u.id, sealed)?,
        _ => String::new(),
    };
    let step = if secret.is_empty() {
        None
    } else {
        totp::check(
            &secret,
            code,
            now.timestamp().max(0) as u64,
            u.totp_last_step,
        )
    };
    let txn = state.store.begin().await?;
    let method = match step {
        Some(step) => {
            user::update(&txn, u.id, now, |m| {
                m.totp_last_step = sea_orm::Set(Some(step))
            })
            .await?;
            "totp"
        }
        None if user::use_recovery_code(
            &txn,
            u.id,
            &sha256_hex(totp::normalise_recovery(code).as_bytes()),
            now,
        )
        .await? =>
        {
            "recovery_code"
        }
        None => {
            txn.rollback().await?;
            record_failure(state, &keys, &u.email, ip, "wrong second factor", now).await?;
            return Ok(Err(None));
        }
    };
    throttle::clear(&txn, &keys[0]).await?;
    session::delete(&txn, &sid).await?;
    let new_secret = start_session(state, &txn, u.id, true, ip, ua, now).await?;
    audit::record(
        &txn,
        &format!("user:{}", u.id),
        ip,
        "login.success",
        &format!("user:{}", u.id),
        json!({ "second_factor": method }),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(new_secret))
}

pub async fn logout(state: &AppState, session_secret: &str, ip: &str) -> AppResult<()> {
    let now = state.now();
    let sid = sha256_hex(session_secret.as_bytes());
    let txn = state.store.begin().await?;
    if let Some(s) = session::get(&txn, &sid).await? {
        session::delete(&txn, &sid).await?;
        audit::record(
            &txn,
            &format!("user:{}", s.user_id),
            ip,
            "logout",
            &format!("user:{}", s.user_id),
            json!({}),
            now,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// What a one-time link is for.
pub enum LinkKind {
    /// The first admin: the page asks for e-mail and password.
    FirstAdmin,
    /// An existing user sets a (new) password.
    SetPassword { user_id: i64, email: String },
}

/// Creates a one-time link token (1 hour, single use) and returns the token to put in the URL.
pub async fn create_link(
    db: &impl embargo_store::ConnectionTrait,
    user_id: Option<i64>,
    purpose: &str,
    now: Ts,
) -> AppResult<String> {
    let token = random_token(32);
    user::void_setup_tokens(db, user_id, now).await?;
    user::create_setup_token(
        db,
        user_id,
        &sha256_hex(token.as_bytes()),
        purpose,
        now + LINK_TTL,
        now,
    )
    .await?;
    Ok(token)
}

/// At start-up with no admin: a fresh first-admin link (older ones are voided).
pub async fn first_admin_link(store: &Store, now: Ts) -> AppResult<Option<String>> {
    if user::count_active_admins(store.conn()).await? > 0 {
        return Ok(None);
    }
    let txn = store.begin().await?;
    let token = create_link(&txn, None, "first-admin", now).await?;
    audit::record(
        &txn,
        "system",
        "",
        "setup.link_created",
        "first-admin",
        json!({}),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(Some(token))
}

pub async fn inspect_link(state: &AppState, token: &str) -> AppResult<LinkKind> {
    let db = state.store.conn();
    let t = user::find_setup_token(db, &sha256_hex(token.as_bytes()), state.now())
        .await?
        .ok_or(AppError::NotFound)?;
    match t.user_id {
        None => Ok(LinkKind::FirstAdmin),
        Some(id) => {
            let u = user::by_id(db, id).await?.ok_or(AppError::NotFound)?;
            Ok(LinkKind::SetPassword {
                user_id: u.id,
                email: u.email,
            })
        }
    }
}

/// Uses a link: creates the first admin or sets the user's password, in one transaction.
pub async fn use_link(
    state: &AppState,
    token: &str,
    email: Option<&str>,
    display_name: &str,
    new_password: &str,
    ip: &str,
) -> AppResult<i64> {
    let now = state.now();
    let t = user::find_setup_token(state.store.conn(), &sha256_hex(token.as_bytes()), now)
        .await?
        .ok_or(AppError::NotFound)?;
    let email = match (t.user_id, email) {
        (None, Some(e)) => {
            Email::parse(e).map_err(|e| AppError::validation("email", e.to_string()))?
        }
        (None, None) => {
            return Err(AppError::validation(
                "email",
                "an e-mail address is required",
            ));
        }
        (Some(id), _) => {
            let u = user::by_id(state.store.conn(), id)
                .await?
                .ok_or(AppError::NotFound)?;
            Email::parse(&u.email).map_err(|e| AppError::internal(anyhow::anyhow!("{e}")))?
        }
    };
    check_new_password(new_password, Some(&email))
        .map_err(|e| AppError::validation("password", e.to_string()))?;
    let hash = password::hash(new_password.to_owned())
        .await
        .map_err(AppError::internal)?;
    let txn = state.store.begin().await?;
    if !user::consume_setup_token(&txn, t.id, now).await? {
        return Err(AppError::NotFound);
    }
    let user_id = match t.user_id {
        None => {
            let u = user::create(
                &txn,
                email.as_str(),
                display_name.trim(),
                Role::Admin.as_str(),
                now,
            )
            .await?;
            audit::record(
                &txn,
                &format!("user:{}", u.id),
                ip,
                "user.created",
                &format!("user:{}", u.id),
                json!({ "role": "admin", "via": "first-admin link" }),
                now,
            )
            .await?;
            u.id
        }
        Some(id) => id,
    };
    user::update(&txn, user_id, now, |m| {
        m.password_hash = sea_orm::Set(Some(hash));
        m.password_changed_at = sea_orm::Set(Some(now));
    })
    .await?;
    user::void_setup_tokens(&txn, Some(user_id), now).await?;
    session::delete_for_user(&txn, user_id, None).await?;
    audit::record(
        &txn,
        &format!("user:{user_id}"),
        ip,
        "user.password_set",
        &format!("user:{user_id}"),
        json!({ "via": t.purpose }),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(user_id)
}

/// Seals a TOTP secret for storage in the user row.
pub fn seal_totp(keys: &Keys, user_id: i64, secret: &str) -> String {
    keys.seal(secret.as_bytes(), &format!("totp:{user_id}"))
}

pub fn open_totp(keys: &Keys, user_id: i64, sealed: &str) -> AppResult<String> {
    keys.open(sealed, &format!("totp:{user_id}"))
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .map_err(AppError::internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_progressive_and_capped() {
        let cfg = SecurityConfig::default();
        assert_eq!(backoff(&cfg, 1), Duration::zero());
        assert_eq!(backoff(&cfg, 3), Duration::zero());
        assert_eq!(backoff(&cfg, 4), Duration::seconds(1));
        assert_eq!(backoff(&cfg, 5), Duration::seconds(2));
        assert_eq!(backoff(&cfg, 8), Duration::seconds(16));
        assert_eq!(backoff(&cfg, 40), Duration::seconds(900));
        assert_eq!(backoff(&cfg, i32::MAX), Duration::seconds(900));
    }
}

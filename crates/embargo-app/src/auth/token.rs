//! API tokens: `emb_<10-char id>_<secret>`. The id is public (shown in lists, logged); the
//! secret is stored only as SHA-256. `ApiRead`/`ApiWrite`/`ApiAdmin` check the bearer token
//! and that both the token's scope and the owner's current role allow the call.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use embargo_domain::account::{Role, TokenScope};
use embargo_store::{sha256_hex, token, user};

use crate::error::AppError;
use crate::state::AppState;

pub const PREFIX: &str = "emb_";
const ID_LEN: usize = 10;

/// A fresh token: (id, the full token to show once, the hash to store).
pub fn generate() -> (String, String, String) {
    let id = crate::auth::random_id(ID_LEN);
    let secret = crate::auth::random_token(32);
    let full = format!("{PREFIX}{id}_{secret}");
    (id, full, sha256_hex(secret.as_bytes()))
}

/// Splits `emb_<id>_<secret>`; the secret may itself contain `_`.
pub fn parse(full: &str) -> Option<(&str, &str)> {
    let rest = full.strip_prefix(PREFIX)?;
    let (id, secret) = (rest.get(..ID_LEN)?, rest.get(ID_LEN..)?.strip_prefix('_')?);
    (id.chars().all(|c| c.is_ascii_alphanumeric()) && secret.len() >= 32).then_some((id, secret))
}

/// The authenticated API caller.
#[derive(Debug, Clone)]
pub struct ApiCaller {
    pub user: user::User,
    pub role: Role,
    pub token_id: String,
    pub scope: TokenScope,
}

impl ApiCaller {
    pub fn actor(&self) -> String {
        format!("user:{}/token:{}", self.user.id, self.token_id)
    }
}

pub const READ: u8 = 0;
pub const WRITE: u8 = 1;
pub const ADMIN: u8 = 2;

/// A bearer-authenticated caller allowed scope `S`.
#[derive(Debug, Clone)]
pub struct ApiAuth<const S: u8>(pub ApiCaller);
pub type ApiRead = ApiAuth<READ>;
pub type ApiWrite = ApiAuth<WRITE>;
pub type ApiAdmin = ApiAuth<ADMIN>;

fn scope_of(s: u8) -> TokenScope {
    match s {
        READ => TokenScope::Read,
        WRITE => TokenScope::Write,
        _ => TokenScope::Admin,
    }
}

pub async fn authenticate(state: &AppState, parts: &Parts) -> Result<ApiCaller, AppError> {
    let raw = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .ok_or(AppError::Unauthorized)?;
    let (id, secret) = parse(raw.trim()).ok_or(AppError::Unauthorized)?;
    let db = state.store.conn();
    let t = token::get(db, id).await?.ok_or(AppError::Unauthorized)?;
    let now = state.now();
    if !crate::auth::same(&t.secret_hash, &sha256_hex(secret.as_bytes()))
        || t.revoked_at.is_some()
        || t.expires_at.is_some_and(|e| e <= now)
    {
        return Err(AppError::Unauthorized);
    }
    let u = user::by_id(db, t.user_id)
        .await?
        .ok_or(AppError::Unauthorized)?;
    if u.disabled_at.is_some() {
        return Err(AppError::Unauthorized);
    }
    let role: Role = u.role.parse().map_err(|_| AppError::Unauthorized)?;
    let scope: TokenScope = t.scope.parse().map_err(|_| AppError::Unauthorized)?;
    // Recorded at most once a minute per token and instance, off the request path: a burst
    // of calls with a fresh token must not turn into a burst of writes.
    if t.last_used_at
        .is_none_or(|l| now - l >= chrono::Duration::minutes(1))
        && state.claim_token_touch(&t.id, now)
    {
        let (store, id) = (state.store.clone(), t.id.clone());
        tokio::spawn(async move {
            if let Err(e) = token::mark_used(store.conn(), &id, now).await {
                tracing::warn!(token = %id, error = %e, "recording token use failed");
            }
        });
    }
    Ok(ApiCaller {
        user: u,
        role,
        token_id: t.id,
        scope,
    })
}

impl<const S: u8> FromRequestParts<AppState> for ApiAuth<S> {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let caller = authenticate(state, parts).await?;
        let needed = scope_of(S);
        if !caller.scope.allows(needed) {
            return Err(AppError::Forbidden(format!(
                "this token's scope `{}` does not allow `{needed}` calls",
                caller.scope
            )));
        }
        if !TokenScope::max_for(caller.role).allows(needed) {
            return Err(AppError::Forbidden(format!(
                "your role `{}` does not allow `{needed}` calls",
                caller.role
            )));
        }
        Ok(ApiAuth(caller))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_parse_back() {
        let (id, full, hash) = generate();
        let (pid, secret) = parse(&full).unwrap_or(("", ""));
        assert_eq!(pid, id);
        assert_eq!(sha256_hex(secret.as_bytes()), hash);
        assert!(parse("emb_short").is_none());
        assert!(parse("xyz_abcdefghij_0123456789012345678901234567890123").is_none());
        assert!(
            parse(&full[..full.len() - 20]).is_none(),
            "truncated secret"
        );
    }
}

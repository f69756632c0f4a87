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

/// How long a verified token (with its owner) is reused without reading the database.
/// Revoking, disabling or demoting through this process forgets it at once; a change made by
/// another instance or the CLI takes effect within this time.
pub const CACHE_TTL: chrono::Duration = chrono::Duration::seconds(5);

#[derive(Clone)]
struct Cached {
    token: token::ApiToken,
    user: user::User,
    fetched_at: embargo_store::Ts,
}

/// Verified tokens by id. Process-wide, so the services (shared with the CLI) can forget a
/// user's tokens without a handle on the server state.
static CACHE: std::sync::LazyLock<std::sync::Mutex<std::collections::HashMap<String, Cached>>> =
    std::sync::LazyLock::new(|| std::sync::Mutex::new(std::collections::HashMap::new()));

/// Forgets the cached tokens of a user (after revoking, disabling, changing their role).
pub fn forget_user(user_id: i64) {
    if let Ok(mut c) = CACHE.lock() {
        c.retain(|_, v| v.user.id != user_id);
    }
}

fn cached(id: &str, now: embargo_store::Ts) -> Option<Cached> {
    let c = CACHE.lock().ok()?;
    let hit = c.get(id)?;
    let age = now - hit.fetched_at;
    (age >= chrono::Duration::zero() && age < CACHE_TTL).then(|| hit.clone())
}

fn remember(entry: Cached) {
    if let Ok(mut c) = CACHE.lock() {
        if c.len() >= 10_000 {
            c.clear();
        }
        c.insert(entry.token.id.clone(), entry);
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
    let now = state.now();
    let entry = match cached(id, now) {
        Some(e) => e,
        None => {
            let db = state.store.conn();
            let t = token::get(db, id).await?.ok_or(AppError::Unauthorized)?;
            let u = user::by_id(db, t.user_id)
                .await?
                .ok_or(AppError::Unauthorized)?;
            let e = Cached {
                token: t,
                user: u,
                fetched_at: now,
            };
            remember(e.clone());
            e
        }
    };
    let Cached {
        token: t, user: u, ..
    } = entry;
    if !crate::auth::same(&t.secret_hash, &sha256_hex(secret.as_bytes()))
        || t.revoked_at.is_some()
        || t.expires_at.is_some_and(|e| e <= now)
        || u.disabled_at.is_some()
    {
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

//! Server-side login sessions. The row id is sha256 of the cookie secret.

use sea_orm::sea_query::ExprTrait;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::entity::session;
use crate::{StoreError, Ts};

pub use session::Model as Session;

pub struct NewSession<'a> {
    pub id_hash: &'a str,
    pub user_id: i64,
    pub csrf_token: &'a str,
    pub mfa_verified: bool,
    pub expires_at: Ts,
    pub ip: &'a str,
    pub user_agent: &'a str,
}

pub async fn create(
    db: &impl ConnectionTrait,
    s: NewSession<'_>,
    now: Ts,
) -> Result<(), StoreError> {
    session::ActiveModel {
        id: Set(s.id_hash.to_owned()),
        user_id: Set(s.user_id),
        csrf_token: Set(s.csrf_token.to_owned()),
        mfa_verified: Set(s.mfa_verified),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(s.expires_at),
        ip: Set(s.ip.to_owned()),
        user_agent: Set(s.user_agent.chars().take(200).collect()),
    }
    .insert(db)
    .await?;
    Ok(())
}

pub async fn get(db: &impl ConnectionTrait, id_hash: &str) -> Result<Option<Session>, StoreError> {
    Ok(session::Entity::find_by_id(id_hash.to_owned())
        .one(db)
        .await?)
}

pub async fn touch(db: &impl ConnectionTrait, id_hash: &str, now: Ts) -> Result<(), StoreError> {
    session::Entity::update_many()
        .col_expr(
            session::Column::LastSeenAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(session::Column::Id.eq(id_hash))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn delete(db: &impl ConnectionTrait, id_hash: &str) -> Result<(), StoreError> {
    session::Entity::delete_by_id(id_hash.to_owned())
        .exec(db)
        .await?;
    Ok(())
}

/// Ends every session of a user (password reset, disable), optionally keeping one.
pub async fn delete_for_user(
    db: &impl ConnectionTrait,
    user_id: i64,
    keep: Option<&str>,
) -> Result<u64, StoreError> {
    let mut q = session::Entity::delete_many().filter(session::Column::UserId.eq(user_id));
    if let Some(keep) = keep {
        q = q.filter(session::Column::Id.ne(keep));
    }
    Ok(q.exec(db).await?.rows_affected)
}

/// Removes sessions past their absolute expiry or idle since `idle_before`.
pub async fn purge_expired(
    db: &impl ConnectionTrait,
    now: Ts,
    idle_before: Ts,
) -> Result<u64, StoreError> {
    Ok(session::Entity::delete_many()
        .filter(
            session::Column::ExpiresAt
                .lte(now)
                .or(session::Column::LastSeenAt.lt(idle_before)),
        )
        .exec(db)
        .await?
        .rows_affected)
}

//! API tokens: the public id is stored in clear, the secret only as a SHA-256 hash.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

use crate::entity::api_token;
use crate::{StoreError, Ts};

pub use api_token::Model as ApiToken;

pub struct NewToken<'a> {
    pub id: &'a str,
    pub user_id: i64,
    pub name: &'a str,
    pub scope: &'a str,
    pub secret_hash: &'a str,
    pub expires_at: Option<Ts>,
}

pub async fn create(
    db: &impl ConnectionTrait,
    t: NewToken<'_>,
    now: Ts,
) -> Result<ApiToken, StoreError> {
    Ok(api_token::ActiveModel {
        id: Set(t.id.to_owned()),
        user_id: Set(t.user_id),
        name: Set(t.name.to_owned()),
        scope: Set(t.scope.to_owned()),
        secret_hash: Set(t.secret_hash.to_owned()),
        created_at: Set(now),
        expires_at: Set(t.expires_at),
        revoked_at: Set(None),
        last_used_at: Set(None),
    }
    .insert(db)
    .await?)
}

pub async fn get(db: &impl ConnectionTrait, id: &str) -> Result<Option<ApiToken>, StoreError> {
    Ok(api_token::Entity::find_by_id(id.to_owned()).one(db).await?)
}

pub async fn list_for_user(
    db: &impl ConnectionTrait,
    user_id: i64,
) -> Result<Vec<ApiToken>, StoreError> {
    Ok(api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(user_id))
        .order_by_desc(api_token::Column::CreatedAt)
        .all(db)
        .await?)
}

/// Revokes a token of this user; false when there is no such live token.
pub async fn revoke(
    db: &impl ConnectionTrait,
    user_id: i64,
    id: &str,
    now: Ts,
) -> Result<bool, StoreError> {
    let res = api_token::Entity::update_many()
        .col_expr(
            api_token::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(api_token::Column::Id.eq(id))
        .filter(api_token::Column::UserId.eq(user_id))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

pub async fn mark_used(db: &impl ConnectionTrait, id: &str, now: Ts) -> Result<(), StoreError> {
    api_token::Entity::update_many()
        .col_expr(
            api_token::Column::LastUsedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(api_token::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

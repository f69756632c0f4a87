//! Users, their recovery codes and one-time setup links.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};

use crate::entity::{recovery_code, setup_token, user};
use crate::{StoreError, Ts};

pub use user::Model as User;

pub async fn create(
    db: &impl ConnectionTrait,
    email: &str,
    display_name: &str,
    role: &str,
    now: Ts,
) -> Result<User, StoreError> {
    if by_email(db, email).await?.is_some() {
        return Err(StoreError::Conflict(format!(
            "a user with e-mail {email} already exists"
        )));
    }
    let m = user::ActiveModel {
        email: Set(email.to_owned()),
        display_name: Set(display_name.to_owned()),
        role: Set(role.to_owned()),
        password_hash: Set(None),
        password_changed_at: Set(None),
        totp_secret: Set(None),
        totp_enabled_at: Set(None),
        totp_last_step: Set(None),
        disabled_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    Ok(m.insert(db).await?)
}

pub async fn by_id(db: &impl ConnectionTrait, id: i64) -> Result<Option<User>, StoreError> {
    Ok(user::Entity::find_by_id(id).one(db).await?)
}

pub async fn by_email(db: &impl ConnectionTrait, email: &str) -> Result<Option<User>, StoreError> {
    Ok(user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(db)
        .await?)
}

pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<User>, StoreError> {
    Ok(user::Entity::find()
        .order_by_asc(user::Column::Id)
        .all(db)
        .await?)
}

pub async fn count(db: &impl ConnectionTrait) -> Result<u64, StoreError> {
    Ok(user::Entity::find().count(db).await?)
}

/// Admins that can log in (enabled, password set).
pub async fn count_active_admins(db: &impl ConnectionTrait) -> Result<u64, StoreError> {
    Ok(user::Entity::find()
        .filter(user::Column::Role.eq("admin"))
        .filter(user::Column::DisabledAt.is_null())
        .count(db)
        .await?)
}

/// Applies a change to one user row.
pub async fn update(
    db: &impl ConnectionTrait,
    id: i64,
    now: Ts,
    change: impl FnOnce(&mut user::ActiveModel),
) -> Result<User, StoreError> {
    let current = by_id(db, id).await?.ok_or(StoreError::NotFound("user"))?;
    let mut am: user::ActiveModel = current.into();
    change(&mut am);
    am.updated_at = Set(now);
    Ok(am.update(db).await?)
}

pub async fn create_setup_token(
    db: &impl ConnectionTrait,
    user_id: Option<i64>,
    token_hash: &str,
    purpose: &str,
    expires_at: Ts,
    now: Ts,
) -> Result<(), StoreError> {
    setup_token::ActiveModel {
        token_hash: Set(token_hash.to_owned()),
        user_id: Set(user_id),
        purpose: Set(purpose.to_owned()),
        expires_at: Set(expires_at),
        used_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Looks up an unused, unexpired one-time link.
pub async fn find_setup_token(
    db: &impl ConnectionTrait,
    token_hash: &str,
    now: Ts,
) -> Result<Option<setup_token::Model>, StoreError> {
    Ok(setup_token::Entity::find()
        .filter(setup_token::Column::TokenHash.eq(token_hash))
        .filter(setup_token::Column::UsedAt.is_null())
        .filter(setup_token::Column::ExpiresAt.gt(now))
        .one(db)
        .await?)
}

/// Marks a link used; false if someone else used it first (single use under concurrency).
pub async fn consume_setup_token(
    db: &impl ConnectionTrait,
    id: i64,
    now: Ts,
) -> Result<bool, StoreError> {
    let res = setup_token::Entity::update_many()
        .col_expr(
            setup_token::Column::UsedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(setup_token::Column::Id.eq(id))
        .filter(setup_token::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Voids every open link of a user, or every open first-admin link when `user_id` is None
/// (a new link or a password change supersedes them).
pub async fn void_setup_tokens(
    db: &impl ConnectionTrait,
    user_id: Option<i64>,
    now: Ts,
) -> Result<(), StoreError> {
    let owner = match user_id {
        Some(id) => setup_token::Column::UserId.eq(id),
        None => setup_token::Column::UserId.is_null(),
    };
    setup_token::Entity::update_many()
        .col_expr(
            setup_token::Column::UsedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(owner)
        .filter(setup_token::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

pub async fn replace_recovery_codes(
    db: &impl ConnectionTrait,
    user_id: i64,
    code_hashes: &[String],
    now: Ts,
) -> Result<(), StoreError> {
    recovery_code::Entity::delete_many()
        .filter(recovery_code::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    for h in code_hashes {
        recovery_code::ActiveModel {
            user_id: Set(user_id),
            code_hash: Set(h.clone()),
            used_at: Set(None),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// Uses a recovery code once; true when it matched an unused code.
pub async fn use_recovery_code(
    db: &impl ConnectionTrait,
    user_id: i64,
    code_hash: &str,
    now: Ts,
) -> Result<bool, StoreError> {
    let res = recovery_code::Entity::update_many()
        .col_expr(
            recovery_code::Column::UsedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(recovery_code::Column::UserId.eq(user_id))
        .filter(recovery_code::Column::CodeHash.eq(code_hash))
        .filter(recovery_code::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

pub async fn unused_recovery_codes(
    db: &impl ConnectionTrait,
    user_id: i64,
) -> Result<u64, StoreError> {
    Ok(recovery_code::Entity::find()
        .filter(recovery_code::Column::UserId.eq(user_id))
        .filter(recovery_code::Column::UsedAt.is_null())
        .count(db)
        .await?)
}

/// Turns a user's second factor off: secret, replay step and recovery codes.
pub async fn clear_second_factor(
    db: &impl ConnectionTrait,
    user_id: i64,
    now: Ts,
) -> Result<(), StoreError> {
    update(db, user_id, now, |m| {
        m.totp_enabled_at = Set(None);
        m.totp_secret = Set(None);
        m.totp_last_step = Set(None);
    })
    .await?;
    replace_recovery_codes(db, user_id, &[], now).await
}

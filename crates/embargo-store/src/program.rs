//! Programs and their per-program team members.

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

use crate::entity::{program, program_key, program_member};
use crate::{StoreError, Ts};

pub use program::Model as Program;
pub use program_key::Model as Key;
pub use program_member::Model as Member;

pub async fn create(
    db: &impl ConnectionTrait,
    slug: &str,
    name: &str,
    policy_toml: &str,
    now: Ts,
) -> Result<Program, StoreError> {
    if by_slug(db, slug).await?.is_some() {
        return Err(StoreError::Conflict(format!(
            "a program with slug `{slug}` already exists"
        )));
    }
    // The first program becomes the instance default (its security.txt is the site's).
    let is_default = default(db).await?.is_none();
    Ok(program::ActiveModel {
        slug: Set(slug.to_owned()),
        name: Set(name.to_owned()),
        policy_toml: Set(policy_toml.to_owned()),
        revision: Set(1),
        is_default: Set(is_default),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// Replaces the policy; `expected_revision` guards against overwriting a concurrent edit.
pub async fn update_policy(
    db: &impl ConnectionTrait,
    id: i64,
    name: &str,
    policy_toml: &str,
    expected_revision: Option<i32>,
    now: Ts,
) -> Result<Program, StoreError> {
    let mut q = program::Entity::update_many()
        .col_expr(program::Column::Name, Expr::value(name))
        .col_expr(program::Column::PolicyToml, Expr::value(policy_toml))
        .col_expr(
            program::Column::Revision,
            Expr::col(program::Column::Revision).add(1),
        )
        .col_expr(program::Column::UpdatedAt, Expr::value(now))
        .filter(program::Column::Id.eq(id));
    if let Some(rev) = expected_revision {
        q = q.filter(program::Column::Revision.eq(rev));
    }
    if q.exec(db).await?.rows_affected != 1 {
        return match by_id(db, id).await? {
            None => Err(StoreError::NotFound("program")),
            Some(p) => Err(StoreError::Conflict(format!(
                "the policy was changed by someone else (now at revision {}); reload and apply your edit again",
                p.revision
            ))),
        };
    }
    by_id(db, id).await?.ok_or(StoreError::NotFound("program"))
}

pub async fn by_id(db: &impl ConnectionTrait, id: i64) -> Result<Option<Program>, StoreError> {
    Ok(program::Entity::find_by_id(id).one(db).await?)
}

pub async fn by_slug(db: &impl ConnectionTrait, slug: &str) -> Result<Option<Program>, StoreError> {
    Ok(program::Entity::find()
        .filter(program::Column::Slug.eq(slug))
        .one(db)
        .await?)
}

pub async fn default(db: &impl ConnectionTrait) -> Result<Option<Program>, StoreError> {
    Ok(program::Entity::find()
        .filter(program::Column::IsDefault.eq(true))
        .one(db)
        .await?)
}

pub async fn set_default(db: &impl ConnectionTrait, id: i64) -> Result<(), StoreError> {
    program::Entity::update_many()
        .col_expr(program::Column::IsDefault, Expr::value(false))
        .filter(program::Column::Id.ne(id))
        .exec(db)
        .await?;
    program::Entity::update_many()
        .col_expr(program::Column::IsDefault, Expr::value(true))
        .filter(program::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<Program>, StoreError> {
    Ok(program::Entity::find()
        .order_by_asc(program::Column::Name)
        .all(db)
        .await?)
}

/// Programs a user is a member of, with their role in each.
pub async fn memberships(
    db: &impl ConnectionTrait,
    user_id: i64,
) -> Result<Vec<Member>, StoreError> {
    Ok(program_member::Entity::find()
        .filter(program_member::Column::UserId.eq(user_id))
        .all(db)
        .await?)
}

pub async fn members(
    db: &impl ConnectionTrait,
    program_id: i64,
) -> Result<Vec<Member>, StoreError> {
    Ok(program_member::Entity::find()
        .filter(program_member::Column::ProgramId.eq(program_id))
        .all(db)
        .await?)
}

pub async fn role_of(
    db: &impl ConnectionTrait,
    program_id: i64,
    user_id: i64,
) -> Result<Option<String>, StoreError> {
    Ok(program_member::Entity::find_by_id((program_id, user_id))
        .one(db)
        .await?
        .map(|m| m.role))
}

/// Adds a member or changes their role.
pub async fn set_member(
    db: &impl ConnectionTrait,
    program_id: i64,
    user_id: i64,
    role: &str,
    now: Ts,
) -> Result<(), StoreError> {
    match program_member::Entity::find_by_id((program_id, user_id))
        .one(db)
        .await?
    {
        Some(m) => {
            let mut am: program_member::ActiveModel = m.into();
            am.role = Set(role.to_owned());
            am.update(db).await?;
        }
        None => {
            program_member::ActiveModel {
                program_id: Set(program_id),
                user_id: Set(user_id),
                role: Set(role.to_owned()),
                created_at: Set(now),
            }
            .insert(db)
            .await?;
        }
    }
    Ok(())
}

pub async fn remove_member(
    db: &impl ConnectionTrait,
    program_id: i64,
    user_id: i64,
) -> Result<bool, StoreError> {
    Ok(program_member::Entity::delete_by_id((program_id, user_id))
        .exec(db)
        .await?
        .rows_affected
        == 1)
}

/// The program's current (not retired) OpenPGP key.
pub async fn current_key(
    db: &impl ConnectionTrait,
    program_id: i64,
) -> Result<Option<Key>, StoreError> {
    Ok(program_key::Entity::find()
        .filter(program_key::Column::ProgramId.eq(program_id))
        .filter(program_key::Column::RetiredAt.is_null())
        .order_by_desc(program_key::Column::Id)
        .one(db)
        .await?)
}

/// Every key of the program, newest first (retired ones stay published).
pub async fn keys(db: &impl ConnectionTrait, program_id: i64) -> Result<Vec<Key>, StoreError> {
    Ok(program_key::Entity::find()
        .filter(program_key::Column::ProgramId.eq(program_id))
        .order_by_desc(program_key::Column::Id)
        .all(db)
        .await?)
}

pub async fn add_key(
    db: &impl ConnectionTrait,
    program_id: i64,
    fingerprint: &str,
    public_armored: &str,
    secret_sealed: &str,
    now: Ts,
) -> Result<Key, StoreError> {
    Ok(program_key::ActiveModel {
        program_id: Set(program_id),
        fingerprint: Set(fingerprint.to_owned()),
        public_armored: Set(public_armored.to_owned()),
        secret_sealed: Set(secret_sealed.to_owned()),
        created_at: Set(now),
        retired_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

pub use crate::entity::response_template::Model as ResponseTemplate;

/// The team's response templates of a program, by name.
pub async fn templates(
    db: &impl ConnectionTrait,
    program_id: i64,
) -> Result<Vec<ResponseTemplate>, StoreError> {
    use crate::entity::response_template as t;
    Ok(t::Entity::find()
        .filter(t::Column::ProgramId.eq(program_id))
        .order_by_asc(t::Column::Name)
        .all(db)
        .await?)
}

/// Adds a template, or replaces the body of the one with the same name.
pub async fn save_template(
    db: &impl ConnectionTrait,
    program_id: i64,
    name: &str,
    body: &str,
    now: Ts,
) -> Result<ResponseTemplate, StoreError> {
    use crate::entity::response_template as t;
    let existing = t::Entity::find()
        .filter(t::Column::ProgramId.eq(program_id))
        .filter(t::Column::Name.eq(name))
        .one(db)
        .await?;
    Ok(match existing {
        Some(m) => {
            let mut am: t::ActiveModel = m.into();
            am.body = Set(body.to_owned());
            am.updated_at = Set(now);
            am.update(db).await?
        }
        None => {
            t::ActiveModel {
                program_id: Set(program_id),
                name: Set(name.to_owned()),
                body: Set(body.to_owned()),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await?
        }
    })
}

pub async fn delete_template(
    db: &impl ConnectionTrait,
    program_id: i64,
    id: i64,
) -> Result<bool, StoreError> {
    use crate::entity::response_template as t;
    Ok(t::Entity::delete_many()
        .filter(t::Column::ProgramId.eq(program_id))
        .filter(t::Column::Id.eq(id))
        .exec(db)
        .await?
        .rows_affected
        == 1)
}

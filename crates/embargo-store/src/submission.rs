//! Raw submissions: every report as received, sealed, stored before it is processed.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use crate::entity::submission;
use crate::{StoreError, Ts};

pub use submission::Model as Submission;

pub const RECEIVED: &str = "received";
pub const PROCESSED: &str = "processed";
pub const QUARANTINED: &str = "quarantined";

pub async fn insert(
    db: &impl ConnectionTrait,
    program_id: Option<i64>,
    channel: &str,
    raw_sealed: &str,
    size: i64,
    now: Ts,
) -> Result<Submission, StoreError> {
    Ok(submission::ActiveModel {
        program_id: Set(program_id),
        channel: Set(channel.to_owned()),
        received_at: Set(now),
        raw: Set(raw_sealed.to_owned()),
        size: Set(size),
        state: Set(RECEIVED.to_owned()),
        case_id: Set(None),
        error: Set(None),
        processed_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// A submission processed in the same transaction that stores it.
pub struct Processed<'a> {
    pub program_id: Option<i64>,
    pub channel: &'a str,
    pub raw_sealed: &'a str,
    pub size: i64,
    pub case_id: i64,
    pub at: Ts,
}

/// Stores submissions that were processed in the same transaction (web form and API: their
/// cases already exist), in one statement: no `received` row to update afterwards, no
/// read-back.
pub async fn insert_processed(
    db: &impl ConnectionTrait,
    rows: &[Processed<'_>],
) -> Result<(), StoreError> {
    submission::Entity::insert_many(rows.iter().map(|r| submission::ActiveModel {
        program_id: Set(r.program_id),
        channel: Set(r.channel.to_owned()),
        received_at: Set(r.at),
        raw: Set(r.raw_sealed.to_owned()),
        size: Set(r.size),
        state: Set(PROCESSED.to_owned()),
        case_id: Set(Some(r.case_id)),
        error: Set(None),
        processed_at: Set(Some(r.at)),
        ..Default::default()
    }))
    .exec_without_returning(db)
    .await?;
    Ok(())
}

pub async fn mark_processed(
    db: &impl ConnectionTrait,
    id: i64,
    case_id: i64,
    now: Ts,
) -> Result<(), StoreError> {
    submission::Entity::update_many()
        .col_expr(submission::Column::State, Expr::value(PROCESSED))
        .col_expr(submission::Column::CaseId, Expr::value(case_id))
        .col_expr(
            submission::Column::Error,
            Expr::value(Option::<String>::None),
        )
        .col_expr(submission::Column::ProcessedAt, Expr::value(now))
        .filter(submission::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn quarantine(
    db: &impl ConnectionTrait,
    id: i64,
    error: &str,
    now: Ts,
) -> Result<(), StoreError> {
    submission::Entity::update_many()
        .col_expr(submission::Column::State, Expr::value(QUARANTINED))
        .col_expr(submission::Column::Error, Expr::value(error))
        .col_expr(submission::Column::ProcessedAt, Expr::value(now))
        .filter(submission::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn get(db: &impl ConnectionTrait, id: i64) -> Result<Option<Submission>, StoreError> {
    Ok(submission::Entity::find_by_id(id).one(db).await?)
}

pub async fn in_state(
    db: &impl ConnectionTrait,
    state: &str,
    limit: u64,
) -> Result<Vec<Submission>, StoreError> {
    Ok(submission::Entity::find()
        .filter(submission::Column::State.eq(state))
        .order_by_asc(submission::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

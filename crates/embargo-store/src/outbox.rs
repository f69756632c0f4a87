//! The outbox: mail and webhook deliveries written in the transaction of the change that caused
//! them, then claimed, delivered and retried by the outbox job, with every attempt logged.
//!
//! A row is claimed by a conditional `UPDATE` that pushes `next_attempt_at` past the claim
//! window, so two instances never send the same row at once; a sender that dies mid-delivery
//! leaves the row to be retried after the window (delivery is at-least-once).

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::entity::{outbox, outbox_attempt, webhook};
use crate::job::is_unique_violation;
use crate::{StoreError, Ts};

pub use outbox::Model as Delivery;
pub use outbox_attempt::Model as Attempt;
pub use webhook::Model as Webhook;

pub const MAIL: &str = "mail";
pub const WEBHOOK: &str = "webhook";

pub const PENDING: &str = "pending";
pub const SENT: &str = "sent";
pub const FAILED: &str = "failed";

/// A delivery to write.
#[derive(Debug, Clone)]
pub struct NewDelivery<'a> {
    pub kind: &'a str,
    pub program_id: Option<i64>,
    pub case_id: Option<i64>,
    pub webhook_id: Option<i64>,
    pub event: &'a str,
    pub dedupe_key: Option<&'a str>,
    pub summary_sealed: &'a str,
    pub payload_sealed: &'a str,
}

/// Writes a delivery, due at once. With a `dedupe_key` already present, nothing is written and
/// the answer is false.
pub async fn enqueue(
    db: &impl ConnectionTrait,
    d: NewDelivery<'_>,
    now: Ts,
) -> Result<bool, StoreError> {
    if let Some(key) = d.dedupe_key {
        let exists = outbox::Entity::find()
            .filter(outbox::Column::DedupeKey.eq(key))
            .count(db)
            .await?
            > 0;
        if exists {
            return Ok(false);
        }
    }
    let res = outbox::ActiveModel {
        kind: Set(d.kind.to_owned()),
        program_id: Set(d.program_id),
        case_id: Set(d.case_id),
        webhook_id: Set(d.webhook_id),
        event: Set(d.event.to_owned()),
        dedupe_key: Set(d.dedupe_key.map(str::to_owned)),
        summary: Set(d.summary_sealed.to_owned()),
        payload: Set(d.payload_sealed.to_owned()),
        state: Set(PENDING.to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        last_error: Set(None),
        created_at: Set(now),
        sent_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(StoreError::from);
    match res {
        Ok(_) => Ok(true),
        Err(e) if d.dedupe_key.is_some() && is_unique_violation(&e) => Ok(false),
        Err(e) => Err(e),
    }
}

fn due(now: Ts) -> Condition {
    Condition::all()
        .add(outbox::Column::State.eq(PENDING))
        .add(outbox::Column::NextAttemptAt.lte(now))
}

/// Claims up to `limit` due deliveries of the given kinds until `now + window`.
pub async fn claim_due(
    db: &impl ConnectionTrait,
    kinds: &[&str],
    now: Ts,
    window: chrono::Duration,
    limit: u64,
) -> Result<Vec<Delivery>, StoreError> {
    let candidates = outbox::Entity::find()
        .filter(due(now))
        .filter(outbox::Column::Kind.is_in(kinds.iter().copied()))
        .order_by_asc(outbox::Column::NextAttemptAt)
        .order_by_asc(outbox::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    let mut claimed = Vec::new();
    for c in candidates {
        let res = outbox::Entity::update_many()
            .col_expr(outbox::Column::NextAttemptAt, Expr::value(now + window))
            .col_expr(
                outbox::Column::Attempts,
                Expr::col(outbox::Column::Attempts).add(1),
            )
            .filter(outbox::Column::Id.eq(c.id))
            .filter(due(now))
            .exec(db)
            .await?;
        if res.rows_affected == 1 {
            claimed.push(Delivery {
                attempts: c.attempts + 1,
                next_attempt_at: now + window,
                ..c
            });
        }
    }
    Ok(claimed)
}

/// Records an attempt and its outcome: sent (the payload is cleared), retry at `retry_at`, or
/// given up (`retry_at` None).
pub async fn record_attempt(
    db: &impl ConnectionTrait,
    id: i64,
    outcome: Result<&str, &str>,
    retry_at: Option<Ts>,
    duration_ms: i64,
    now: Ts,
) -> Result<(), StoreError> {
    let (ok, detail) = match outcome {
        Ok(d) => (true, d),
        Err(e) => (false, e),
    };
    outbox_attempt::ActiveModel {
        outbox_id: Set(id),
        at: Set(now),
        ok: Set(ok),
        detail: Set(detail.chars().take(2000).collect()),
        duration_ms: Set(duration_ms),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let q = outbox::Entity::update_many().filter(outbox::Column::Id.eq(id));
    let q = if ok {
        q.col_expr(outbox::Column::State, Expr::value(SENT))
            .col_expr(outbox::Column::SentAt, Expr::value(now))
            .col_expr(outbox::Column::Payload, Expr::value(""))
            .col_expr(
                outbox::Column::LastError,
                Expr::value(Option::<String>::None),
            )
    } else {
        let q = q.col_expr(outbox::Column::LastError, Expr::value(detail));
        match retry_at {
            Some(at) => q.col_expr(outbox::Column::NextAttemptAt, Expr::value(at)),
            None => q.col_expr(outbox::Column::State, Expr::value(FAILED)),
        }
    };
    q.exec(db).await?;
    Ok(())
}

/// Puts a failed (or pending) delivery back in the queue, due now.
pub async fn retry(db: &impl ConnectionTrait, id: i64, now: Ts) -> Result<bool, StoreError> {
    let res = outbox::Entity::update_many()
        .col_expr(outbox::Column::State, Expr::value(PENDING))
        .col_expr(outbox::Column::NextAttemptAt, Expr::value(now))
        .col_expr(outbox::Column::Attempts, Expr::value(0))
        .filter(outbox::Column::Id.eq(id))
        .filter(outbox::Column::State.ne(SENT))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

pub async fn get(db: &impl ConnectionTrait, id: i64) -> Result<Option<Delivery>, StoreError> {
    Ok(outbox::Entity::find_by_id(id).one(db).await?)
}

/// Newest first; optionally one kind, one state, one webhook.
pub async fn list(
    db: &impl ConnectionTrait,
    kind: Option<&str>,
    state: Option<&str>,
    webhook_id: Option<i64>,
    limit: u64,
) -> Result<Vec<Delivery>, StoreError> {
    let mut q = outbox::Entity::find();
    if let Some(k) = kind {
        q = q.filter(outbox::Column::Kind.eq(k));
    }
    if let Some(s) = state {
        q = q.filter(outbox::Column::State.eq(s));
    }
    if let Some(w) = webhook_id {
        q = q.filter(outbox::Column::WebhookId.eq(w));
    }
    Ok(q.order_by_desc(outbox::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

pub async fn attempts(db: &impl ConnectionTrait, id: i64) -> Result<Vec<Attempt>, StoreError> {
    Ok(outbox_attempt::Entity::find()
        .filter(outbox_attempt::Column::OutboxId.eq(id))
        .order_by_asc(outbox_attempt::Column::Id)
        .all(db)
        .await?)
}

pub async fn add_webhook(
    db: &impl ConnectionTrait,
    program_id: i64,
    url: &str,
    secret_sealed: &str,
    events: &str,
    now: Ts,
) -> Result<Webhook, StoreError> {
    Ok(webhook::ActiveModel {
        program_id: Set(program_id),
        url: Set(url.to_owned()),
        secret: Set(secret_sealed.to_owned()),
        events: Set(events.to_owned()),
        active: Set(true),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

pub async fn webhooks(
    db: &impl ConnectionTrait,
    program_id: i64,
) -> Result<Vec<Webhook>, StoreError> {
    Ok(webhook::Entity::find()
        .filter(webhook::Column::ProgramId.eq(program_id))
        .order_by_asc(webhook::Column::Id)
        .all(db)
        .await?)
}

pub async fn webhook(db: &impl ConnectionTrait, id: i64) -> Result<Option<Webhook>, StoreError> {
    Ok(webhook::Entity::find_by_id(id).one(db).await?)
}

pub async fn set_webhook_active(
    db: &impl ConnectionTrait,
    id: i64,
    active: bool,
) -> Result<(), StoreError> {
    webhook::Entity::update_many()
        .col_expr(webhook::Column::Active, Expr::value(active))
        .filter(webhook::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn delete_webhook(db: &impl ConnectionTrait, id: i64) -> Result<(), StoreError> {
    webhook::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

//! The job queue with database leases.
//!
//! A runner owns a job only while `lease_until` is in the future and `lease_owner` is its id.
//! Claiming is a conditional `UPDATE … WHERE lease expired` (portable to SQLite and PostgreSQL;
//! exactly one of several racing runners sees `rows_affected = 1`), so two instances sharing a
//! database never run the same job at once, and a job whose owner died is picked up again once
//! its lease has expired.

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use crate::entity::{job, job_run};
use crate::{StoreError, Ts};

pub use job::Model as Job;
pub use job_run::Model as JobRun;

pub const PENDING: &str = "pending";
pub const RUNNING: &str = "running";
pub const DONE: &str = "done";
pub const FAILED: &str = "failed";

/// Makes sure a periodic job exists (idempotent: one row per kind).
pub async fn ensure_periodic(
    db: &impl ConnectionTrait,
    kind: &str,
    interval_secs: i64,
    first_run: Ts,
    now: Ts,
) -> Result<(), StoreError> {
    let existing = job::Entity::find()
        .filter(job::Column::Kind.eq(kind))
        .filter(job::Column::Key.eq("periodic"))
        .one(db)
        .await?;
    match existing {
        Some(j) if j.interval_secs == Some(interval_secs) => Ok(()),
        Some(j) => {
            job::Entity::update_many()
                .col_expr(job::Column::IntervalSecs, Expr::value(interval_secs))
                .filter(job::Column::Id.eq(j.id))
                .exec(db)
                .await?;
            Ok(())
        }
        None => insert(
            db,
            kind,
            "periodic",
            "{}",
            first_run,
            Some(interval_secs),
            1000,
            now,
        )
        .await
        .map(|_| ())
        // Another instance created it first.
        .or_else(|e| {
            if is_unique_violation(&e) {
                Ok(())
            } else {
                Err(e)
            }
        }),
    }
}

/// Enqueues a one-off job; a second enqueue with the same (kind, key) is a no-op returning
/// false, which makes scheduling idempotent.
pub async fn enqueue(
    db: &impl ConnectionTrait,
    kind: &str,
    key: &str,
    payload: &str,
    run_at: Ts,
    max_attempts: i32,
    now: Ts,
) -> Result<bool, StoreError> {
    let exists = job::Entity::find()
        .filter(job::Column::Kind.eq(kind))
        .filter(job::Column::Key.eq(key))
        .one(db)
        .await?
        .is_some();
    if exists {
        return Ok(false);
    }
    match insert(db, kind, key, payload, run_at, None, max_attempts, now).await {
        Ok(_) => Ok(true),
        Err(e) if is_unique_violation(&e) => Ok(false),
        Err(e) => Err(e),
    }
}

#[expect(clippy::too_many_arguments, reason = "one row, one place")]
async fn insert(
    db: &impl ConnectionTrait,
    kind: &str,
    key: &str,
    payload: &str,
    run_at: Ts,
    interval_secs: Option<i64>,
    max_attempts: i32,
    now: Ts,
) -> Result<Job, StoreError> {
    Ok(job::ActiveModel {
        kind: Set(kind.to_owned()),
        key: Set(key.to_owned()),
        payload: Set(payload.to_owned()),
        state: Set(PENDING.to_owned()),
        run_at: Set(run_at),
        interval_secs: Set(interval_secs),
        attempts: Set(0),
        max_attempts: Set(max_attempts),
        lease_owner: Set(None),
        lease_until: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

pub(crate) fn is_unique_violation(e: &StoreError) -> bool {
    let s = e.to_string().to_lowercase();
    s.contains("unique") || s.contains("duplicate key")
}

fn claimable(now: Ts) -> Condition {
    Condition::all()
        .add(job::Column::State.is_in([PENDING, RUNNING]))
        .add(job::Column::RunAt.lte(now))
        .add(
            Condition::any()
                .add(job::Column::LeaseUntil.is_null())
                .add(job::Column::LeaseUntil.lt(now)),
        )
}

/// Claims up to `limit` due jobs for `owner` until `now + lease`. Each claim is its own
/// conditional update, so racing runners split the work without overlap.
pub async fn claim_due(
    db: &impl ConnectionTrait,
    owner: &str,
    now: Ts,
    lease: chrono::Duration,
    limit: u64,
) -> Result<Vec<Job>, StoreError> {
    let candidates = job::Entity::find()
        .filter(claimable(now))
        .order_by_asc(job::Column::RunAt)
        .limit(limit)
        .all(db)
        .await?;
    let mut claimed = Vec::new();
    for c in candidates {
        let res = job::Entity::update_many()
            .col_expr(job::Column::LeaseOwner, Expr::value(owner))
            .col_expr(job::Column::LeaseUntil, Expr::value(now + lease))
            .col_expr(job::Column::State, Expr::value(RUNNING))
            .col_expr(
                job::Column::Attempts,
                Expr::col(job::Column::Attempts).add(1),
            )
            .col_expr(job::Column::UpdatedAt, Expr::value(now))
            .filter(job::Column::Id.eq(c.id))
            .filter(claimable(now))
            .exec(db)
            .await?;
        if res.rows_affected == 1
            && let Some(j) = job::Entity::find_by_id(c.id).one(db).await?
        {
            claimed.push(j);
        }
    }
    Ok(claimed)
}

/// Finishes a run: periodic jobs are rescheduled, one-off jobs become `done`. Only the lease
/// holder can finish; false means the lease had been lost (and the result is discarded).
pub async fn complete(
    db: &impl ConnectionTrait,
    j: &Job,
    owner: &str,
    now: Ts,
) -> Result<bool, StoreError> {
    let mut q = job::Entity::update_many()
        .col_expr(job::Column::LeaseOwner, Expr::value(Option::<String>::None))
        .col_expr(job::Column::LeaseUntil, Expr::value(Option::<Ts>::None))
        .col_expr(job::Column::LastError, Expr::value(Option::<String>::None))
        .col_expr(job::Column::UpdatedAt, Expr::value(now));
    q = match j.interval_secs {
        Some(secs) => q
            .col_expr(job::Column::State, Expr::value(PENDING))
            .col_expr(job::Column::Attempts, Expr::value(0))
            .col_expr(
                job::Column::RunAt,
                Expr::value(now + chrono::Duration::seconds(secs)),
            ),
        None => q.col_expr(job::Column::State, Expr::value(DONE)),
    };
    let res = q
        .filter(job::Column::Id.eq(j.id))
        .filter(job::Column::LeaseOwner.eq(owner))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Records a failed run: retried at `retry_at` until `max_attempts`, then `failed`
/// (periodic jobs always retry at their next interval).
pub async fn fail(
    db: &impl ConnectionTrait,
    j: &Job,
    owner: &str,
    error: &str,
    retry_at: Ts,
    now: Ts,
) -> Result<bool, StoreError> {
    let give_up = j.interval_secs.is_none() && j.attempts >= j.max_attempts;
    let res = job::Entity::update_many()
        .col_expr(job::Column::LeaseOwner, Expr::value(Option::<String>::None))
        .col_expr(job::Column::LeaseUntil, Expr::value(Option::<Ts>::None))
        .col_expr(job::Column::LastError, Expr::value(error))
        .col_expr(
            job::Column::State,
            Expr::value(if give_up { FAILED } else { PENDING }),
        )
        .col_expr(job::Column::RunAt, Expr::value(retry_at))
        .col_expr(job::Column::UpdatedAt, Expr::value(now))
        .filter(job::Column::Id.eq(j.id))
        .filter(job::Column::LeaseOwner.eq(owner))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

pub async fn get(db: &impl ConnectionTrait, id: i64) -> Result<Option<Job>, StoreError> {
    Ok(job::Entity::find_by_id(id).one(db).await?)
}

pub async fn by_kind(db: &impl ConnectionTrait, kind: &str) -> Result<Vec<Job>, StoreError> {
    Ok(job::Entity::find()
        .filter(job::Column::Kind.eq(kind))
        .order_by_asc(job::Column::Id)
        .all(db)
        .await?)
}

pub async fn start_run(
    db: &impl ConnectionTrait,
    j: &Job,
    owner: &str,
    now: Ts,
) -> Result<i64, StoreError> {
    Ok(job_run::ActiveModel {
        job_id: Set(j.id),
        kind: Set(j.kind.clone()),
        owner: Set(owner.to_owned()),
        started_at: Set(now),
        finished_at: Set(None),
        outcome: Set(RUNNING.to_owned()),
        error: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?
    .id)
}

pub async fn finish_run(
    db: &impl ConnectionTrait,
    run_id: i64,
    outcome: &str,
    error: Option<&str>,
    now: Ts,
) -> Result<(), StoreError> {
    job_run::Entity::update_many()
        .col_expr(job_run::Column::FinishedAt, Expr::value(now))
        .col_expr(job_run::Column::Outcome, Expr::value(outcome))
        .col_expr(
            job_run::Column::Error,
            Expr::value(error.map(str::to_owned)),
        )
        .filter(job_run::Column::Id.eq(run_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Deletes the record of runs that finished before `cutoff` (frequent jobs such as the outbox
/// would otherwise grow the table without bound).
pub async fn prune_runs(db: &impl ConnectionTrait, cutoff: Ts) -> Result<u64, StoreError> {
    Ok(job_run::Entity::delete_many()
        .filter(job_run::Column::FinishedAt.lt(cutoff))
        .exec(db)
        .await?
        .rows_affected)
}

//! Failed-login counters behind the progressive back-off (per account and per IP).

use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set};

use crate::entity::login_throttle;
use crate::{StoreError, Ts};

pub use login_throttle::Model as Throttle;

pub async fn get(db: &impl ConnectionTrait, key: &str) -> Result<Option<Throttle>, StoreError> {
    Ok(login_throttle::Entity::find_by_id(key.to_owned())
        .one(db)
        .await?)
}

/// Records one more failure and the time before which further attempts are refused.
/// `backoff` maps the new failure count to a delay.
pub async fn record_failure(
    db: &impl ConnectionTrait,
    key: &str,
    now: Ts,
    backoff: impl Fn(i32) -> chrono::Duration,
) -> Result<Throttle, StoreError> {
    let current = get(db, key).await?;
    let failures = current
        .as_ref()
        .map(|t| t.failures)
        .unwrap_or(0)
        .saturating_add(1);
    let am = login_throttle::ActiveModel {
        key: Set(key.to_owned()),
        failures: Set(failures),
        last_failure_at: Set(now),
        blocked_until: Set(now + backoff(failures)),
    };
    Ok(if current.is_some() {
        am.update(db).await?
    } else {
        am.insert(db).await?
    })
}

pub async fn clear(db: &impl ConnectionTrait, key: &str) -> Result<(), StoreError> {
    login_throttle::Entity::delete_by_id(key.to_owned())
        .exec(db)
        .await?;
    Ok(())
}

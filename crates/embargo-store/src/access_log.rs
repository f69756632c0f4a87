//! The HTTP access log and its privacy retention: after the window, IPs become
//! `sha256(salt ‖ ip)`.

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::entity::access_log;
use crate::{StoreError, Ts};

pub use access_log::Model as AccessEntry;

#[derive(Debug, Clone)]
pub struct NewAccess {
    pub at: Ts,
    pub request_id: String,
    pub method: String,
    pub route: String,
    pub status: i32,
    pub duration_us: i64,
    pub ip: String,
}

/// Inserts a batch (the server buffers entries and writes them together).
pub async fn insert_batch(db: &impl ConnectionTrait, rows: &[NewAccess]) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    let models = rows.iter().map(|r| access_log::ActiveModel {
        at: Set(crate::micros(r.at)),
        request_id: Set(r.request_id.clone()),
        method: Set(r.method.clone()),
        route: Set(r.route.clone()),
        status: Set(r.status),
        duration_us: Set(r.duration_us),
        ip: Set(r.ip.clone()),
        ip_hashed: Set(false),
        ..Default::default()
    });
    access_log::Entity::insert_many(models).exec(db).await?;
    Ok(())
}

pub async fn recent(db: &impl ConnectionTrait, limit: u64) -> Result<Vec<AccessEntry>, StoreError> {
    Ok(access_log::Entity::find()
        .order_by_desc(access_log::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// Replaces the IP of every entry older than `cutoff` by `hash(ip)`; returns rows changed.
/// Works per distinct address so the update count stays small.
pub async fn hash_ips_before(
    db: &impl ConnectionTrait,
    cutoff: Ts,
    hash: impl Fn(&str) -> String,
) -> Result<u64, StoreError> {
    let ips: Vec<String> = access_log::Entity::find()
        .select_only()
        .column(access_log::Column::Ip)
        .distinct()
        .filter(access_log::Column::IpHashed.eq(false))
        .filter(access_log::Column::At.lt(cutoff))
        .into_tuple()
        .all(db)
        .await?;
    let mut changed = 0;
    for ip in ips {
        let res = access_log::Entity::update_many()
            .col_expr(
                access_log::Column::Ip,
                sea_orm::sea_query::Expr::value(hash(&ip)),
            )
            .col_expr(
                access_log::Column::IpHashed,
                sea_orm::sea_query::Expr::value(true),
            )
            .filter(access_log::Column::Ip.eq(ip))
            .filter(access_log::Column::IpHashed.eq(false))
            .filter(access_log::Column::At.lt(cutoff))
            .exec(db)
            .await?;
        changed += res.rows_affected;
    }
    Ok(changed)
}

/// Deletes entries older than `cutoff`; returns how many.
pub async fn delete_before(db: &impl ConnectionTrait, cutoff: Ts) -> Result<u64, StoreError> {
    Ok(access_log::Entity::delete_many()
        .filter(access_log::Column::At.lt(cutoff))
        .exec(db)
        .await?
        .rows_affected)
}

//! The append-only, hash-chained audit log.
//!
//! Entry `n` stores `hash_n = sha256(hash_{n-1} ‖ canonical(entry_n))`, so editing, deleting or
//! reordering any row breaks every later link; `verify` finds the first broken one. Appending
//! first bumps the single `audit_head` row, which on PostgreSQL row-locks it until commit, so
//! concurrent appenders queue instead of forking the chain (SQLite serialises writers anyway).

use chrono::SecondsFormat;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::entity::{audit_head, audit_log};
use crate::{StoreError, Ts, sha256_hex, stmt};

pub use audit_log::Model as AuditEntry;

/// The `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

pub struct NewEntry<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub target: &'a str,
    /// JSON object with the action's details (never secrets).
    pub detail: &'a str,
    pub ip: &'a str,
}

/// The bytes an entry's hash commits to, besides the previous hash.
fn canonical(
    seq: i64,
    at: Ts,
    actor: &str,
    action: &str,
    target: &str,
    detail: &str,
    ip: &str,
) -> String {
    let at = at.to_rfc3339_opts(SecondsFormat::Micros, true);
    // A JSON array is an unambiguous encoding of the fields (no delimiter confusion).
    serde_json::json!([seq, at, actor, action, target, detail, ip]).to_string()
}

fn link(prev: &str, body: &str) -> String {
    sha256_hex(format!("{prev}\n{body}").as_bytes())
}

/// Appends an entry in the caller's transaction; returns its sequence number.
pub async fn append(
    db: &impl ConnectionTrait,
    e: NewEntry<'_>,
    now: Ts,
) -> Result<i64, StoreError> {
    append_many(db, &[(e, now)])
        .await?
        .first()
        .copied()
        .ok_or_else(|| StoreError::Corrupt("no audit entry was appended".into()))
}

/// Appends entries, in the order given, in the caller's transaction; returns their sequence
/// numbers. Three statements however many entries: bump the head by their number and read it
/// back (`UPDATE … RETURNING`, which on PostgreSQL also row-locks it until commit), insert the
/// entries, store the new head hash.
pub async fn append_many(
    db: &impl ConnectionTrait,
    entries: &[(NewEntry<'_>, Ts)],
) -> Result<Vec<i64>, StoreError> {
    if entries.is_empty() {
        return Ok(Vec::new());
    }
    let backend = db.get_database_backend();
    let n = entries.len() as i64;
    let head = db
        .query_one_raw(stmt(
            backend,
            "UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash",
            [n.into()],
        ))
        .await?
        .ok_or_else(|| StoreError::Corrupt("audit_head row is missing".into()))?;
    let last: i64 = head.try_get("", "seq")?;
    let mut prev: String = head.try_get("", "hash")?;
    let mut rows = Vec::with_capacity(entries.len());
    let mut seqs = Vec::with_capacity(entries.len());
    for (i, (e, now)) in entries.iter().enumerate() {
        let seq = last - n + 1 + i as i64;
        let at = crate::micros(*now);
        let body = canonical(seq, at, e.actor, e.action, e.target, e.detail, e.ip);
        let hash = link(&prev, &body);
        rows.push(audit_log::ActiveModel {
            seq: Set(seq),
            at: Set(at),
            actor: Set(e.actor.to_owned()),
            action: Set(e.action.to_owned()),
            target: Set(e.target.to_owned()),
            detail: Set(e.detail.to_owned()),
            ip: Set(e.ip.to_owned()),
            prev_hash: Set(std::mem::replace(&mut prev, hash.clone())),
            hash: Set(hash),
        });
        seqs.push(seq);
    }
    audit_log::Entity::insert_many(rows)
        .exec_without_returning(db)
        .await?;
    db.execute_raw(stmt(
        backend,
        "UPDATE audit_head SET hash = $1 WHERE id = 1",
        [prev.into()],
    ))
    .await?;
    Ok(seqs)
}

/// Newest first, for the admin page.
pub async fn recent(db: &impl ConnectionTrait, limit: u64) -> Result<Vec<AuditEntry>, StoreError> {
    Ok(audit_log::Entity::find()
        .order_by_desc(audit_log::Column::Seq)
        .limit(limit)
        .all(db)
        .await?)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every link holds; `entries` were checked.
    Intact { entries: u64 },
    /// The first entry whose stored hash or back-link does not match.
    Broken { seq: i64, reason: String },
}

/// Walks the whole chain in order and reports the first broken link.
pub async fn verify(db: &impl ConnectionTrait) -> Result<Verdict, StoreError> {
    const BATCH: u64 = 1000;
    let mut prev = GENESIS.to_owned();
    let mut expected_seq = 1i64;
    let mut checked = 0u64;
    loop {
        let rows = audit_log::Entity::find()
            .filter(audit_log::Column::Seq.gte(expected_seq))
            .order_by_asc(audit_log::Column::Seq)
            .limit(BATCH)
            .all(db)
            .await?;
        if rows.is_empty() {
            break;
        }
        for r in &rows {
            if r.seq != expected_seq {
                return Ok(Verdict::Broken {
                    seq: expected_seq,
                    reason: format!("entry {expected_seq} is missing (next is {})", r.seq),
                });
            }
            if r.prev_hash != prev {
                return Ok(Verdict::Broken {
                    seq: r.seq,
                    reason: "prev_hash does not match the previous entry's hash".into(),
                });
            }
            let body = canonical(
                r.seq, r.at, &r.actor, &r.action, &r.target, &r.detail, &r.ip,
            );
            if link(&prev, &body) != r.hash {
                return Ok(Verdict::Broken {
                    seq: r.seq,
                    reason: "content does not match its hash (the row was edited)".into(),
                });
            }
            prev = r.hash.clone();
            expected_seq += 1;
            checked += 1;
        }
    }
    let head = audit_head::Entity::find_by_id(1)
        .one(db)
        .await?
        .ok_or_else(|| StoreError::Corrupt("audit_head row is missing".into()))?;
    if head.seq != expected_seq - 1 || head.hash != prev {
        return Ok(Verdict::Broken {
            seq: expected_seq,
            reason: format!(
                "the chain ends at entry {} but the head records entry {} (entries were removed from the end)",
                expected_seq - 1,
                head.seq
            ),
        });
    }
    Ok(Verdict::Intact { entries: checked })
}

#[cfg(all(test, feature = "testing"))]
#[expect(clippy::unwrap_used, reason = "tests")]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::testing;

    fn entry(target: &str) -> NewEntry<'_> {
        NewEntry {
            actor: "anonymous",
            action: "case.created",
            target,
            detail: "{}",
            ip: "127.0.0.1",
        }
    }

    /// Entries appended together chain exactly like entries appended one by one.
    #[tokio::test]
    async fn entries_appended_together_continue_the_chain() {
        for db in testing::all().await {
            let at = |s: i64| Utc.timestamp_opt(1_800_000_000 + s, 0).unwrap();
            let txn = db.store.begin().await.unwrap();
            assert_eq!(append(&txn, entry("case:1"), at(1)).await.unwrap(), 1);
            let many = [
                (entry("case:2"), at(2)),
                (entry("case:3"), at(3)),
                (entry("case:4"), at(4)),
            ];
            assert_eq!(append_many(&txn, &many).await.unwrap(), vec![2, 3, 4]);
            assert!(append_many(&txn, &[]).await.unwrap().is_empty());
            assert_eq!(append(&txn, entry("case:5"), at(5)).await.unwrap(), 5);
            txn.commit().await.unwrap();
            assert_eq!(
                verify(db.store.conn()).await.unwrap(),
                Verdict::Intact { entries: 5 },
                "{}",
                db.name
            );
            let targets: Vec<String> = recent(db.store.conn(), 10)
                .await
                .unwrap()
                .into_iter()
                .map(|e| e.target)
                .collect();
            assert_eq!(targets, ["case:5", "case:4", "case:3", "case:2", "case:1"]);
            db.cleanup().await;
        }
    }
}

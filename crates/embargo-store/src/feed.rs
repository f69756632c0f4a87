//! The vulnerability feed's tables (`feed_records`, `feed_aliases`, `feed_packages`,
//! migration 0009): batched upserts for ingest, and the indexed look-ups the feed answers
//! (by id or alias, by package key, by OSV ecosystem and name).
//!
//! Ingest speed is dominated by round trips, so every write here is one multi-row statement per
//! table and chunk, in the caller's transaction; a batch of a thousand records is a handful of
//! statements whatever its size.

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, QueryResult, Value};

use crate::{StoreError, Ts, stmt};

/// Bound parameters per statement: well under SQLite's 32,766 and PostgreSQL's 65,535.
const MAX_PARAMS: usize = 16_000;

/// One package a record affects, as indexed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PackageRow {
    /// Normalised package key (a purl without version, e.g. `pkg:pypi/django`).
    pub key: String,
    /// The OSV ecosystem as written (`PyPI`, `Debian:12`).
    pub ecosystem: String,
    /// The OSV package name as written.
    pub name: String,
}

/// A record to insert or replace.
#[derive(Debug, Clone)]
pub struct NewRecord {
    pub source: String,
    pub record_id: String,
    pub modified: String,
    pub withdrawn: Option<String>,
    /// sha256 hex of `body`.
    pub digest: String,
    /// Canonical OSV JSON.
    pub body: String,
    pub origin: String,
    pub aliases: Vec<String>,
    pub packages: Vec<PackageRow>,
}

/// A stored record with its provenance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedRecord {
    pub pk: i64,
    pub source: String,
    pub record_id: String,
    pub modified: String,
    pub withdrawn: Option<String>,
    pub digest: String,
    pub body: String,
    pub origin: String,
    pub ingested_at: Ts,
    pub updated_at: Ts,
}

/// What is stored for a (source, record id): enough to decide skip / replace without loading
/// the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Existing {
    pub pk: i64,
    pub digest: String,
    pub modified: String,
}

const RECORD_COLUMNS: &str =
    "id, source, record_id, modified, withdrawn, digest, body, origin, ingested_at, updated_at";

fn placeholders(rows: usize, cols: usize) -> String {
    let mut s = String::with_capacity(rows * cols * 5);
    for r in 0..rows {
        if r > 0 {
            s.push(',');
        }
        s.push('(');
        for c in 0..cols {
            if c > 0 {
                s.push(',');
            }
            s.push('$');
            s.push_str(&(r * cols + c + 1).to_string());
        }
        s.push(')');
    }
    s
}

fn list(n: usize, from: usize) -> String {
    (0..n)
        .map(|i| format!("${}", from + i))
        .collect::<Vec<_>>()
        .join(",")
}

fn ts_of(r: &QueryResult, col: &str) -> Result<Ts, StoreError> {
    match r.try_get::<Ts>("", col) {
        Ok(t) => Ok(t),
        Err(_) => {
            let s: String = r.try_get("", col)?;
            s.parse()
                .map_err(|e| StoreError::Corrupt(format!("feed_records.{col}: {e}")))
        }
    }
}

fn record_of(r: &QueryResult) -> Result<FeedRecord, StoreError> {
    Ok(FeedRecord {
        pk: r.try_get("", "id")?,
        source: r.try_get("", "source")?,
        record_id: r.try_get("", "record_id")?,
        modified: r.try_get("", "modified")?,
        withdrawn: r.try_get("", "withdrawn")?,
        digest: r.try_get("", "digest")?,
        body: r.try_get("", "body")?,
        origin: r.try_get("", "origin")?,
        ingested_at: ts_of(r, "ingested_at")?,
        updated_at: ts_of(r, "updated_at")?,
    })
}

/// The stored digest and `modified` of each of `keys` (source, record id) that exists (and
/// possibly of other sources' records with the same ids).
pub async fn existing(
    db: &impl ConnectionTrait,
    keys: &[(&str, &str)],
) -> Result<HashMap<(String, String), Existing>, StoreError> {
    let backend = db.get_database_backend();
    let mut out = HashMap::with_capacity(keys.len());
    // Filter on record_id (indexed) and check the source in Rust: one parameter per key.
    for chunk in keys.chunks(MAX_PARAMS) {
        let sql = format!(
            "SELECT id, source, record_id, digest, modified FROM feed_records WHERE record_id IN ({})",
            list(chunk.len(), 1)
        );
        let values = chunk.iter().map(|(_, id)| Value::from(*id));
        for r in db.query_all_raw(stmt(backend, &sql, values)).await? {
            let source: String = r.try_get("", "source")?;
            let record_id: String = r.try_get("", "record_id")?;
            // Rows of other sources with the same id come along; callers look up by the full
            // key, so they are harmless.
            out.insert(
                (source, record_id),
                Existing {
                    pk: r.try_get("", "id")?,
                    digest: r.try_get("", "digest")?,
                    modified: r.try_get("", "modified")?,
                },
            );
        }
    }
    Ok(out)
}

/// Inserts new records and replaces changed ones (by (source, record id)), re-indexing their
/// aliases and packages; returns the row id of each record, in order. `ingested_at` is kept on
/// replace; `updated_at` becomes `now`. Keys must be unique within `records`.
pub async fn upsert(
    db: &impl ConnectionTrait,
    records: &[NewRecord],
    now: Ts,
) -> Result<Vec<i64>, StoreError> {
    if records.is_empty() {
        return Ok(Vec::new());
    }
    let backend = db.get_database_backend();
    let now = crate::micros(now);
    let mut pks: HashMap<(String, String), i64> = HashMap::with_capacity(records.len());
    const COLS: usize = 9;
    for chunk in records.chunks(MAX_PARAMS / COLS) {
        let sql = format!(
            "INSERT INTO feed_records (source, record_id, modified, withdrawn, digest, body, origin, ingested_at, updated_at) \
             VALUES {} ON CONFLICT (source, record_id) DO UPDATE SET modified = excluded.modified, \
             withdrawn = excluded.withdrawn, digest = excluded.digest, body = excluded.body, \
             origin = excluded.origin, updated_at = excluded.updated_at \
             RETURNING id, source, record_id",
            placeholders(chunk.len(), COLS)
        );
        let mut values = Vec::with_capacity(chunk.len() * COLS);
        for r in chunk {
            values.extend([
                Value::from(r.source.as_str()),
                Value::from(r.record_id.as_str()),
                Value::from(r.modified.as_str()),
                Value::from(r.withdrawn.clone()),
                Value::from(r.digest.as_str()),
                Value::from(r.body.as_str()),
                Value::from(r.origin.as_str()),
                Value::from(now),
                Value::from(now),
            ]);
        }
        for row in db.query_all_raw(stmt(backend, &sql, values)).await? {
            pks.insert(
                (row.try_get("", "source")?, row.try_get("", "record_id")?),
                row.try_get("", "id")?,
            );
        }
    }
    let mut ids = Vec::with_capacity(records.len());
    for r in records {
        let pk = pks
            .get(&(r.source.clone(), r.record_id.clone()))
            .copied()
            .ok_or_else(|| {
                StoreError::Corrupt(format!(
                    "feed record {}/{} was not returned by its upsert",
                    r.source, r.record_id
                ))
            })?;
        ids.push(pk);
    }
    // Replace the index rows: cheaper than diffing, and new rows have none to delete.
    for chunk in ids.chunks(MAX_PARAMS) {
        for table in ["feed_aliases", "feed_packages"] {
            let sql = format!(
                "DELETE FROM {table} WHERE record_pk IN ({})",
                list(chunk.len(), 1)
            );
            db.execute_raw(stmt(backend, &sql, chunk.iter().map(|pk| Value::from(*pk))))
                .await?;
        }
    }
    let aliases: Vec<(i64, &String)> = records
        .iter()
        .zip(&ids)
        .flat_map(|(r, pk)| dedup(&r.aliases).into_iter().map(move |a| (*pk, a)))
        .collect();
    for chunk in aliases.chunks(MAX_PARAMS / 2) {
        let sql = format!(
            "INSERT INTO feed_aliases (record_pk, alias) VALUES {}",
            placeholders(chunk.len(), 2)
        );
        let values = chunk
            .iter()
            .flat_map(|(pk, a)| [Value::from(*pk), Value::from(a.as_str())]);
        db.execute_raw(stmt(backend, &sql, values)).await?;
    }
    let packages: Vec<(i64, &PackageRow)> = records
        .iter()
        .zip(&ids)
        .flat_map(|(r, pk)| dedup(&r.packages).into_iter().map(move |p| (*pk, p)))
        .collect();
    for chunk in packages.chunks(MAX_PARAMS / 4) {
        let sql = format!(
            "INSERT INTO feed_packages (record_pk, package_key, ecosystem, name) VALUES {}",
            placeholders(chunk.len(), 4)
        );
        let values = chunk.iter().flat_map(|(pk, p)| {
            [
                Value::from(*pk),
                Value::from(p.key.as_str()),
                Value::from(p.ecosystem.as_str()),
                Value::from(p.name.as_str()),
            ]
        });
        db.execute_raw(stmt(backend, &sql, values)).await?;
    }
    Ok(ids)
}

/// The distinct items of `v`, first occurrence order (the primary keys forbid duplicates).
fn dedup<T: Eq + std::hash::Hash>(v: &[T]) -> Vec<&T> {
    let mut seen = std::collections::HashSet::with_capacity(v.len());
    v.iter().filter(|x| seen.insert(*x)).collect()
}

async fn select(
    db: &impl ConnectionTrait,
    where_sql: &str,
    values: Vec<Value>,
) -> Result<Vec<FeedRecord>, StoreError> {
    let sql = format!(
        "SELECT {RECORD_COLUMNS} FROM feed_records WHERE {where_sql} ORDER BY record_id, source"
    );
    db.query_all_raw(stmt(db.get_database_backend(), &sql, values))
        .await?
        .iter()
        .map(record_of)
        .collect()
}

/// Records whose id or one of whose aliases is in `ids`.
pub async fn by_ids_or_aliases(
    db: &impl ConnectionTrait,
    ids: &[String],
) -> Result<Vec<FeedRecord>, StoreError> {
    let mut out = Vec::new();
    for chunk in ids.chunks(MAX_PARAMS / 2) {
        let n = chunk.len();
        let where_sql = format!(
            "record_id IN ({}) OR id IN (SELECT record_pk FROM feed_aliases WHERE alias IN ({}))",
            list(n, 1),
            list(n, n + 1)
        );
        let values = chunk
            .iter()
            .chain(chunk)
            .map(|s| Value::from(s.as_str()))
            .collect();
        out.extend(select(db, &where_sql, values).await?);
    }
    out.sort_by_key(|r| r.pk);
    out.dedup_by_key(|r| r.pk);
    Ok(out)
}

/// Records affecting the package with normalised key `key` (e.g. `pkg:pypi/django`).
pub async fn by_package_key(
    db: &impl ConnectionTrait,
    key: &str,
) -> Result<Vec<FeedRecord>, StoreError> {
    select(
        db,
        "id IN (SELECT record_pk FROM feed_packages WHERE package_key = $1)",
        vec![key.into()],
    )
    .await
}

/// Records affecting the OSV package (`ecosystem`, `name`) exactly as written.
pub async fn by_ecosystem_name(
    db: &impl ConnectionTrait,
    ecosystem: &str,
    name: &str,
) -> Result<Vec<FeedRecord>, StoreError> {
    select(
        db,
        "id IN (SELECT record_pk FROM feed_packages WHERE ecosystem = $1 AND name = $2)",
        vec![ecosystem.into(), name.into()],
    )
    .await
}

/// Up to `limit` records with row id above `after`, in row-id order: a cursor for exports
/// that must not hold the whole feed in memory.
pub async fn page(
    db: &impl ConnectionTrait,
    after: i64,
    limit: u64,
) -> Result<Vec<FeedRecord>, StoreError> {
    let sql = format!(
        "SELECT {RECORD_COLUMNS} FROM feed_records WHERE id > $1 ORDER BY id LIMIT {limit}"
    );
    db.query_all_raw(stmt(db.get_database_backend(), &sql, [after.into()]))
        .await?
        .iter()
        .map(record_of)
        .collect()
}

/// Every (record id, alias) edge, for building the whole alias graph (ids and aliases only:
/// a few dozen bytes per record).
pub async fn alias_edges(db: &impl ConnectionTrait) -> Result<Vec<(String, String)>, StoreError> {
    let rows = db
        .query_all_raw(stmt(
            db.get_database_backend(),
            "SELECT r.record_id, a.alias FROM feed_aliases a JOIN feed_records r ON r.id = a.record_pk",
            [],
        ))
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("", "record_id")?, r.try_get("", "alias")?)))
        .collect()
}

/// Every record id (without bodies), for building the whole alias graph with
/// [`alias_edges`]; and the newest `updated_at`, the feed's high-water mark.
pub async fn record_ids(
    db: &impl ConnectionTrait,
) -> Result<(Vec<String>, Option<Ts>), StoreError> {
    let backend = db.get_database_backend();
    let rows = db
        .query_all_raw(stmt(backend, "SELECT record_id FROM feed_records", []))
        .await?;
    let ids = rows
        .iter()
        .map(|r| r.try_get("", "record_id"))
        .collect::<Result<Vec<String>, _>>()?;
    let newest = db
        .query_one_raw(stmt(
            backend,
            "SELECT updated_at FROM feed_records ORDER BY updated_at DESC LIMIT 1",
            [],
        ))
        .await?
        .map(|r| ts_of(&r, "updated_at"))
        .transpose()?;
    Ok((ids, newest))
}

/// Per source: (records, withdrawn records, newest `modified`).
pub async fn source_stats(
    db: &impl ConnectionTrait,
) -> Result<Vec<(String, i64, i64, String)>, StoreError> {
    let rows = db
        .query_all_raw(stmt(
            db.get_database_backend(),
            "SELECT source, COUNT(*) AS n, COUNT(withdrawn) AS w, MAX(modified) AS m \
             FROM feed_records GROUP BY source ORDER BY source",
            [],
        ))
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("", "source")?,
                r.try_get("", "n")?,
                r.try_get("", "w")?,
                r.try_get::<Option<String>>("", "m")?.unwrap_or_default(),
            ))
        })
        .collect()
}

/// Number of records stored.
pub async fn count(db: &impl ConnectionTrait) -> Result<i64, StoreError> {
    let row = db
        .query_one_raw(stmt(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM feed_records",
            [],
        ))
        .await?;
    Ok(match row {
        Some(r) => r.try_get("", "n")?,
        None => 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_number_rows_and_columns() {
        assert_eq!(placeholders(2, 2), "($1,$2),($3,$4)");
        assert_eq!(list(3, 4), "$4,$5,$6");
    }
}

/// An imported Offline Update Kit (`feed_installs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Install {
    pub manifest_sha256: String,
    pub kind: String,
    pub high_water: Option<String>,
    pub kit_built_at: String,
    pub kit_sha256: String,
    pub installed_at: Ts,
}

/// The installed snapshot: the last kit imported, if any.
pub async fn installed(db: &impl ConnectionTrait) -> Result<Option<Install>, StoreError> {
    let row = db
        .query_one_raw(stmt(
            db.get_database_backend(),
            "SELECT manifest_sha256, kind, high_water, kit_built_at, kit_sha256, installed_at \
             FROM feed_installs ORDER BY id DESC LIMIT 1",
            [],
        ))
        .await?;
    row.map(|r| {
        Ok(Install {
            manifest_sha256: r.try_get("", "manifest_sha256")?,
            kind: r.try_get("", "kind")?,
            high_water: r.try_get("", "high_water")?,
            kit_built_at: r.try_get("", "kit_built_at")?,
            kit_sha256: r.try_get("", "kit_sha256")?,
            installed_at: ts_of(&r, "installed_at")?,
        })
    })
    .transpose()
}

/// Records an import, in the caller's transaction (with the records it wrote).
pub async fn record_install(db: &impl ConnectionTrait, i: &Install) -> Result<(), StoreError> {
    db.execute_raw(stmt(
        db.get_database_backend(),
        "INSERT INTO feed_installs (manifest_sha256, kind, high_water, kit_built_at, kit_sha256, installed_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
        [
            i.manifest_sha256.clone().into(),
            i.kind.clone().into(),
            i.high_water.clone().into(),
            i.kit_built_at.clone().into(),
            i.kit_sha256.clone().into(),
            i.installed_at.into(),
        ],
    ))
    .await?;
    Ok(())
}

//! Advisories (the sealed canonical record, its cases, scheduling with optimistic
//! concurrency), the CVE id pool, case embargoes, the published files that public routes
//! serve, and instance signing keys.

use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use crate::entity::{advisory, advisory_case, cve_id, embargo, instance_key, published_file};
use crate::{StoreError, Ts};

pub use advisory::Model as Advisory;
pub use cve_id::Model as CveId;
pub use embargo::Model as Embargo;
pub use instance_key::Model as InstanceKey;
pub use published_file::Model as PublishedFile;

pub const DRAFT: &str = "draft";
pub const SCHEDULED: &str = "scheduled";
pub const PUBLISHED: &str = "published";
pub const WITHDRAWN: &str = "withdrawn";

/// CVE pool states.
pub const CVE_AVAILABLE: &str = "available";
pub const CVE_ASSIGNED: &str = "assigned";
pub const CVE_PUBLISHED: &str = "published";
pub const CVE_REJECTED: &str = "rejected";
/// An id assigned by another CNA and recorded here.
pub const CVE_EXTERNAL: &str = "external";

/// The next advisory number of a program and year (1, 2, …), locked until commit.
pub async fn next_number(
    db: &impl ConnectionTrait,
    program_id: i64,
    year: i32,
) -> Result<i64, StoreError> {
    crate::case::reserve_in(db, "advisory_counters", program_id, year, 1).await
}

/// Inserts a draft covering `case_ids`.
pub async fn create(
    db: &impl ConnectionTrait,
    program_id: i64,
    advisory_id: &str,
    record_sealed: &str,
    case_ids: &[i64],
    now: Ts,
) -> Result<Advisory, StoreError> {
    let row = advisory::ActiveModel {
        program_id: Set(program_id),
        advisory_id: Set(advisory_id.to_owned()),
        status: Set(DRAFT.to_owned()),
        record: Set(record_sealed.to_owned()),
        publish_at: Set(None),
        publish_note: Set(None),
        published_at: Set(None),
        published_revision: Set(0),
        published_record: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    for c in case_ids {
        link_case(db, row.id, *c).await?;
    }
    Ok(row)
}

/// Adds a case to an advisory (idempotent).
pub async fn link_case(
    db: &impl ConnectionTrait,
    advisory_id: i64,
    case_id: i64,
) -> Result<(), StoreError> {
    advisory_case::Entity::insert(advisory_case::ActiveModel {
        advisory_id: Set(advisory_id),
        case_id: Set(case_id),
    })
    .on_conflict(
        OnConflict::columns([
            advisory_case::Column::AdvisoryId,
            advisory_case::Column::CaseId,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// By public id (`OBS-SA-2026-0001`).
pub async fn by_advisory_id(
    db: &impl ConnectionTrait,
    advisory_id: &str,
) -> Result<Option<Advisory>, StoreError> {
    Ok(advisory::Entity::find()
        .filter(advisory::Column::AdvisoryId.eq(advisory_id))
        .one(db)
        .await?)
}

/// By row id.
pub async fn by_id(db: &impl ConnectionTrait, id: i64) -> Result<Option<Advisory>, StoreError> {
    Ok(advisory::Entity::find_by_id(id).one(db).await?)
}

/// The advisories covering a case, oldest first.
pub async fn for_case(
    db: &impl ConnectionTrait,
    case_id: i64,
) -> Result<Vec<Advisory>, StoreError> {
    let ids: Vec<i64> = advisory_case::Entity::find()
        .filter(advisory_case::Column::CaseId.eq(case_id))
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.advisory_id)
        .collect();
    Ok(advisory::Entity::find()
        .filter(advisory::Column::Id.is_in(ids))
        .order_by_asc(advisory::Column::Id)
        .all(db)
        .await?)
}

/// The case ids an advisory covers.
pub async fn case_ids(db: &impl ConnectionTrait, advisory_id: i64) -> Result<Vec<i64>, StoreError> {
    Ok(advisory_case::Entity::find()
        .filter(advisory_case::Column::AdvisoryId.eq(advisory_id))
        .order_by_asc(advisory_case::Column::CaseId)
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.case_id)
        .collect())
}

/// Advisories of the given programs (all programs when `None`), newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    program_ids: Option<&[i64]>,
) -> Result<Vec<Advisory>, StoreError> {
    let mut q = advisory::Entity::find().order_by_desc(advisory::Column::Id);
    if let Some(ids) = program_ids {
        q = q.filter(advisory::Column::ProgramId.is_in(ids.iter().copied()));
    }
    Ok(q.all(db).await?)
}

/// Every advisory that has been published at least once (published or withdrawn), for the
/// public indexes.
pub async fn public(db: &impl ConnectionTrait) -> Result<Vec<Advisory>, StoreError> {
    Ok(advisory::Entity::find()
        .filter(advisory::Column::PublishedRevision.gt(0))
        .order_by_desc(advisory::Column::PublishedAt)
        .order_by_desc(advisory::Column::Id)
        .all(db)
        .await?)
}

/// What an update changes.
#[derive(Debug, Clone)]
pub struct Change<'a> {
    pub status: &'a str,
    pub record_sealed: &'a str,
    pub publish_at: Option<Ts>,
    pub publish_note: Option<&'a str>,
}

/// Writes a change if the row is still at `version`; false when someone else changed it first
/// (the caller reloads and explains).
pub async fn update(
    db: &impl ConnectionTrait,
    id: i64,
    version: i32,
    c: Change<'_>,
    now: Ts,
) -> Result<bool, StoreError> {
    let res = advisory::Entity::update_many()
        .col_expr(advisory::Column::Status, Expr::value(c.status))
        .col_expr(advisory::Column::Record, Expr::value(c.record_sealed))
        .col_expr(advisory::Column::PublishAt, Expr::value(c.publish_at))
        .col_expr(advisory::Column::PublishNote, Expr::value(c.publish_note))
        .col_expr(advisory::Column::Version, Expr::value(version + 1))
        .col_expr(advisory::Column::UpdatedAt, Expr::value(now))
        .filter(advisory::Column::Id.eq(id))
        .filter(advisory::Column::Version.eq(version))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Records a publication (the record, and `published_record`, now hold the published
/// revision) if the row is still at
/// `version`. Exactly one of several racing publishers gets true.
pub async fn mark_published(
    db: &impl ConnectionTrait,
    id: i64,
    version: i32,
    status: &str,
    record_sealed: &str,
    revision: i32,
    now: Ts,
) -> Result<bool, StoreError> {
    let res = advisory::Entity::update_many()
        .col_expr(advisory::Column::Status, Expr::value(status))
        .col_expr(advisory::Column::Record, Expr::value(record_sealed))
        .col_expr(advisory::Column::PublishAt, Expr::value(Option::<Ts>::None))
        .col_expr(
            advisory::Column::PublishNote,
            Expr::value(Option::<String>::None),
        )
        .col_expr(advisory::Column::PublishedRevision, Expr::value(revision))
        .col_expr(
            advisory::Column::PublishedRecord,
            Expr::value(record_sealed),
        )
        .col_expr(advisory::Column::Version, Expr::value(version + 1))
        .col_expr(advisory::Column::UpdatedAt, Expr::value(now))
        .filter(advisory::Column::Id.eq(id))
        .filter(advisory::Column::Version.eq(version))
        .exec(db)
        .await?;
    if res.rows_affected != 1 {
        return Ok(false);
    }
    advisory::Entity::update_many()
        .col_expr(advisory::Column::PublishedAt, Expr::value(now))
        .filter(advisory::Column::Id.eq(id))
        .filter(advisory::Column::PublishedAt.is_null())
        .exec(db)
        .await?;
    Ok(true)
}

/// Scheduled advisories whose time has come, oldest first.
pub async fn due(
    db: &impl ConnectionTrait,
    now: Ts,
    limit: u64,
) -> Result<Vec<Advisory>, StoreError> {
    Ok(advisory::Entity::find()
        .filter(advisory::Column::Status.eq(SCHEDULED))
        .filter(advisory::Column::PublishAt.lte(now))
        .order_by_asc(advisory::Column::PublishAt)
        .order_by_asc(advisory::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

// ---- published files ----

/// A file to publish.
#[derive(Debug, Clone)]
pub struct NewFile {
    pub path: String,
    pub advisory_id: Option<i64>,
    pub content_type: String,
    pub body: Vec<u8>,
    pub sha256: String,
}

/// Writes (or replaces) published files by path.
pub async fn put_files(
    db: &impl ConnectionTrait,
    files: Vec<NewFile>,
    now: Ts,
) -> Result<(), StoreError> {
    for f in files {
        published_file::Entity::insert(published_file::ActiveModel {
            path: Set(f.path),
            advisory_id: Set(f.advisory_id),
            content_type: Set(f.content_type),
            body: Set(f.body),
            sha256: Set(f.sha256),
            updated_at: Set(now),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::column(published_file::Column::Path)
                .update_columns([
                    published_file::Column::AdvisoryId,
                    published_file::Column::ContentType,
                    published_file::Column::Body,
                    published_file::Column::Sha256,
                    published_file::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
}

/// A published file by URL path (no leading slash).
pub async fn file(
    db: &impl ConnectionTrait,
    path: &str,
) -> Result<Option<PublishedFile>, StoreError> {
    Ok(published_file::Entity::find()
        .filter(published_file::Column::Path.eq(path))
        .one(db)
        .await?)
}

/// Paths, types, digests and sizes of every published file (no bodies), sorted by path.
pub async fn file_list(
    db: &impl ConnectionTrait,
) -> Result<Vec<(String, String, String, i64)>, StoreError> {
    let rows: Vec<(String, String, String, i64)> = published_file::Entity::find()
        .select_only()
        .column(published_file::Column::Path)
        .column(published_file::Column::ContentType)
        .column(published_file::Column::Sha256)
        .column_as(Expr::cust("CAST(LENGTH(body) AS BIGINT)"), "size")
        .order_by_asc(published_file::Column::Path)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows)
}

// ---- CVE ids ----

/// Adds ids to a program's pool (`state` available) or records external ids; ids already
/// known anywhere are skipped and returned.
pub async fn add_cve_ids(
    db: &impl ConnectionTrait,
    program_id: i64,
    ids: &[String],
    state: &str,
    advisory_id: Option<i64>,
    now: Ts,
) -> Result<Vec<String>, StoreError> {
    let mut skipped = Vec::new();
    for id in ids {
        if cve_id::Entity::find()
            .filter(cve_id::Column::CveId.eq(id.as_str()))
            .count(db)
            .await?
            > 0
        {
            skipped.push(id.clone());
            continue;
        }
        cve_id::ActiveModel {
            program_id: Set(program_id),
            cve_id: Set(id.clone()),
            state: Set(state.to_owned()),
            advisory_id: Set(advisory_id),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(skipped)
}

/// A program's CVE ids, pool order (lowest id first).
pub async fn cve_ids(db: &impl ConnectionTrait, program_id: i64) -> Result<Vec<CveId>, StoreError> {
    Ok(cve_id::Entity::find()
        .filter(cve_id::Column::ProgramId.eq(program_id))
        .order_by_asc(cve_id::Column::CveId)
        .all(db)
        .await?)
}

/// The CVE id row of an advisory, if any.
pub async fn cve_of(
    db: &impl ConnectionTrait,
    advisory_row: i64,
) -> Result<Option<CveId>, StoreError> {
    Ok(cve_id::Entity::find()
        .filter(cve_id::Column::AdvisoryId.eq(advisory_row))
        .filter(cve_id::Column::State.ne(CVE_REJECTED))
        .one(db)
        .await?)
}

/// Takes the lowest available id of the pool for an advisory. None when the pool is empty.
/// The conditional update makes two racing assigners take different ids.
pub async fn assign_from_pool(
    db: &impl ConnectionTrait,
    program_id: i64,
    advisory_row: i64,
    now: Ts,
) -> Result<Option<String>, StoreError> {
    for _ in 0..8 {
        let Some(next) = cve_id::Entity::find()
            .filter(cve_id::Column::ProgramId.eq(program_id))
            .filter(cve_id::Column::State.eq(CVE_AVAILABLE))
            .order_by_asc(cve_id::Column::CveId)
            .one(db)
            .await?
        else {
            return Ok(None);
        };
        let res = cve_id::Entity::update_many()
            .col_expr(cve_id::Column::State, Expr::value(CVE_ASSIGNED))
            .col_expr(cve_id::Column::AdvisoryId, Expr::value(advisory_row))
            .col_expr(cve_id::Column::UpdatedAt, Expr::value(now))
            .filter(cve_id::Column::Id.eq(next.id))
            .filter(cve_id::Column::State.eq(CVE_AVAILABLE))
            .exec(db)
            .await?;
        if res.rows_affected == 1 {
            return Ok(Some(next.cve_id));
        }
    }
    Err(StoreError::Conflict(String::from(
        "the CVE pool is busy; try again",
    )))
}

/// Sets the state of a CVE id row of a program.
pub async fn set_cve_state(
    db: &impl ConnectionTrait,
    program_id: i64,
    cve: &str,
    state: &str,
    now: Ts,
) -> Result<bool, StoreError> {
    let res = cve_id::Entity::update_many()
        .col_expr(cve_id::Column::State, Expr::value(state))
        .col_expr(cve_id::Column::UpdatedAt, Expr::value(now))
        .filter(cve_id::Column::ProgramId.eq(program_id))
        .filter(cve_id::Column::CveId.eq(cve))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

// ---- embargoes ----

/// The embargo of a case.
pub async fn embargo(
    db: &impl ConnectionTrait,
    case_id: i64,
) -> Result<Option<Embargo>, StoreError> {
    Ok(embargo::Entity::find_by_id(case_id).one(db).await?)
}

/// Writes the embargo of a case (insert or replace at `version`, 0 = none yet); false when it
/// changed meanwhile.
pub async fn save_embargo(
    db: &impl ConnectionTrait,
    e: Embargo,
    expected_version: i32,
) -> Result<bool, StoreError> {
    if expected_version == 0 {
        if embargo::Entity::find_by_id(e.case_id)
            .one(db)
            .await?
            .is_some()
        {
            return Ok(false);
        }
        embargo::ActiveModel {
            version: Set(1),
            ..e.into()
        }
        .insert(db)
        .await?;
        return Ok(true);
    }
    let res = embargo::Entity::update_many()
        .col_expr(embargo::Column::EndsAt, Expr::value(e.ends_at))
        .col_expr(embargo::Column::TimeZone, Expr::value(e.time_zone))
        .col_expr(embargo::Column::ProposedBy, Expr::value(e.proposed_by))
        .col_expr(embargo::Column::ProposedAt, Expr::value(e.proposed_at))
        .col_expr(embargo::Column::TeamAgreedAt, Expr::value(e.team_agreed_at))
        .col_expr(
            embargo::Column::ReporterAgreedAt,
            Expr::value(e.reporter_agreed_at),
        )
        .col_expr(
            embargo::Column::OverrideReason,
            Expr::value(e.override_reason),
        )
        .col_expr(embargo::Column::ExploitedAt, Expr::value(e.exploited_at))
        .col_expr(embargo::Column::Version, Expr::value(expected_version + 1))
        .filter(embargo::Column::CaseId.eq(e.case_id))
        .filter(embargo::Column::Version.eq(expected_version))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

// ---- instance keys ----

/// The current key for a purpose.
pub async fn current_instance_key(
    db: &impl ConnectionTrait,
    purpose: &str,
) -> Result<Option<InstanceKey>, StoreError> {
    Ok(instance_key::Entity::find()
        .filter(instance_key::Column::Purpose.eq(purpose))
        .filter(instance_key::Column::RetiredAt.is_null())
        .order_by_desc(instance_key::Column::Id)
        .one(db)
        .await?)
}

/// Every key of a purpose, newest first (retired ones included, for verification).
pub async fn instance_keys(
    db: &impl ConnectionTrait,
    purpose: &str,
) -> Result<Vec<InstanceKey>, StoreError> {
    Ok(instance_key::Entity::find()
        .filter(instance_key::Column::Purpose.eq(purpose))
        .order_by_desc(instance_key::Column::Id)
        .all(db)
        .await?)
}

/// Adds a key; with `retire_others`, the purpose's current keys are retired at `now`.
pub async fn add_instance_key(
    db: &impl ConnectionTrait,
    purpose: &str,
    key_id: &str,
    public_key: &str,
    secret_sealed: &str,
    retire_others: bool,
    now: Ts,
) -> Result<InstanceKey, StoreError> {
    if retire_others {
        instance_key::Entity::update_many()
            .col_expr(instance_key::Column::RetiredAt, Expr::value(now))
            .filter(instance_key::Column::Purpose.eq(purpose))
            .filter(instance_key::Column::RetiredAt.is_null())
            .exec(db)
            .await?;
    }
    Ok(instance_key::ActiveModel {
        purpose: Set(purpose.to_owned()),
        key_id: Set(key_id.to_owned()),
        public_key: Set(public_key.to_owned()),
        secret_sealed: Set(secret_sealed.to_owned()),
        created_at: Set(now),
        retired_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

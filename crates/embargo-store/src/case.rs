//! Cases: references, the sealed report, state with optimistic concurrency, messages, the
//! timeline, attachments and the blind search index.

use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, Set,
};

use crate::entity::{attachment, case, case_event, case_message, case_search};
use crate::{StoreError, Ts, stmt};

pub use attachment::Model as Attachment;
pub use case::Model as Case;
pub use case_event::Model as Event;
pub use case_message::Model as Message;

/// Allocates the next number for a program and year (1, 2, …). Two concurrent callers never
/// get the same number: the counter row is locked by the upsert until commit.
pub async fn next_number(
    db: &impl ConnectionTrait,
    program_id: i64,
    year: i32,
) -> Result<i64, StoreError> {
    reserve_numbers(db, program_id, year, 1).await
}

/// Reserves `count` (≥ 1) consecutive numbers for a program and year and returns the first. One
/// statement (an upsert with `RETURNING`, SQLite ≥ 3.35 and PostgreSQL): report intake runs it
/// on the single writer, where every round trip counts.
pub async fn reserve_numbers(
    db: &impl ConnectionTrait,
    program_id: i64,
    year: i32,
    count: i64,
) -> Result<i64, StoreError> {
    reserve_in(db, "case_counters", program_id, year, count).await
}

/// `reserve_numbers` on a counter table shaped like `case_counters` (`advisory_counters`).
pub(crate) async fn reserve_in(
    db: &impl ConnectionTrait,
    table: &'static str,
    program_id: i64,
    year: i32,
    count: i64,
) -> Result<i64, StoreError> {
    let count = std::cmp::max(count, 1);
    let sql = format!(
        "INSERT INTO {table} (program_id, year, next) VALUES ($1, $2, $3) \
         ON CONFLICT (program_id, year) DO UPDATE SET next = {table}.next + $4 RETURNING next"
    );
    let row = db
        .query_one_raw(stmt(
            db.get_database_backend(),
            &sql,
            [
                program_id.into(),
                year.into(),
                (count + 1).into(),
                count.into(),
            ],
        ))
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("{table} row vanished")))?;
    Ok(row.try_get::<i64>("", "next")? - count)
}

pub struct NewCase<'a> {
    pub program_id: i64,
    pub reference: &'a str,
    pub state: &'a str,
    pub title_sealed: &'a str,
    pub report_sealed: &'a str,
    pub reporter_sealed: &'a str,
    pub reporter_email_hash: Option<&'a str>,
    pub tracking_hash: &'a str,
    pub channel: &'a str,
    pub severity: Option<&'a str>,
}

fn new_row(c: NewCase<'_>, now: Ts) -> case::ActiveModel {
    case::ActiveModel {
        program_id: Set(c.program_id),
        reference: Set(c.reference.to_owned()),
        state: Set(c.state.to_owned()),
        previous_state: Set(None),
        severity: Set(c.severity.map(str::to_owned)),
        title: Set(c.title_sealed.to_owned()),
        report: Set(c.report_sealed.to_owned()),
        reporter: Set(c.reporter_sealed.to_owned()),
        reporter_email_hash: Set(c.reporter_email_hash.map(str::to_owned)),
        tracking_hash: Set(c.tracking_hash.to_owned()),
        assignee_id: Set(None),
        channel: Set(c.channel.to_owned()),
        version: Set(1),
        received_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
}

pub async fn create(
    db: &impl ConnectionTrait,
    c: NewCase<'_>,
    now: Ts,
) -> Result<Case, StoreError> {
    create_many(db, vec![(c, now)])
        .await?
        .pop()
        .ok_or_else(|| StoreError::Corrupt("the inserted case was not returned".into()))
}

/// Inserts cases and returns the stored rows in the order given, in one statement
/// (`INSERT … RETURNING`, also on SQLite, where sea-orm would otherwise read each row back
/// with a second query).
pub async fn create_many(
    db: &impl ConnectionTrait,
    cases: Vec<(NewCase<'_>, Ts)>,
) -> Result<Vec<Case>, StoreError> {
    if cases.is_empty() {
        return Ok(Vec::new());
    }
    let order: Vec<String> = cases.iter().map(|(c, _)| c.reference.to_owned()).collect();
    let mut q =
        case::Entity::insert_many(cases.into_iter().map(|(c, now)| new_row(c, now))).into_query();
    q.returning_all();
    let mut rows = case::Entity::find()
        .from_raw_sql(db.get_database_backend().build(&q))
        .all(db)
        .await?;
    // Neither backend promises the order of RETURNING rows: match them by reference.
    let mut out = Vec::with_capacity(order.len());
    for r in &order {
        let i = rows
            .iter()
            .position(|c| &c.reference == r)
            .ok_or_else(|| StoreError::Corrupt(format!("case {r} was not returned")))?;
        out.push(rows.swap_remove(i));
    }
    Ok(out)
}

pub async fn by_id(db: &impl ConnectionTrait, id: i64) -> Result<Option<Case>, StoreError> {
    Ok(case::Entity::find_by_id(id).one(db).await?)
}

pub async fn by_reference(
    db: &impl ConnectionTrait,
    reference: &str,
) -> Result<Option<Case>, StoreError> {
    Ok(case::Entity::find()
        .filter(case::Column::Reference.eq(reference))
        .one(db)
        .await?)
}

pub async fn by_tracking_hash(
    db: &impl ConnectionTrait,
    hash: &str,
) -> Result<Option<Case>, StoreError> {
    Ok(case::Entity::find()
        .filter(case::Column::TrackingHash.eq(hash))
        .one(db)
        .await?)
}

/// Which cases a queue shows.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    pub program_ids: Vec<i64>,
    /// Only these states; empty = every state except `hidden_states`.
    pub states: Vec<String>,
    /// States left out unless asked for (spam).
    pub hidden_states: Vec<String>,
    pub assignee_id: Option<i64>,
    /// Only cases whose blind index holds every one of these tokens.
    pub tokens: Vec<String>,
    pub newest_first: bool,
    pub limit: u64,
    pub offset: u64,
}

pub async fn queue(
    db: &impl ConnectionTrait,
    f: &QueueFilter,
) -> Result<(Vec<Case>, u64), StoreError> {
    let mut cond = Condition::all().add(case::Column::ProgramId.is_in(f.program_ids.clone()));
    if !f.states.is_empty() {
        cond = cond.add(case::Column::State.is_in(f.states.clone()));
    } else if !f.hidden_states.is_empty() {
        cond = cond.add(case::Column::State.is_not_in(f.hidden_states.clone()));
    }
    if let Some(a) = f.assignee_id {
        cond = cond.add(case::Column::AssigneeId.eq(a));
    }
    for t in &f.tokens {
        let sub = sea_orm::sea_query::Query::select()
            .column(case_search::Column::CaseId)
            .from(case_search::Entity)
            .and_where(Expr::col(case_search::Column::Token).eq(t.clone()))
            .to_owned();
        cond = cond.add(case::Column::Id.in_subquery(sub));
    }
    let q = case::Entity::find().filter(cond);
    let total = q.clone().count(db).await?;
    // The page is chosen on narrow rows (id, time) and only then read whole: sorting whole
    // rows (sealed report included) to keep the newest 100 of 10,000 cost SQLite five times
    // as much. Ties on the time go by id, so the order is stable.
    let order = if f.newest_first {
        sea_orm::Order::Desc
    } else {
        sea_orm::Order::Asc
    };
    let ids: Vec<i64> = q
        .select_only()
        .column(case::Column::Id)
        .order_by(case::Column::ReceivedAt, order.clone())
        .order_by(case::Column::Id, order)
        .offset(f.offset)
        .limit(std::cmp::max(f.limit, 1))
        .into_tuple()
        .all(db)
        .await?;
    let mut rows = case::Entity::find()
        .filter(case::Column::Id.is_in(ids.clone()))
        .all(db)
        .await?;
    rows.sort_by_key(|c| ids.iter().position(|id| *id == c.id));
    Ok((rows, total))
}

/// Applies a change if the case is still at `expected_version`; otherwise `Conflict` (someone
/// else changed it since the form was loaded).
pub async fn update(
    db: &impl ConnectionTrait,
    id: i64,
    expected_version: i32,
    now: Ts,
    change: impl FnOnce(&mut case::ActiveModel),
) -> Result<Case, StoreError> {
    let current = by_id(db, id).await?.ok_or(StoreError::NotFound("case"))?;
    if current.version != expected_version {
        return Err(StoreError::Conflict(format!(
            "the case changed since you loaded it (now at version {}); reload to see the change",
            current.version
        )));
    }
    let mut am: case::ActiveModel = current.into();
    change(&mut am);
    am.version = Set(expected_version + 1);
    am.updated_at = Set(now);
    // The version check is repeated in the UPDATE itself so two writers cannot both pass.
    let res = case::Entity::update_many()
        .set(am)
        .filter(case::Column::Id.eq(id))
        .filter(case::Column::Version.eq(expected_version))
        .exec(db)
        .await?;
    if res.rows_affected != 1 {
        return Err(StoreError::Conflict(
            "the case changed since you loaded it; reload to see the change".into(),
        ));
    }
    by_id(db, id).await?.ok_or(StoreError::NotFound("case"))
}

pub struct NewMessage<'a> {
    pub case_id: i64,
    pub author: &'a str,
    pub author_user_id: Option<i64>,
    pub visibility: &'a str,
    pub body_sealed: &'a str,
    pub via: &'a str,
}

pub async fn add_message(
    db: &impl ConnectionTrait,
    m: NewMessage<'_>,
    now: Ts,
) -> Result<Message, StoreError> {
    Ok(case_message::ActiveModel {
        case_id: Set(m.case_id),
        author: Set(m.author.to_owned()),
        author_user_id: Set(m.author_user_id),
        visibility: Set(m.visibility.to_owned()),
        body: Set(m.body_sealed.to_owned()),
        via: Set(m.via.to_owned()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// Messages of a case in order; `include_internal` false for the reporter's view.
pub async fn messages(
    db: &impl ConnectionTrait,
    case_id: i64,
    include_internal: bool,
) -> Result<Vec<Message>, StoreError> {
    let mut q = case_message::Entity::find().filter(case_message::Column::CaseId.eq(case_id));
    if !include_internal {
        q = q.filter(case_message::Column::Visibility.eq("thread"));
    }
    Ok(q.order_by_asc(case_message::Column::Id).all(db).await?)
}

pub async fn add_event(
    db: &impl ConnectionTrait,
    case_id: i64,
    actor: &str,
    kind: &str,
    detail: &str,
    at: Ts,
) -> Result<(), StoreError> {
    add_events(
        db,
        &[NewEvent {
            case_id,
            actor,
            kind,
            detail,
            at,
        }],
    )
    .await
}

/// A timeline entry to add.
pub struct NewEvent<'a> {
    pub case_id: i64,
    pub actor: &'a str,
    pub kind: &'a str,
    pub detail: &'a str,
    pub at: Ts,
}

/// Adds timeline entries in one statement, without reading them back.
pub async fn add_events(
    db: &impl ConnectionTrait,
    events: &[NewEvent<'_>],
) -> Result<(), StoreError> {
    case_event::Entity::insert_many(events.iter().map(|e| case_event::ActiveModel {
        case_id: Set(e.case_id),
        at: Set(e.at),
        actor: Set(e.actor.to_owned()),
        kind: Set(e.kind.to_owned()),
        detail: Set(e.detail.to_owned()),
        ..Default::default()
    }))
    .exec_without_returning(db)
    .await?;
    Ok(())
}

pub async fn events(db: &impl ConnectionTrait, case_id: i64) -> Result<Vec<Event>, StoreError> {
    Ok(case_event::Entity::find()
        .filter(case_event::Column::CaseId.eq(case_id))
        .order_by_asc(case_event::Column::Id)
        .all(db)
        .await?)
}

pub struct NewAttachment<'a> {
    pub case_id: i64,
    pub message_id: Option<i64>,
    pub filename_sealed: &'a str,
    pub content_type: &'a str,
    pub size: i64,
    pub sha256: &'a str,
    pub data_sealed: Vec<u8>,
}

pub async fn add_attachment(
    db: &impl ConnectionTrait,
    a: NewAttachment<'_>,
    now: Ts,
) -> Result<i64, StoreError> {
    Ok(attachment::ActiveModel {
        case_id: Set(a.case_id),
        message_id: Set(a.message_id),
        filename: Set(a.filename_sealed.to_owned()),
        content_type: Set(a.content_type.to_owned()),
        size: Set(a.size),
        sha256: Set(a.sha256.to_owned()),
        data: Set(a.data_sealed),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?
    .id)
}

/// Attachment metadata of a case (without the data).
pub async fn attachments(
    db: &impl ConnectionTrait,
    case_id: i64,
) -> Result<Vec<Attachment>, StoreError> {
    Ok(attachment::Entity::find()
        .filter(attachment::Column::CaseId.eq(case_id))
        .order_by_asc(attachment::Column::Id)
        .all(db)
        .await?)
}

pub async fn attachment(
    db: &impl ConnectionTrait,
    case_id: i64,
    id: i64,
) -> Result<Option<Attachment>, StoreError> {
    Ok(attachment::Entity::find_by_id(id)
        .filter(attachment::Column::CaseId.eq(case_id))
        .one(db)
        .await?)
}

/// Adds blind-index tokens for a case (duplicates ignored).
pub async fn index_tokens(
    db: &impl ConnectionTrait,
    case_id: i64,
    tokens: &[String],
) -> Result<(), StoreError> {
    let pairs: Vec<(i64, &str)> = tokens.iter().map(|t| (case_id, t.as_str())).collect();
    index_token_pairs(db, &pairs).await
}

/// Adds `(case id, token)` pairs to the blind index, duplicates ignored, in one multi-row
/// `INSERT … ON CONFLICT DO NOTHING` per 500 pairs (no read of the existing tokens first).
pub async fn index_token_pairs(
    db: &impl ConnectionTrait,
    pairs: &[(i64, &str)],
) -> Result<(), StoreError> {
    let mut fresh: Vec<(i64, &str)> = pairs.to_vec();
    fresh.sort_unstable();
    fresh.dedup();
    for chunk in fresh.chunks(500) {
        case_search::Entity::insert_many(chunk.iter().map(|(id, t)| case_search::ActiveModel {
            case_id: Set(*id),
            token: Set((*t).to_owned()),
        }))
        .on_conflict(
            OnConflict::columns([case_search::Column::CaseId, case_search::Column::Token])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
}

/// Cases per state for the given programs.
pub async fn count_by_state(
    db: &impl ConnectionTrait,
    program_ids: &[i64],
) -> Result<Vec<(String, i64)>, StoreError> {
    Ok(case::Entity::find()
        .select_only()
        .column(case::Column::State)
        .column_as(case::Column::Id.count(), "n")
        .filter(case::Column::ProgramId.is_in(program_ids.to_vec()))
        .group_by(case::Column::State)
        .into_tuple()
        .all(db)
        .await?)
}

/// Replaces the sealed reporter details (credit choice, contact) without touching the
/// version: the reporter's own details never conflict with the team's work on the case.
pub async fn set_reporter(
    db: &impl ConnectionTrait,
    id: i64,
    reporter_sealed: &str,
    now: Ts,
) -> Result<(), StoreError> {
    case::Entity::update_many()
        .col_expr(case::Column::Reporter, Expr::value(reporter_sealed))
        .col_expr(case::Column::UpdatedAt, Expr::value(now))
        .filter(case::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Other cases of the same program that share blind-index tokens with `case_id`, most shared
/// first: (case, tokens shared, tokens of that case). Only `min_shared` or more count.
pub async fn similar(
    db: &impl ConnectionTrait,
    program_id: i64,
    case_id: i64,
    min_shared: i64,
    limit: i64,
) -> Result<Vec<(Case, i64, i64)>, StoreError> {
    let backend = db.get_database_backend();
    let rows = db
        .query_all_raw(crate::stmt(
            backend,
            "SELECT o.case_id AS id, COUNT(*) AS shared, \
               (SELECT COUNT(*) FROM case_search t WHERE t.case_id = o.case_id) AS total \
             FROM case_search s JOIN case_search o ON o.token = s.token AND o.case_id <> s.case_id \
             JOIN cases c ON c.id = o.case_id \
             WHERE s.case_id = $1 AND c.program_id = $2 \
             GROUP BY o.case_id HAVING COUNT(*) >= $3 \
             ORDER BY shared DESC, o.case_id DESC LIMIT $4",
            [
                case_id.into(),
                program_id.into(),
                min_shared.into(),
                limit.into(),
            ],
        ))
        .await?;
    let mut out = Vec::new();
    for r in rows {
        let id: i64 = r.try_get("", "id")?;
        let shared: i64 = r.try_get("", "shared")?;
        let total: i64 = r.try_get("", "total")?;
        if let Some(c) = by_id(db, id).await? {
            out.push((c, shared, total));
        }
    }
    Ok(out)
}

/// Whether the case holds this blind-index token.
pub async fn has_token(
    db: &impl ConnectionTrait,
    case_id: i64,
    token: &str,
) -> Result<bool, StoreError> {
    Ok(case_search::Entity::find()
        .filter(case_search::Column::CaseId.eq(case_id))
        .filter(case_search::Column::Token.eq(token))
        .count(db)
        .await?
        > 0)
}

#[cfg(all(test, feature = "testing"))]
#[expect(clippy::unwrap_used, reason = "tests")]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::{program, testing};

    fn t(secs: i64) -> Ts {
        Utc.timestamp_opt(1_800_000_000 + secs, 123_456_000)
            .unwrap()
    }

    fn new_case<'a>(reference: &'a str, tracking: &'a str, program_id: i64) -> NewCase<'a> {
        NewCase {
            program_id,
            reference,
            state: "new",
            title_sealed: "t",
            report_sealed: "r",
            reporter_sealed: "p",
            reporter_email_hash: None,
            tracking_hash: tracking,
            channel: "api",
            severity: None,
        }
    }

    /// What report intake's group commit relies on: numbers reserved in blocks follow on from
    /// single ones, cases inserted together come back in the order given, and a batch of
    /// tokens and events is stored whole.
    #[tokio::test]
    async fn batched_writes_number_return_and_index_in_order() {
        for db in testing::all().await {
            let txn = db.store.begin().await.unwrap();
            let p = program::create(&txn, "p", "P", "", t(0)).await.unwrap();
            assert_eq!(next_number(&txn, p.id, 2026).await.unwrap(), 1);
            assert_eq!(reserve_numbers(&txn, p.id, 2026, 3).await.unwrap(), 2);
            assert_eq!(next_number(&txn, p.id, 2026).await.unwrap(), 5);
            assert_eq!(reserve_numbers(&txn, p.id, 2027, 2).await.unwrap(), 1);

            let refs = ["P-3", "P-1", "P-2"];
            let made = create_many(
                &txn,
                refs.iter()
                    .enumerate()
                    .map(|(i, r)| (new_case(r, r, p.id), t(i as i64)))
                    .collect(),
            )
            .await
            .unwrap();
            let got: Vec<&str> = made.iter().map(|c| c.reference.as_str()).collect();
            assert_eq!(got, refs, "{}", db.name);
            assert_eq!(made[2].received_at, t(2), "{}", db.name);
            assert_eq!(made[0].version, 1);

            let pairs = [
                (made[0].id, "a"),
                (made[0].id, "b"),
                (made[1].id, "a"),
                (made[0].id, "a"),
            ];
            index_token_pairs(&txn, &pairs).await.unwrap();
            index_token_pairs(&txn, &pairs[..2]).await.unwrap();
            let n = case_search::Entity::find().count(&txn).await.unwrap();
            assert_eq!(n, 3, "{}: duplicates ignored", db.name);

            let events: Vec<NewEvent<'_>> = made
                .iter()
                .map(|c| NewEvent {
                    case_id: c.id,
                    actor: "anonymous",
                    kind: "received",
                    detail: "{}",
                    at: t(9),
                })
                .collect();
            add_events(&txn, &events).await.unwrap();
            assert_eq!(self::events(&txn, made[1].id).await.unwrap().len(), 1);
            txn.commit().await.unwrap();
            db.cleanup().await;
        }
    }
}

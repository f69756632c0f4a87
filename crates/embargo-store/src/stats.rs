//! Read-only queries behind the program dashboard and the public responsiveness summary: case
//! counts by state and severity, and the cases received in a window with their timelines
//! (two queries however many cases, never one per case).

use std::collections::HashMap;

use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::case::Event;
use crate::entity::{case, case_event};
use crate::{StoreError, Ts};

/// How many cases of a program are in one state with one severity (`None`: not scored yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    pub state: String,
    pub severity: Option<String>,
    pub n: i64,
}

/// Every (state, severity) pair of a program's cases with its count, in one grouped query.
pub async fn tally(db: &impl ConnectionTrait, program_id: i64) -> Result<Vec<Tally>, StoreError> {
    let rows: Vec<(String, Option<String>, i64)> = case::Entity::find()
        .select_only()
        .column(case::Column::State)
        .column(case::Column::Severity)
        .column_as(case::Column::Id.count(), "n")
        .filter(case::Column::ProgramId.eq(program_id))
        .group_by(case::Column::State)
        .group_by(case::Column::Severity)
        .order_by_asc(case::Column::State)
        .order_by_asc(case::Column::Severity)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(state, severity, n)| Tally { state, severity, n })
        .collect())
}

/// A case as the statistics need it: no sealed text, and its whole timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowCase {
    pub id: i64,
    pub reference: String,
    pub state: String,
    pub severity: Option<String>,
    pub received_at: Ts,
    /// The case's timeline in order (`case_events` by id).
    pub events: Vec<Event>,
}

/// The cases of a program received at or after `since`, oldest first, each with its timeline.
/// Two queries: the cases (only the columns needed, not the sealed report), then every event
/// of those cases at once (`case_id IN (SELECT …)`, so no list of ids is sent back).
pub async fn received_since(
    db: &impl ConnectionTrait,
    program_id: i64,
    since: Ts,
) -> Result<Vec<WindowCase>, StoreError> {
    let cases: Vec<(i64, String, String, Option<String>, Ts)> = case::Entity::find()
        .select_only()
        .column(case::Column::Id)
        .column(case::Column::Reference)
        .column(case::Column::State)
        .column(case::Column::Severity)
        .column(case::Column::ReceivedAt)
        .filter(case::Column::ProgramId.eq(program_id))
        .filter(case::Column::ReceivedAt.gte(since))
        .order_by_asc(case::Column::ReceivedAt)
        .order_by_asc(case::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    if cases.is_empty() {
        return Ok(Vec::new());
    }
    let ids = Query::select()
        .column(case::Column::Id)
        .from(case::Entity)
        .and_where(Expr::col(case::Column::ProgramId).eq(program_id))
        .and_where(Expr::col(case::Column::ReceivedAt).gte(since))
        .to_owned();
    let events = case_event::Entity::find()
        .filter(case_event::Column::CaseId.in_subquery(ids))
        .order_by_asc(case_event::Column::CaseId)
        .order_by_asc(case_event::Column::Id)
        .all(db)
        .await?;
    let mut by_case: HashMap<i64, Vec<Event>> = HashMap::with_capacity(cases.len());
    for e in events {
        by_case.entry(e.case_id).or_default().push(e);
    }
    Ok(cases
        .into_iter()
        .map(|(id, reference, state, severity, received_at)| WindowCase {
            events: by_case.remove(&id).unwrap_or_default(),
            id,
            reference,
            state,
            severity,
            received_at,
        })
        .collect())
}

//! Case logic shared by the reporter's tracking page, the team's pages and the API: opening
//! the sealed fields, the SLA clocks from the timeline, transitions and messages. Every change
//! writes its timeline event and audit entry in the same transaction.

use embargo_domain::case::{Actor, CaseState, TransitionInput, transition};
use embargo_domain::policy::{Policy, Severity};
use embargo_domain::sla::{self, EventKind, SlaReport};
use embargo_store::{Store, Ts, case, program};
use serde_json::json;

use crate::audit;
use crate::error::{AppError, AppResult};
use crate::keys::Keys;
use crate::report::intake::{StoredReport, StoredReporter, sealing_context};

/// A case with its sealed parts opened.
#[derive(Debug, Clone)]
pub struct CaseView {
    pub row: case::Case,
    pub state: CaseState,
    pub title: String,
    pub report: StoredReport,
    pub reporter: StoredReporter,
}

fn open_text(keys: &Keys, sealed: &str, reference: &str, part: &str) -> AppResult<String> {
    keys.open(sealed, &sealing_context(reference, part))
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .map_err(|e| AppError::internal(anyhow::anyhow!("case {reference} {part}: {e}")))
}

pub fn open(keys: &Keys, row: case::Case) -> AppResult<CaseView> {
    let r = row.reference.clone();
    let state = row
        .state
        .parse::<CaseState>()
        .map_err(|e| AppError::internal(anyhow::anyhow!("{e}")))?;
    let title = open_text(keys, &row.title, &r, "title")?;
    let report = serde_json::from_str(&open_text(keys, &row.report, &r, "report")?)
        .map_err(AppError::internal)?;
    let reporter = serde_json::from_str(&open_text(keys, &row.reporter, &r, "reporter")?)
        .map_err(AppError::internal)?;
    Ok(CaseView {
        row,
        state,
        title,
        report,
        reporter,
    })
}

pub fn open_attachment_name(
    keys: &Keys,
    reference: &str,
    a: &case::Attachment,
) -> AppResult<String> {
    open_text(keys, &a.filename, reference, "attachment-name")
}

pub fn open_message(keys: &Keys, reference: &str, m: &case::Message) -> AppResult<String> {
    open_text(keys, &m.body, reference, "message")
}

/// The timeline kind under which a clock event is stored.
pub fn clock_kind(e: &EventKind) -> String {
    match e {
        EventKind::Received { .. } => "received".into(),
        EventKind::Acknowledged => "clock:acknowledged".into(),
        EventKind::Assessed => "clock:assessed".into(),
        EventKind::StatusUpdateSent => "clock:status_update_sent".into(),
        EventKind::SeveritySet(s) => format!("clock:severity:{}", s.label().to_lowercase()),
        EventKind::FixReleased => "clock:fix_released".into(),
        EventKind::Published => "clock:published".into(),
        EventKind::Paused => "clock:paused".into(),
        EventKind::Resumed => "clock:resumed".into(),
    }
}

fn parse_clock(kind: &str, detail: &str) -> Option<EventKind> {
    Some(match kind {
        "received" => EventKind::Received {
            channel: serde_json::from_str::<serde_json::Value>(detail)
                .ok()
                .and_then(|v| v["channel"].as_str().map(str::to_owned)),
        },
        "clock:acknowledged" => EventKind::Acknowledged,
        "clock:assessed" => EventKind::Assessed,
        "clock:status_update_sent" => EventKind::StatusUpdateSent,
        "clock:fix_released" => EventKind::FixReleased,
        "clock:published" => EventKind::Published,
        "clock:paused" => EventKind::Paused,
        "clock:resumed" => EventKind::Resumed,
        k => EventKind::SeveritySet(severity_band(k.strip_prefix("clock:severity:")?)?),
    })
}

/// A stored severity band (`low` … `critical`, as `cases.severity` holds it).
pub fn severity_band(s: &str) -> Option<Severity> {
    Some(match s {
        "low" => Severity::Low,
        "medium" => Severity::Medium,
        "high" => Severity::High,
        "critical" => Severity::Critical,
        _ => return None,
    })
}

pub fn to_jiff(t: Ts) -> jiff::Timestamp {
    jiff::Timestamp::from_microsecond(t.timestamp_micros()).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

/// The SLA clocks of a case at `now`.
pub fn clocks(policy: &Policy, events: &[case::Event], now: Ts) -> AppResult<SlaReport> {
    let cal = embargo_domain::calendar::BusinessCalendar::from_spec(&policy.calendar)
        .map_err(|e| AppError::internal(anyhow::anyhow!("{e}")))?;
    let evs: Vec<sla::Event> = events
        .iter()
        .filter_map(|e| {
            parse_clock(&e.kind, &e.detail).map(|kind| sla::Event {
                at: to_jiff(e.at),
                kind,
            })
        })
        .collect();
    sla::evaluate(policy, &cal, &evs, to_jiff(now))
        .map_err(|e| AppError::internal(anyhow::anyhow!("{e}")))
}

/// What the reporter should expect next, in plain words: "We will acknowledge your report by
/// Monday 3 March 2026, 17:00 CET."
pub fn next_for_reporter(policy: &Policy, clocks: &SlaReport) -> Option<String> {
    use embargo_domain::sla::ClockKind;
    let c = clocks
        .due_next
        .and_then(|k| clocks.clocks.iter().find(|c| c.kind == k))?;
    let deadline = c.deadline?;
    let what = match c.kind {
        ClockKind::Acknowledgement => "We will acknowledge your report",
        ClockKind::InitialAssessment => "We will send you our initial assessment",
        ClockKind::StatusUpdate => "We will send you a status update",
        ClockKind::Resolution => "Our target for a fix is",
    };
    Some(format!("{what} by {}.", local_time(policy, deadline)))
}

/// A deadline in the program's time zone, as people read it.
pub fn local_time(policy: &Policy, t: jiff::Timestamp) -> String {
    t.to_zoned(policy.calendar.time_zone.zone.clone())
        .strftime("%A %-d %B %Y, %H:%M %Z")
        .to_string()
}

/// Loads a case and its program's policy.
pub async fn load(
    store: &Store,
    keys: &Keys,
    row: case::Case,
) -> AppResult<(CaseView, program::Program, Policy)> {
    let prog = program::by_id(store.conn(), row.program_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let policy = crate::program::service::policy_of(&prog)?;
    Ok((open(keys, row)?, prog, policy))
}

async fn program_of(
    db: &impl embargo_store::ConnectionTrait,
    view: &CaseView,
) -> AppResult<program::Program> {
    program::by_id(db, view.row.program_id)
        .await?
        .ok_or(AppError::NotFound)
}

/// Who changes a case, for the timeline and the audit log.
#[derive(Debug, Clone)]
pub struct ChangeBy {
    pub actor: Actor,
    /// `user:3`, `reporter`, …
    pub id: String,
    pub ip: String,
}

/// Writes a change to the case timeline and the audit log (`case.<kind>`), in the caller's
/// transaction and with the same detail, which never holds report text.
pub(crate) async fn record_change(
    txn: &impl embargo_store::ConnectionTrait,
    view: &CaseView,
    by: &ChangeBy,
    kind: &str,
    detail: serde_json::Value,
    now: Ts,
) -> AppResult<()> {
    case::add_event(txn, view.row.id, &by.id, kind, &detail.to_string(), now).await?;
    audit::record(
        txn,
        &by.id,
        &by.ip,
        &format!("case.{kind}"),
        &format!("case:{}", view.row.reference),
        detail,
        now,
    )
    .await
}

/// Records an event the SLA clocks read.
async fn clock_event(
    txn: &impl embargo_store::ConnectionTrait,
    view: &CaseView,
    by: &ChangeBy,
    e: &EventKind,
    now: Ts,
) -> AppResult<()> {
    case::add_event(txn, view.row.id, &by.id, &clock_kind(e), "{}", now).await?;
    Ok(())
}

/// Moves a case to `to`, if the transition is allowed and the case is still at
/// `expected_version`. Records the timeline (with the clock events the change implies) and
/// the audit entry in the same transaction.
pub async fn change_state(
    state: &crate::state::AppState,
    view: &CaseView,
    to: CaseState,
    input: TransitionInput,
    expected_version: i32,
    by: &ChangeBy,
) -> AppResult<case::Case> {
    let (store, keys, now) = (&state.store, &state.keys, state.now());
    let input = match view
        .row
        .previous_state
        .as_deref()
        .and_then(|p| p.parse().ok())
    {
        Some(prev) if input.previous.is_none() => input.previous(prev),
        _ => input,
    };
    let effect = transition(view.state, to, &input).map_err(|e| {
        use embargo_domain::case::TransitionError as E;
        match e {
            E::ReasonRequired { .. } | E::ReasonTooLong { .. } => {
                AppError::validation("reason", e.to_string())
            }
            E::OriginalRequired => AppError::validation("duplicate_of", e.to_string()),
            other => AppError::Conflict(other.to_string()),
        }
    })?;
    let txn = store.begin().await?;
    let previous = (to == CaseState::NeedsInfo).then(|| view.state.as_str().to_owned());
    let updated = case::update(&txn, view.row.id, expected_version, now, |m| {
        m.state = sea_orm::Set(to.as_str().to_owned());
        if to == CaseState::NeedsInfo {
            m.previous_state = sea_orm::Set(previous.clone());
        }
    })
    .await?;
    // The reason may describe the vulnerability: it is sealed like the report (ADR 0005).
    let reason = effect.reason.as_deref().map(|r| {
        keys.seal(
            r.as_bytes(),
            &sealing_context(&view.row.reference, "reason"),
        )
    });
    let detail = json!({ "from": view.state.as_str(), "to": to.as_str(), "reason_sealed": reason, "duplicate_of": effect.duplicate_of.as_ref().map(ToString::to_string) });
    record_change(&txn, view, by, "state_changed", detail, now).await?;
    // What the team tells the reporter with the change (the question of needs-info, the
    // canned out-of-scope answer…) goes on the thread, where the tracking page shows it.
    if effect.notify_reporter
        && by.actor == Actor::Team
        && let Some(reason) = effect
            .reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
    {
        let sealed = keys.seal(
            reason.as_bytes(),
            &sealing_context(&view.row.reference, "message"),
        );
        let msg = case::NewMessage {
            case_id: view.row.id,
            author: "team",
            author_user_id: None,
            visibility: "thread",
            body_sealed: &sealed,
            via: "web",
        };
        case::add_message(&txn, msg, now).await?;
    }
    for e in &effect.events {
        clock_event(&txn, view, by, e, now).await?;
    }
    let prog = program_of(&txn, view).await?;
    crate::notification::state_changed(
        &txn,
        state,
        &prog,
        view,
        to,
        effect.reason.as_deref().filter(|_| effect.notify_reporter),
        by.actor == Actor::Reporter,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// A message to add to a case.
#[derive(Debug, Clone, Copy)]
pub struct Post<'a> {
    pub body: &'a str,
    /// `thread` (the reporter sees it) or `internal` (team only).
    pub visibility: &'a str,
    /// `web`, `api`, `email`.
    pub via: &'a str,
    pub user_id: Option<i64>,
    /// Files sent with the message (stored sealed, linked to it).
    pub attachments: &'a [crate::report::intake::Upload],
}

/// Stores a file of a case (sealed; the type sniffed from the content, never trusted from the
/// sender), in the caller's transaction.
pub async fn add_attachment(
    db: &impl embargo_store::ConnectionTrait,
    keys: &Keys,
    case_id: i64,
    message_id: Option<i64>,
    reference: &str,
    file: &crate::report::intake::Upload,
    now: Ts,
) -> AppResult<()> {
    let name = crate::report::sniff::clean_filename(&file.filename);
    case::add_attachment(
        db,
        case::NewAttachment {
            case_id,
            message_id,
            filename_sealed: &keys.seal(
                name.as_bytes(),
                &sealing_context(reference, "attachment-name"),
            ),
            content_type: crate::report::sniff::sniff(&file.data),
            size: file.data.len() as i64,
            sha256: &embargo_store::sha256_hex(&file.data),
            data_sealed: keys.seal_bytes(&file.data, &sealing_context(reference, "attachment")),
        },
        now,
    )
    .await?;
    Ok(())
}

/// Adds a message to the thread or an internal note.
pub async fn post_message(
    state: &crate::state::AppState,
    view: &CaseView,
    post: Post<'_>,
    by: &ChangeBy,
) -> AppResult<()> {
    let (store, keys, now) = (&state.store, &state.keys, state.now());
    let Post {
        body,
        visibility,
        via,
        user_id,
        attachments,
    } = post;
    let body = body.trim();
    if body.is_empty() && attachments.is_empty() {
        return Err(AppError::validation("body", "the message is empty"));
    }
    if body.chars().count() > crate::report::intake::MAX_FIELD_CHARS {
        return Err(AppError::validation(
            "body",
            "the message is too long; attach longer material as a file",
        ));
    }
    let reference = &view.row.reference;
    let author = match by.actor {
        Actor::Reporter => "reporter",
        Actor::Team => "team",
    };
    let txn = store.begin().await?;
    let message = case::add_message(
        &txn,
        case::NewMessage {
            case_id: view.row.id,
            author,
            author_user_id: user_id,
            visibility,
            body_sealed: &keys.seal(body.as_bytes(), &sealing_context(reference, "message")),
            via,
        },
        now,
    )
    .await?;
    for a in attachments {
        add_attachment(&txn, keys, view.row.id, Some(message.id), reference, a, now).await?;
    }
    let tokens: Vec<String> = crate::report::intake::words(body)
        .iter()
        .map(|w| keys.blind("word", w))
        .collect();
    case::index_tokens(&txn, view.row.id, &tokens).await?;
    let kind = if visibility == "internal" {
        "note"
    } else {
        "message"
    };
    record_change(&txn, view, by, kind, json!({ "author": author }), now).await?;
    // A team reply on the thread is a status update for the clocks.
    if author == "team" && visibility == "thread" {
        clock_event(&txn, view, by, &EventKind::StatusUpdateSent, now).await?;
    }
    let prog = program_of(&txn, view).await?;
    match (author, visibility) {
        ("team", "thread") => {
            crate::notification::team_wrote(&txn, state, &prog, view, body, now).await?;
        }
        ("reporter", _) => {
            crate::notification::reporter_wrote(&txn, state, &prog, view, now).await?
        }
        _ => {}
    }
    txn.commit().await?;
    Ok(())
}

/// Sets the team's CVSS vector and the severity band it gives. Re-targets the resolution clock.
pub async fn set_severity(
    store: &Store,
    view: &CaseView,
    vector: &str,
    policy: &Policy,
    expected_version: i32,
    by: &ChangeBy,
    now: Ts,
) -> AppResult<case::Case> {
    let parsed = embargo_domain::cvss::parse(vector.trim())
        .map_err(|e| AppError::validation("vector", e.to_string()))?;
    embargo_domain::cvss::check_against_policy(&parsed, &policy.severity)
        .map_err(|e| AppError::validation("vector", e.to_string()))?;
    let band = parsed.severity;
    let txn = store.begin().await?;
    let updated = case::update(&txn, view.row.id, expected_version, now, |m| {
        m.severity = sea_orm::Set(band.map(|b| b.label().to_lowercase()));
    })
    .await?;
    let detail = json!({ "vector": parsed.vector, "score": parsed.base_score, "severity": band.map(|b| b.label()) });
    record_change(&txn, view, by, "severity_set", detail, now).await?;
    if let Some(b) = band {
        clock_event(&txn, view, by, &EventKind::SeveritySet(b), now).await?;
    }
    txn.commit().await?;
    Ok(updated)
}

/// Assigns the case to a team member (or nobody).
pub async fn assign(
    store: &Store,
    view: &CaseView,
    assignee: Option<i64>,
    expected_version: i32,
    by: &ChangeBy,
    now: Ts,
) -> AppResult<case::Case> {
    let txn = store.begin().await?;
    if let Some(uid) = assignee {
        let allowed = match embargo_store::user::by_id(&txn, uid).await? {
            Some(u) if u.role == "admin" => true,
            Some(u) => program::role_of(&txn, view.row.program_id, u.id)
                .await?
                .is_some(),
            None => false,
        };
        if !allowed {
            return Err(AppError::validation(
                "assignee",
                "assign to a member of this program",
            ));
        }
    }
    let updated = case::update(&txn, view.row.id, expected_version, now, |m| {
        m.assignee_id = sea_orm::Set(assignee)
    })
    .await?;
    record_change(
        &txn,
        view,
        by,
        "assigned",
        json!({ "assignee": assignee }),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// How the reporter wants to be credited.
#[derive(Debug, Clone)]
pub struct CreditChoice {
    /// `name`, `handle` or `anonymous`.
    pub kind: String,
    pub name: String,
    pub link: String,
    /// The reporter ticked "credit me as above".
    pub consent: bool,
}

/// Records the reporter's credit choice and consent (sealed with the other reporter details).
pub async fn set_credit(
    state: &crate::state::AppState,
    view: &CaseView,
    choice: CreditChoice,
    by: &ChangeBy,
) -> AppResult<()> {
    let now = state.now();
    let kind = match choice.kind.as_str() {
        k @ ("name" | "handle" | "anonymous") => k.to_owned(),
        _ => {
            return Err(AppError::validation(
                "kind",
                "choose name, handle or anonymous",
            ));
        }
    };
    let name = choice.name.trim();
    if kind != "anonymous" && name.is_empty() {
        return Err(AppError::validation(
            "name",
            "give the name or handle to credit",
        ));
    }
    if name.chars().count() > 120 {
        return Err(AppError::validation("name", "at most 120 characters"));
    }
    let link = choice.link.trim();
    if !(link.is_empty() || link.starts_with("https://") || link.starts_with("http://")) {
        return Err(AppError::validation(
            "link",
            "a link must start with https://",
        ));
    }
    if kind != "anonymous" && !choice.consent {
        return Err(AppError::validation(
            "consent",
            "tick the box to consent to be credited as shown",
        ));
    }
    let mut r = view.reporter.clone();
    r.credit_kind = Some(kind.clone());
    r.credit = (kind != "anonymous").then(|| name.to_owned());
    r.credit_link = (kind != "anonymous" && !link.is_empty()).then(|| link.to_owned());
    r.credit_consent_at =
        (kind != "anonymous").then(|| now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    let sealed = state.keys.seal(
        serde_json::to_string(&r)
            .map_err(AppError::internal)?
            .as_bytes(),
        &sealing_context(&view.row.reference, "reporter"),
    );
    let txn = state.store.begin().await?;
    case::set_reporter(&txn, view.row.id, &sealed, now).await?;
    record_change(
        &txn,
        view,
        by,
        "credit_set",
        json!({ "kind": kind, "consent": kind != "anonymous" }),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The reporter (or the team) proposes a disclosure date; agreement is recorded in issue 5's
/// embargo work, the proposals are on the timeline now.
pub async fn propose_disclosure(
    state: &crate::state::AppState,
    view: &CaseView,
    date: &str,
    by: &ChangeBy,
) -> AppResult<jiff::civil::Date> {
    let now = state.now();
    let day: jiff::civil::Date = date
        .trim()
        .parse()
        .map_err(|_| AppError::validation("date", "give a date as YYYY-MM-DD"))?;
    let today = crate::program::service::today(now);
    if day <= today {
        return Err(AppError::validation(
            "date",
            "the date must be in the future",
        ));
    }
    let who = if by.actor == Actor::Reporter {
        "reporter"
    } else {
        "team"
    };
    let txn = state.store.begin().await?;
    record_change(
        &txn,
        view,
        by,
        "disclosure_proposed",
        json!({ "date": day.to_string(), "by": who }),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(day)
}

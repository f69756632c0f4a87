//! Who is told what, and how: for each case event, the mails (to the reporter — encrypted to
//! their key when they gave one — and to the team) and the webhook calls, queued in the
//! outbox inside the transaction of the change.
//!
//! Mail to the team carries a link and the reference, never report content (team mail is not
//! encrypted); mail to the reporter carries what the team wrote to them, as the tracking page
//! does. Subjects never carry content.

use embargo_domain::case::CaseState;
use embargo_domain::policy::Policy;
use embargo_domain::sla::ClockKind;
use embargo_store::{ConnectionTrait, Ts, case, program, user};
use serde_json::json;

use crate::case::service::{self, CaseView};
use crate::error::AppResult;
use crate::outbox::{self, Mail};
use crate::report::intake::StoredReporter;
use crate::state::AppState;

/// Addresses of the people who should act on a case: its assignee, else the program's
/// triagers and admins, else the instance's admins. Disabled accounts are skipped.
pub async fn team_addresses(
    db: &impl ConnectionTrait,
    program_id: i64,
    assignee_id: Option<i64>,
) -> AppResult<Vec<String>> {
    if let Some(id) = assignee_id
        && let Some(u) = user::by_id(db, id).await?
        && u.disabled_at.is_none()
    {
        return Ok(vec![u.email]);
    }
    let mut out = Vec::new();
    for m in program::members(db, program_id).await? {
        if matches!(m.role.as_str(), "triager" | "admin")
            && let Some(u) = user::by_id(db, m.user_id).await?
            && u.disabled_at.is_none()
        {
            out.push(u.email);
        }
    }
    if out.is_empty() {
        out = user::list(db)
            .await?
            .into_iter()
            .filter(|u| u.role == "admin" && u.disabled_at.is_none())
            .map(|u| u.email)
            .collect();
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn case_url(state: &AppState, reference: &str) -> String {
    format!("{}/cases/{reference}", state.public_url)
}

fn signature(prog: &program::Program) -> String {
    format!(
        "\n-- \n{} security team, via Embargo\nReply to this message to add to your report; keep the reference in the subject.\n",
        prog.name
    )
}

/// A mail to the reporter, if they left an address; encrypted when they left a key.
#[expect(
    clippy::too_many_arguments,
    reason = "the mail's parts, named at the call"
)]
async fn to_reporter(
    db: &impl ConnectionTrait,
    state: &AppState,
    reporter: &StoredReporter,
    ids: (i64, i64, &str),
    event: &str,
    subject: String,
    text: String,
    now: Ts,
) -> AppResult<()> {
    let (program_id, case_id, reference) = ids;
    let Some(to) = reporter.email.as_deref() else {
        return Ok(());
    };
    let mail = Mail {
        to: to.to_owned(),
        subject,
        text,
        encrypt_to: reporter.pgp_key.clone().filter(|k| !k.trim().is_empty()),
        case_reference: Some(reference.to_owned()),
        automatic: true,
    };
    outbox::enqueue_mail(
        db,
        &state.keys,
        Some(program_id),
        Some(case_id),
        event,
        None,
        &mail,
        now,
    )
    .await?;
    Ok(())
}

#[expect(
    clippy::too_many_arguments,
    reason = "the event's parts, named at the call"
)]
async fn to_team(
    db: &impl ConnectionTrait,
    state: &AppState,
    program_id: i64,
    case_id: i64,
    assignee_id: Option<i64>,
    event: &str,
    dedupe_key: Option<&str>,
    subject: &str,
    text: &str,
    now: Ts,
) -> AppResult<()> {
    for to in team_addresses(db, program_id, assignee_id).await? {
        let key = dedupe_key.map(|k| format!("{k}:{to}"));
        let mail = Mail {
            to,
            subject: subject.to_owned(),
            text: text.to_owned(),
            encrypt_to: None,
            case_reference: None,
            automatic: true,
        };
        outbox::enqueue_mail(
            db,
            &state.keys,
            Some(program_id),
            Some(case_id),
            event,
            key.as_deref(),
            &mail,
            now,
        )
        .await?;
    }
    Ok(())
}

fn hook_body(
    state: &AppState,
    event: &str,
    prog: &program::Program,
    reference: &str,
    case_state: &str,
    now: Ts,
) -> serde_json::Value {
    json!({
        "event": event,
        "program": prog.slug,
        "case": { "reference": reference, "state": case_state, "url": case_url(state, reference) },
        "at": now.to_rfc3339(),
    })
}

/// The team's mail and the program's webhooks for one event (the pair most events send).
struct TeamNotice<'a> {
    row: &'a case::Case,
    event: &'a str,
    dedupe_key: Option<&'a str>,
    subject: String,
    text: String,
    hook: serde_json::Value,
}

async fn tell_team(
    db: &impl ConnectionTrait,
    state: &AppState,
    prog: &program::Program,
    n: TeamNotice<'_>,
    now: Ts,
) -> AppResult<()> {
    to_team(
        db,
        state,
        prog.id,
        n.row.id,
        n.row.assignee_id,
        n.event,
        n.dedupe_key,
        &n.subject,
        &n.text,
        now,
    )
    .await?;
    outbox::enqueue_webhooks(
        db,
        &state.keys,
        prog.id,
        Some(n.row.id),
        n.event,
        n.dedupe_key,
        &n.hook,
        now,
    )
    .await
}

/// A new case: the reporter's receipt (with the tracking link and what happens next, from the
/// policy's clocks), the team's notice, and `case.created`.
#[expect(
    clippy::too_many_arguments,
    reason = "the new case's parts, named at the call"
)]
pub async fn case_created(
    db: &impl ConnectionTrait,
    state: &AppState,
    prog: &program::Program,
    policy: &Policy,
    row: &case::Case,
    reporter: &StoredReporter,
    tracking_url: &str,
    now: Ts,
) -> AppResult<()> {
    let reference = row.reference.as_str();
    let received = case::Event {
        id: 0,
        case_id: row.id,
        at: row.received_at,
        actor: "reporter".into(),
        kind: "received".into(),
        detail: json!({ "channel": row.channel }).to_string(),
    };
    let next = service::clocks(policy, &[received], now)
        .ok()
        .and_then(|c| service::next_for_reporter(policy, &c))
        .unwrap_or_default();
    let text = format!(
        "Thank you for your report to {name}. We received it on {at} as {reference}.\n\n\
         {next}\n\n\
         Follow the case, answer our questions, add files, propose a disclosure date or choose how \
         to be credited on your private tracking page (keep this link to yourself; anyone with it \
         can read the case):\n\n  {tracking_url}\n{sig}",
        name = prog.name,
        at = service::local_time(policy, service::to_jiff(row.received_at)),
        sig = signature(prog),
    );
    to_reporter(
        db,
        state,
        reporter,
        (prog.id, row.id, reference),
        "case.created",
        format!("[{reference}] We received your report"),
        text,
        now,
    )
    .await?;
    tell_team(
        db,
        state,
        prog,
        TeamNotice {
            row,
            event: "case.created",
            dedupe_key: None,
            subject: format!("[{reference}] New report for {}", prog.name),
            text: format!(
                "A new report arrived for {} ({}).\n\n  {}\n",
                prog.name,
                row.channel,
                case_url(state, reference)
            ),
            hook: hook_body(state, "case.created", prog, reference, &row.state, now),
        },
        now,
    )
    .await
}

/// The reporter wrote (tracking page or mail): the team is told, and `message.received`.
pub async fn reporter_wrote(
    db: &impl ConnectionTrait,
    state: &AppState,
    prog: &program::Program,
    view: &CaseView,
    now: Ts,
) -> AppResult<()> {
    let reference = view.row.reference.as_str();
    tell_team(
        db,
        state,
        prog,
        TeamNotice {
            row: &view.row,
            event: "message.received",
            dedupe_key: None,
            subject: format!("[{reference}] The reporter wrote"),
            text: format!(
                "The reporter added to {reference}.\n\n  {}\n",
                case_url(state, reference)
            ),
            hook: hook_body(
                state,
                "message.received",
                prog,
                reference,
                view.state.as_str(),
                now,
            ),
        },
        now,
    )
    .await
}

/// The team proposed an embargo end (or moved it): the reporter is asked to agree on their
/// tracking page. The mail names the date, nothing of the report.
pub async fn embargo_proposed(
    db: &impl ConnectionTrait,
    state: &AppState,
    view: &CaseView,
    end: &str,
    now: Ts,
) -> AppResult<()> {
    let prog = program::by_id(db, view.row.program_id)
        .await?
        .ok_or(crate::error::AppError::NotFound)?;
    let reference = view.row.reference.as_str();
    to_reporter(
        db,
        state,
        &view.reporter,
        (prog.id, view.row.id, reference),
        "embargo.proposed",
        format!("[{reference}] Proposed disclosure date"),
        format!(
            "We propose to publish the advisory for your report on {end}.\n\nPlease agree to \
             this date, or propose another, on your private tracking page.\n{}",
            signature(&prog)
        ),
        now,
    )
    .await
}

/// A participant wrote in the coordination thread: the team is told (no content).
pub async fn participant_wrote(
    db: &impl ConnectionTrait,
    state: &AppState,
    prog: &program::Program,
    view: &CaseView,
    who: &str,
    now: Ts,
) -> AppResult<()> {
    let reference = view.row.reference.as_str();
    to_team(
        db,
        state,
        prog.id,
        view.row.id,
        view.row.assignee_id,
        "coordination.message",
        None,
        &format!("[{reference}] A participant wrote"),
        &format!(
            "{who} wrote in the coordination thread of {reference}.\n\n  {}/coordination\n",
            case_url(state, reference)
        ),
        now,
    )
    .await
}

/// An embargo ends soon: the team is told once per end date and lead (the dedupe key).
pub async fn embargo_ending(
    db: &impl ConnectionTrait,
    state: &AppState,
    prog: &program::Program,
    row: &case::Case,
    left: &str,
    key: &str,
    now: Ts,
) -> AppResult<()> {
    let reference = row.reference.as_str();
    let mut hook = hook_body(state, "embargo.ending", prog, reference, &row.state, now);
    hook["left"] = json!(left);
    tell_team(
        db,
        state,
        prog,
        TeamNotice {
            row,
            event: "embargo.ending",
            dedupe_key: Some(key),
            subject: format!("[{reference}] Embargo ends in {left}"),
            text: format!(
                "The embargo of {reference} ends in {left}.\n\n  {}/coordination\n",
                case_url(state, reference)
            ),
            hook,
        },
        now,
    )
    .await
}

/// The team wrote to the reporter: the message goes to them by mail.
pub async fn team_wrote(
    db: &impl ConnectionTrait,
    state: &AppState,
    prog: &program::Program,
    view: &CaseView,
    body: &str,
    now: Ts,
) -> AppResult<()> {
    let reference = view.row.reference.as_str();
    to_reporter(
        db,
        state,
        &view.reporter,
        (prog.id, view.row.id, reference),
        "message.sent",
        format!("[{reference}] A message about your report"),
        format!("{body}\n{}", signature(prog)),
        now,
    )
    .await
}

/// A state change: the reporter reads the new status in plain words (with what the team wrote
/// with it, if anything), and `case.state_changed`.
#[expect(
    clippy::too_many_arguments,
    reason = "the change's parts, named at the call"
)]
pub async fn state_changed(
    db: &impl ConnectionTrait,
    state: &AppState,
    prog: &program::Program,
    view: &CaseView,
    to: CaseState,
    told_reporter: Option<&str>,
    by_reporter: bool,
    now: Ts,
) -> AppResult<()> {
    let reference = view.row.reference.as_str();
    if !by_reporter {
        let mut text = format!(
            "The status of your report {reference} is now: {}.\n{}\n",
            to.reporter_label(),
            to.reporter_explanation()
        );
        if let Some(t) = told_reporter {
            text.push_str(&format!("\n{t}\n"));
        }
        text.push_str(&signature(prog));
        to_reporter(
            db,
            state,
            &view.reporter,
            (prog.id, view.row.id, reference),
            "case.state_changed",
            format!("[{reference}] Status: {}", to.reporter_label()),
            text,
            now,
        )
        .await?;
    }
    outbox::enqueue_webhooks(
        db,
        &state.keys,
        prog.id,
        Some(view.row.id),
        "case.state_changed",
        None,
        &json!({
            "event": "case.state_changed",
            "program": prog.slug,
            "case": { "reference": reference, "state": to.as_str(), "previous_state": view.state.as_str(), "url": case_url(state, reference) },
            "at": now.to_rfc3339(),
        }),
        now,
    )
    .await
}

/// An advisory was published (or a revision, or its withdrawal): `advisory.published` /
/// `advisory.withdrawn` with the public URL. The announcement e-mail to subscribers is not
/// built yet.
pub async fn advisory_published(
    state: &AppState,
    db: &impl ConnectionTrait,
    program_id: i64,
    advisory_id: &str,
    revision: u32,
    status: &str,
) -> AppResult<()> {
    let now = state.clock.now();
    let event = if status == "withdrawn" {
        "advisory.withdrawn"
    } else {
        "advisory.published"
    };
    outbox::enqueue_webhooks(
        db,
        &state.keys,
        program_id,
        None,
        event,
        None,
        &json!({
            "event": event,
            "advisory": { "id": advisory_id, "revision": revision, "url": format!("{}/advisories/{advisory_id}", state.public_url.trim_end_matches('/')) },
            "at": now.to_rfc3339(),
        }),
        now,
    )
    .await
}

/// A clock will breach within the reminder lead: the team is told once per clock and
/// deadline (the dedupe key), and `clock.due_soon`.
pub async fn clock_due_soon(
    db: &impl ConnectionTrait,
    state: &AppState,
    prog: &program::Program,
    row: &case::Case,
    clock: ClockKind,
    deadline: jiff::Timestamp,
    now: Ts,
) -> AppResult<()> {
    let reference = row.reference.as_str();
    let key = format!("clock:{}:{clock:?}:{}", row.id, deadline.as_second());
    let when = deadline.to_string();
    let mut hook = hook_body(state, "clock.due_soon", prog, reference, &row.state, now);
    hook["clock"] = serde_json::to_value(clock).unwrap_or_default();
    hook["deadline"] = json!(when);
    tell_team(
        db,
        state,
        prog,
        TeamNotice {
            row,
            event: "clock.due_soon",
            dedupe_key: Some(&key),
            subject: format!("[{reference}] Due soon: {}", clock.describe()),
            text: format!(
                "The promise to {} on {reference} is due at {when}.\n\n  {}\n",
                clock.describe(),
                case_url(state, reference)
            ),
            hook,
        },
        now,
    )
    .await
}

/// The `sla.remind` job: for every open case, each running clock due within
/// `mail.clock_reminder_hours` is announced once (dedupe key per case, clock and deadline).
/// Returns how many reminders were queued.
pub async fn remind_due(state: &AppState) -> AppResult<usize> {
    use embargo_domain::sla::ClockState;
    let now = state.now();
    let lead = jiff::SignedDuration::from_hours(i64::from(state.config.mail.clock_reminder_hours));
    let db = state.store.conn();
    let programs = program::list(db).await?;
    let open: Vec<String> = CaseState::ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|s| s.as_str().to_owned())
        .collect();
    let mut queued = 0;
    for prog in &programs {
        let Ok(policy) = crate::program::service::policy_of(prog) else {
            continue;
        };
        let (rows, _) = case::queue(
            db,
            &case::QueueFilter {
                program_ids: vec![prog.id],
                states: open.clone(),
                limit: 100_000,
                ..Default::default()
            },
        )
        .await?;
        for row in rows {
            let events = case::events(db, row.id).await?;
            let Ok(report) = service::clocks(&policy, &events, now) else {
                continue;
            };
            for c in &report.clocks {
                let (ClockState::Running, Some(deadline)) = (c.state, c.deadline) else {
                    continue;
                };
                let left = deadline.duration_since(service::to_jiff(now));
                if left > lead || left.is_negative() {
                    continue;
                }
                let txn = state.store.begin().await?;
                clock_due_soon(&txn, state, prog, &row, c.kind, deadline, now).await?;
                txn.commit().await?;
                queued += 1;
            }
        }
    }
    Ok(queued)
}

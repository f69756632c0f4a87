//! Coordination logic: the embargo of a case (proposal, agreement, admin override,
//! exploitation), invited participants (invitation, revocation, NDA, view log), vendor
//! statuses and the team–participant thread. Every change writes its timeline event and audit
//! entry in the same transaction, and its mail through the outbox.

use embargo_domain::coordination::{self, ParticipantRole};
use embargo_domain::embargo::{self as rules, Countdown};
use embargo_domain::policy::Policy;
use embargo_store::{Ts, advisory, coordination as store, program, sha256_hex};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::auth::random_token;
use crate::case::service::{self, CaseView, ChangeBy, record_change, to_jiff};
use crate::error::{AppError, AppResult};
use crate::keys::Keys;
use crate::outbox::{self, Mail};
use crate::state::AppState;

/// What is sealed of a participant: they are people outside the team.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Contact {
    pub name: String,
    pub email: String,
    #[serde(default)]
    pub organisation: String,
    /// The policy's pre-notification group they belong to ("downstream packagers").
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub pgp_key: Option<String>,
}

/// A participant, opened.
#[derive(Debug, Clone)]
pub struct Participant {
    pub row: store::Participant,
    pub role: ParticipantRole,
    pub contact: Contact,
}

impl Participant {
    pub fn active(&self) -> bool {
        self.row.revoked_at.is_none()
    }
    /// Whether the NDA gate is passed (or there is none for this role).
    pub fn cleared(&self) -> bool {
        !self.role.needs_nda() || self.row.nda_accepted_at.is_some()
    }
    /// How the team and the matrix name them.
    pub fn label(&self) -> String {
        if self.contact.organisation.is_empty() {
            self.contact.name.clone()
        } else {
            format!("{} ({})", self.contact.organisation, self.contact.name)
        }
    }
}

fn contact_context(case_id: i64) -> String {
    format!("participant:{case_id}")
}

fn text_context(case_id: i64) -> String {
    format!("coordination:{case_id}")
}

pub fn open_participant(keys: &Keys, row: store::Participant) -> AppResult<Participant> {
    let plain = keys
        .open(&row.contact, &contact_context(row.case_id))
        .map_err(AppError::internal)?;
    let contact = serde_json::from_slice(&plain).map_err(AppError::internal)?;
    let role = row.role.parse().map_err(AppError::internal)?;
    Ok(Participant { row, role, contact })
}

pub async fn participants(state: &AppState, case_id: i64) -> AppResult<Vec<Participant>> {
    store::participants(state.store.conn(), case_id)
        .await?
        .into_iter()
        .map(|r| open_participant(&state.keys, r))
        .collect()
}

/// Opens sealed coordination text (statements, messages) of a case.
pub fn open_text(keys: &Keys, case_id: i64, sealed: &str) -> AppResult<String> {
    let b = keys
        .open(sealed, &text_context(case_id))
        .map_err(AppError::internal)?;
    Ok(String::from_utf8_lossy(&b).into_owned())
}

pub(crate) fn seal_text(keys: &Keys, case_id: i64, text: &str) -> String {
    keys.seal(text.as_bytes(), &text_context(case_id))
}

// ---- the embargo ----

/// The embargo of a case as pages show it.
#[derive(Debug, Clone)]
pub struct EmbargoView {
    pub row: advisory::Embargo,
    pub ends_at: Timestamp,
    /// The end in its stated time zone ("2026-03-10 14:00 Europe/Paris").
    pub local: String,
    pub team_agreed: bool,
    pub reporter_agreed: bool,
    /// Agreed as the policy requires (team, and the reporter when the policy says so).
    pub agreed: bool,
    pub countdown: Countdown,
    pub time_left: String,
    /// When pre-notification goes out (end − the policy's lead time).
    pub prenotify_at: Option<String>,
}

/// A fix counts as ready from `fix-ready` on (the "at risk" flag looks at this).
pub fn fix_ready(view: &CaseView) -> bool {
    use embargo_domain::case::CaseState as S;
    matches!(view.state, S::FixReady | S::Disclosed | S::Closed)
}

pub(crate) fn local(ts: Timestamp, tz: &str) -> String {
    match jiff::tz::TimeZone::get(tz) {
        Ok(zone) => format!("{} {tz}", ts.to_zoned(zone).strftime("%Y-%m-%d %H:%M")),
        Err(_) => format!("{} UTC", ts.strftime("%Y-%m-%d %H:%M")),
    }
}

pub async fn embargo_view(
    state: &AppState,
    policy: &Policy,
    view: &CaseView,
) -> AppResult<Option<EmbargoView>> {
    let Some(row) = advisory::embargo(state.store.conn(), view.row.id).await? else {
        return Ok(None);
    };
    let now = to_jiff(state.now());
    let ends_at = to_jiff(row.ends_at);
    let (team, reporter) = (
        row.team_agreed_at.is_some(),
        row.reporter_agreed_at.is_some(),
    );
    Ok(Some(EmbargoView {
        local: local(ends_at, &row.time_zone),
        team_agreed: team,
        reporter_agreed: reporter,
        agreed: coordination::agreed(policy.embargo.as_ref(), team, reporter),
        countdown: rules::countdown(ends_at, fix_ready(view), now),
        time_left: rules::time_left(ends_at, now),
        prenotify_at: rules::prenotify_at(policy.prenotification.as_ref(), ends_at)
            .map(|t| local(t, &row.time_zone)),
        ends_at,
        row,
    }))
}

/// A proposed embargo end, as the form gives it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Proposal {
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub time: String,
    #[serde(default)]
    pub time_zone: String,
    /// Admins only: lifts the policy's maximum, recorded with the embargo.
    #[serde(default)]
    pub override_reason: String,
    #[serde(default)]
    pub version: String,
}

/// Parses a local date and time in a named time zone.
pub fn parse_end(date: &str, time: &str, tz: &str) -> AppResult<Timestamp> {
    let day: jiff::civil::Date = date
        .trim()
        .parse()
        .map_err(|_| AppError::validation("date", "give the date as YYYY-MM-DD"))?;
    let time = if time.trim().is_empty() {
        "00:00"
    } else {
        time.trim()
    };
    let at: jiff::civil::Time = time
        .parse()
        .map_err(|_| AppError::validation("time", "give the time as HH:MM (24-hour)"))?;
    let zone = jiff::tz::TimeZone::get(tz.trim()).map_err(|_| {
        AppError::validation(
            "time_zone",
            format!("`{tz}` is not a time zone name such as UTC or Europe/Paris"),
        )
    })?;
    day.to_datetime(at)
        .to_zoned(zone)
        .map(|z| z.timestamp())
        .map_err(|e| AppError::validation("date", e.to_string()))
}

fn from_jiff(t: Timestamp) -> AppResult<Ts> {
    Ts::from_timestamp_micros(t.as_microsecond())
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("timestamp out of range")))
}

/// The team proposes (or the admin overrides to) an embargo end. The team agrees by proposing;
/// the reporter's agreement is carried over only when they proposed that very day themselves.
pub async fn propose(
    state: &AppState,
    view: &CaseView,
    policy: &Policy,
    p: &Proposal,
    by: &ChangeBy,
    is_admin: bool,
) -> AppResult<()> {
    let now = state.now();
    let tz = if p.time_zone.trim().is_empty() {
        policy.calendar.time_zone.name.clone()
    } else {
        p.time_zone.trim().to_owned()
    };
    let end = parse_end(&p.date, &p.time, &tz)?;
    let reason = p.override_reason.trim();
    if !reason.is_empty() && !is_admin {
        return Err(AppError::validation(
            "override_reason",
            "only an admin can override the policy's maximum",
        ));
    }
    let calendar = embargo_domain::calendar::BusinessCalendar::from_spec(&policy.calendar)
        .map_err(AppError::internal)?;
    rules::check_end(
        policy.embargo.as_ref(),
        &calendar,
        to_jiff(view.row.received_at),
        end,
        to_jiff(now),
        !reason.is_empty(),
    )
    .map_err(|e| AppError::validation("date", e.to_string()))?;
    let db = state.store.conn();
    let current = advisory::embargo(db, view.row.id).await?;
    let expected = current.as_ref().map(|e| e.version).unwrap_or(0);
    if let Some(v) = p
        .version
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|_| current.is_some())
        && v != expected
    {
        return Err(AppError::Conflict(
            "the embargo changed while you were editing; here is the current one".into(),
        ));
    }
    // The reporter already agreed to this day if it is the one they proposed last.
    let events = embargo_store::case::events(db, view.row.id).await?;
    let day = end.to_zoned(jiff::tz::TimeZone::get(&tz).map_err(AppError::internal)?);
    let reporter_day = events
        .iter()
        .rev()
        .filter(|e| e.kind == "disclosure_proposed")
        .filter_map(|e| {
            let d: serde_json::Value = serde_json::from_str(&e.detail).ok()?;
            (d["by"] == "reporter").then(|| (d["date"].as_str().map(str::to_owned), e.at))
        })
        .next();
    let reporter_agreed_at = match reporter_day {
        Some((Some(d), at)) if d == day.date().to_string() => Some(at),
        _ => None,
    };
    let row = advisory::Embargo {
        case_id: view.row.id,
        ends_at: from_jiff(end)?,
        time_zone: tz.clone(),
        proposed_by: by.id.clone(),
        proposed_at: now,
        team_agreed_at: Some(now),
        reporter_agreed_at,
        override_reason: (!reason.is_empty()).then(|| reason.to_owned()),
        exploited_at: current.as_ref().and_then(|c| c.exploited_at),
        version: expected,
    };
    let txn = state.store.begin().await?;
    if !advisory::save_embargo(&txn, row, expected).await? {
        return Err(AppError::Conflict(
            "the embargo changed while you were editing; here is the current one".into(),
        ));
    }
    record_change(
        &txn,
        view,
        by,
        "embargo_proposed",
        json!({
            "ends_at": end.to_string(),
            "time_zone": tz,
            "override": !reason.is_empty(),
            "reporter_agreed": reporter_agreed_at.is_some(),
        }),
        now,
    )
    .await?;
    if reporter_agreed_at.is_none() {
        crate::notification::embargo_proposed(&txn, state, view, &local(end, &tz), now).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// The reporter (or the team) agrees to the current end.
pub async fn agree(
    state: &AppState,
    view: &CaseView,
    by: &ChangeBy,
    version: &str,
) -> AppResult<()> {
    let now = state.now();
    let db = state.store.conn();
    let Some(mut row) = advisory::embargo(db, view.row.id).await? else {
        return Err(AppError::validation(
            "embargo",
            "no embargo date is proposed yet",
        ));
    };
    if version.trim().parse::<i32>().ok() != Some(row.version) {
        return Err(AppError::Conflict(
            "the proposed date changed; read the new one before agreeing".into(),
        ));
    }
    let reporter = by.actor == embargo_domain::case::Actor::Reporter;
    if reporter {
        row.reporter_agreed_at.get_or_insert(now);
    } else {
        row.team_agreed_at.get_or_insert(now);
    }
    let expected = row.version;
    let ends = row.ends_at;
    let txn = state.store.begin().await?;
    if !advisory::save_embargo(&txn, row, expected).await? {
        return Err(AppError::Conflict(
            "the proposed date changed; read the new one before agreeing".into(),
        ));
    }
    record_change(
        &txn,
        view,
        by,
        "embargo_agreed",
        json!({ "by": if reporter { "reporter" } else { "team" }, "ends_at": ends.to_rfc3339() }),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Marks the case actively exploited; when the policy accelerates, the end moves to the
/// accelerated date (proposed by the team; the reporter is asked again).
pub async fn mark_exploited(
    state: &AppState,
    view: &CaseView,
    policy: &Policy,
    by: &ChangeBy,
) -> AppResult<()> {
    let now = state.now();
    let db = state.store.conn();
    let current = advisory::embargo(db, view.row.id).await?;
    let accelerated = rules::accelerated_end(
        policy.embargo.as_ref(),
        current.as_ref().map(|c| to_jiff(c.ends_at)),
        to_jiff(now),
    );
    let expected = current.as_ref().map(|c| c.version).unwrap_or(0);
    let row = match (current, accelerated) {
        (Some(mut c), None) => {
            c.exploited_at.get_or_insert(now);
            c
        }
        (c, Some(end)) => advisory::Embargo {
            case_id: view.row.id,
            ends_at: from_jiff(end)?,
            time_zone: c
                .as_ref()
                .map(|c| c.time_zone.clone())
                .unwrap_or_else(|| policy.calendar.time_zone.name.clone()),
            proposed_by: by.id.clone(),
            proposed_at: now,
            team_agreed_at: Some(now),
            reporter_agreed_at: None,
            override_reason: None,
            exploited_at: Some(now),
            version: expected,
        },
        (None, None) => {
            return Err(AppError::validation(
                "embargo",
                "the policy does not accelerate exploited cases; propose an end date first",
            ));
        }
    };
    let ends = to_jiff(row.ends_at);
    let tz = row.time_zone.clone();
    let txn = state.store.begin().await?;
    if !advisory::save_embargo(&txn, row, expected).await? {
        return Err(AppError::Conflict("the embargo changed meanwhile".into()));
    }
    record_change(
        &txn,
        view,
        by,
        "exploited",
        json!({ "accelerated_to": accelerated.map(|t| t.to_string()) }),
        now,
    )
    .await?;
    if accelerated.is_some() {
        crate::notification::embargo_proposed(&txn, state, view, &local(ends, &tz), now).await?;
    }
    txn.commit().await?;
    Ok(())
}

// ---- participants ----

/// An invitation, as the form gives it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Invite {
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub organisation: String,
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub pgp_key: String,
}

/// Invites a participant: the link (a 256-bit secret, stored hashed) goes out by mail,
/// encrypted to their key when given. Returns the link's secret.
pub async fn invite(
    state: &AppState,
    view: &CaseView,
    prog: &program::Program,
    i: &Invite,
    by: &ChangeBy,
) -> AppResult<String> {
    let role: ParticipantRole = i
        .role
        .parse()
        .map_err(|e: coordination::UnknownRole| AppError::validation("role", e.to_string()))?;
    let email = embargo_domain::account::Email::parse(i.email.trim())
        .map_err(|e| AppError::validation("email", e.to_string()))?;
    if i.name.trim().is_empty() {
        return Err(AppError::validation("name", "give the person's name"));
    }
    let key = i.pgp_key.trim();
    if !key.is_empty() {
        crate::openpgp::parse_public_key(key.as_bytes())
            .and_then(|k| crate::openpgp::encrypt(&k, b"probe").map(|_| ()))
            .map_err(|e| AppError::validation("pgp_key", e.to_string()))?;
    }
    let contact = Contact {
        name: i.name.trim().to_owned(),
        email: email.as_str().to_owned(),
        organisation: i.organisation.trim().to_owned(),
        group: i.group.trim().to_owned(),
        pgp_key: (!key.is_empty()).then(|| key.to_owned()),
    };
    let sealed = state.keys.seal(
        &serde_json::to_vec(&contact).map_err(AppError::internal)?,
        &contact_context(view.row.id),
    );
    let secret = random_token(32);
    let now = state.now();
    let txn = state.store.begin().await?;
    let row = store::add_participant(
        &txn,
        store::NewParticipant {
            case_id: view.row.id,
            role: role.as_str(),
            contact_sealed: &sealed,
            secret_hash: &sha256_hex(secret.as_bytes()),
            invited_by: &by.id,
        },
        now,
    )
    .await?;
    record_change(
        &txn,
        view,
        by,
        "participant_invited",
        json!({ "participant": row.id, "role": role.as_str() }),
        now,
    )
    .await?;
    let link = format!("{}/participate/{secret}", state.public_url);
    let nda = if role.needs_nda() {
        "\nYou will be asked to accept a non-disclosure agreement before you see anything.\n"
    } else {
        ""
    };
    let mail = Mail {
        to: contact.email.clone(),
        subject: format!(
            "[{}] Invitation to coordinate a security issue",
            view.row.reference
        ),
        text: format!(
            "Hello {},\n\nthe {} security team invites you to coordinate the disclosure of a \
             security issue (case {}) as {}.\n{nda}\nOpen this private link (do not forward it; \
             it is your access):\n\n  {link}\n\nEverything you see there is under embargo.\n",
            contact.name,
            prog.name,
            view.row.reference,
            role.describe(),
        ),
        encrypt_to: contact.pgp_key.clone(),
        case_reference: None,
        automatic: true,
    };
    outbox::enqueue_mail(
        &txn,
        &state.keys,
        Some(prog.id),
        Some(view.row.id),
        "participant.invited",
        None,
        &mail,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(secret)
}

pub async fn revoke(state: &AppState, view: &CaseView, id: i64, by: &ChangeBy) -> AppResult<()> {
    let now = state.now();
    let txn = state.store.begin().await?;
    if !store::revoke_participant(&txn, view.row.id, id, now).await? {
        return Err(AppError::NotFound);
    }
    record_change(
        &txn,
        view,
        by,
        "participant_revoked",
        json!({ "participant": id }),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The participant an invitation link opens, with their case. Revoked links are 404.
pub async fn by_secret(
    state: &AppState,
    secret: &str,
) -> AppResult<(Participant, CaseView, program::Program, Policy)> {
    let row = store::participant_by_secret(state.store.conn(), &sha256_hex(secret.as_bytes()))
        .await?
        .filter(|p| p.revoked_at.is_none())
        .ok_or(AppError::NotFound)?;
    let case_row = embargo_store::case::by_id(state.store.conn(), row.case_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let p = open_participant(&state.keys, row)?;
    let (view, prog, policy) = service::load(&state.store, &state.keys, case_row).await?;
    Ok((p, view, prog, policy))
}

pub(crate) fn participant_by(p: &Participant, ip: &str) -> ChangeBy {
    ChangeBy {
        actor: embargo_domain::case::Actor::Team,
        id: format!("participant:{}", p.row.id),
        ip: ip.to_owned(),
    }
}

/// Records the NDA acceptance: who (the participant), when, and which text (its sha256).
pub async fn accept_nda(
    state: &AppState,
    p: &Participant,
    view: &CaseView,
    policy: &Policy,
    ip: &str,
) -> AppResult<()> {
    let now = state.now();
    let text = coordination::nda_text(policy.embargo.as_ref());
    let digest = sha256_hex(text.as_bytes());
    let txn = state.store.begin().await?;
    if store::accept_nda(&txn, p.row.id, &digest, now).await? {
        record_change(
            &txn,
            view,
            &participant_by(p, ip),
            "nda_accepted",
            json!({ "participant": p.row.id, "nda_sha256": digest }),
            now,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Logs a participant's view of a page (the view log on the coordination page).
pub async fn log_view(state: &AppState, p: &Participant, page: &str) -> AppResult<()> {
    store::record_view(state.store.conn(), p.row.id, page, state.now()).await?;
    Ok(())
}

/// A message in the team–participant thread. `from` None: the team.
pub async fn post_message(
    state: &AppState,
    view: &CaseView,
    prog: &program::Program,
    from: Option<&Participant>,
    by: &ChangeBy,
    body: &str,
) -> AppResult<()> {
    let body = body.trim();
    if body.is_empty() {
        return Err(AppError::validation("body", "write a message"));
    }
    if body.len() > 100_000 {
        return Err(AppError::validation("body", "at most 100,000 characters"));
    }
    let now = state.now();
    let txn = state.store.begin().await?;
    let m = store::add_message(
        &txn,
        view.row.id,
        from.map(|p| p.row.id),
        &by.id,
        &seal_text(&state.keys, view.row.id, body),
        now,
    )
    .await?;
    record_change(
        &txn,
        view,
        by,
        "coordination_message",
        json!({ "message": m.id }),
        now,
    )
    .await?;
    match from {
        Some(p) => {
            crate::notification::participant_wrote(&txn, state, prog, view, &p.label(), now).await?
        }
        None => {
            for p in participants(state, view.row.id)
                .await?
                .iter()
                .filter(|p| p.active())
            {
                let mail = Mail {
                    to: p.contact.email.clone(),
                    subject: format!(
                        "[{}] New message from the security team",
                        view.row.reference
                    ),
                    text: "The security team wrote in your coordination thread. Open your \
                           private link from the invitation to read it.\n"
                        .to_owned(),
                    encrypt_to: None,
                    case_reference: None,
                    automatic: true,
                };
                outbox::enqueue_mail(
                    &txn,
                    &state.keys,
                    Some(prog.id),
                    Some(view.row.id),
                    "coordination.message",
                    None,
                    &mail,
                    now,
                )
                .await?;
            }
        }
    }
    txn.commit().await?;
    Ok(())
}

/// A pre-notification recipient acknowledges receipt (once), on the case timeline.
pub async fn acknowledge(
    state: &AppState,
    n: &store::Prenotification,
    p: &store::Participant,
    ip: &str,
) -> AppResult<()> {
    let now = state.now();
    let row = embargo_store::case::by_id(state.store.conn(), p.case_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let view = service::open(&state.keys, row)?;
    let txn = state.store.begin().await?;
    if store::acknowledge(&txn, n.id, now).await? {
        let by = ChangeBy {
            actor: embargo_domain::case::Actor::Team,
            id: format!("participant:{}", p.id),
            ip: ip.to_owned(),
        };
        record_change(
            &txn,
            &view,
            &by,
            "prenotification_acknowledged",
            json!({ "participant": p.id }),
            now,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

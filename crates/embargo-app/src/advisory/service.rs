//! Advisory drafts: creating one from a case, opening the sealed record, editing with
//! field-level checks, CVE ids from the program's pool, scheduling publication at the
//! embargo end. Who may do what: admins and the program's developers and triagers see and
//! edit drafts (viewers do not, seed 002); triagers create, assign CVEs and schedule; only an
//! admin publishes before the scheduled time (with a reason, in `publication::service`).

use chrono::Datelike;
use embargo_domain::account::Role;
use embargo_domain::advisory::{
    Advisory, AdvisoryId, Affected, Credit, CreditKind, IdFormat, Reference, ReferenceKind, Status,
};
use embargo_domain::policy::Policy;
use embargo_store::{Ts, advisory, case, program};
use serde::Deserialize;
use serde_json::json;

use crate::audit;
use crate::auth::session::Authed;
use crate::case::api::program_role;
use crate::case::service::{self as cases, ChangeBy, to_jiff};
use crate::error::{AppError, AppResult};
use crate::keys::Keys;
use crate::state::AppState;

pub fn sealing_context(advisory_id: &str) -> String {
    format!("advisory:{advisory_id}")
}

pub fn open(keys: &Keys, row: &advisory::Advisory) -> AppResult<Advisory> {
    open_sealed(keys, &row.advisory_id, &row.record)
}

/// The record as last published (None if never published).
pub fn open_published(keys: &Keys, row: &advisory::Advisory) -> AppResult<Option<Advisory>> {
    row.published_record
        .as_deref()
        .map(|sealed| open_sealed(keys, &row.advisory_id, sealed))
        .transpose()
}

fn open_sealed(keys: &Keys, advisory_id: &str, sealed: &str) -> AppResult<Advisory> {
    let plain = keys
        .open(sealed, &sealing_context(advisory_id))
        .map_err(|e| AppError::internal(anyhow::anyhow!("advisory {advisory_id}: {e}")))?;
    serde_json::from_slice(&plain).map_err(AppError::internal)
}

pub fn seal(keys: &Keys, record: &Advisory) -> AppResult<String> {
    let json = serde_json::to_vec(record).map_err(AppError::internal)?;
    Ok(keys.seal(&json, &sealing_context(record.id.as_str())))
}

/// A draft as its editors see it.
pub struct AdvisoryView {
    pub row: advisory::Advisory,
    pub record: Advisory,
    pub program: program::Program,
    pub policy: Policy,
    /// (reference, title) of the covered cases.
    pub cases: Vec<(String, String)>,
    pub role: Role,
    pub cve: Option<advisory::CveId>,
}

/// The user's role for an advisory's program, if they may see drafts at all.
async fn editor_role(state: &AppState, a: &Authed, program_id: i64) -> AppResult<Role> {
    program_role(state, a.user.id, a.role, program_id)
        .await?
        .filter(|r| r.at_least(Role::Developer))
        .ok_or(AppError::NotFound)
}

pub async fn load(state: &AppState, a: &Authed, advisory_id: &str) -> AppResult<AdvisoryView> {
    let db = state.store.conn();
    let row = advisory::by_advisory_id(db, advisory_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let role = editor_role(state, a, row.program_id).await?;
    let prog = program::by_id(db, row.program_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let policy = crate::program::service::policy_of(&prog)?;
    let mut covered = Vec::new();
    for id in advisory::case_ids(db, row.id).await? {
        if let Some(c) = case::by_id(db, id).await? {
            let v = cases::open(&state.keys, c)?;
            covered.push((v.row.reference.clone(), v.title));
        }
    }
    let cve = advisory::cve_of(db, row.id).await?;
    Ok(AdvisoryView {
        record: open(&state.keys, &row)?,
        row,
        program: prog,
        policy,
        cases: covered,
        role,
        cve,
    })
}

/// The advisories the user may see (programs where they are developer or more), with their
/// records opened: (row, record).
pub async fn list(state: &AppState, a: &Authed) -> AppResult<Vec<(advisory::Advisory, Advisory)>> {
    let db = state.store.conn();
    let rows = if a.role == Role::Admin {
        advisory::list(db, None).await?
    } else {
        let ids: Vec<i64> = program::memberships(db, a.user.id)
            .await?
            .into_iter()
            .filter(|m| {
                m.role
                    .parse::<Role>()
                    .is_ok_and(|r| r.at_least(Role::Developer))
            })
            .map(|m| m.program_id)
            .collect();
        advisory::list(db, Some(&ids)).await?
    };
    rows.into_iter()
        .map(|r| {
            let record = open(&state.keys, &r)?;
            Ok((r, record))
        })
        .collect()
}

/// The id format of a program.
pub fn id_format(prog: &program::Program) -> IdFormat {
    IdFormat::for_slug(&prog.slug)
}

/// Opens a draft for a case, pre-filled from it: title, the CVSS vector the team set, the
/// CVE/GHSA ids mentioned, and the reporter's credit when they consented on the tracking page.
pub async fn create_for_case(
    state: &AppState,
    a: &Authed,
    by: &ChangeBy,
    reference: &str,
) -> AppResult<String> {
    let db = state.store.conn();
    let row = case::by_reference(db, reference)
        .await?
        .ok_or(AppError::NotFound)?;
    let role = program_role(state, a.user.id, a.role, row.program_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !role.at_least(Role::Triager) {
        return Err(AppError::Forbidden("only triagers open advisories".into()));
    }
    let (view, prog, _) = cases::load(&state.store, &state.keys, row).await?;
    let now = state.clock.now();
    let txn = state.store.begin().await?;
    let year = now.year();
    let n = advisory::next_number(&txn, prog.id, year).await?;
    let id = id_format(&prog).make(
        i16::try_from(year).unwrap_or(i16::MAX),
        u32::try_from(n).unwrap_or(u32::MAX),
    );
    let mut record = Advisory::draft(id, view.title.clone(), to_jiff(now));
    let text: String = view
        .report
        .fields
        .values()
        .cloned()
        .collect::<Vec<_>>()
        .join("\n");
    record.aliases = embargo_domain::cve::find_ids(&text)
        .into_iter()
        .filter(|i| embargo_domain::advisory::is_alias(i))
        .collect();
    if let Some(v) = view
        .report
        .fields
        .get("cvss")
        .filter(|v| !v.trim().is_empty())
        && embargo_domain::cvss::parse(v).is_ok()
    {
        record.cvss.push(v.trim().to_owned());
    }
    let r = &view.reporter;
    if let (Some(name), Some(_)) = (&r.credit, &r.credit_consent_at)
        && r.credit_kind.as_deref() != Some("anonymous")
        && !name.trim().is_empty()
    {
        record.credits.push(Credit {
            name: name.clone(),
            contact: r.credit_link.clone(),
            kind: CreditKind::Finder,
            consent: true,
        });
    }
    let id = record.id.to_string();
    advisory::create(
        &txn,
        prog.id,
        &id,
        &seal(&state.keys, &record)?,
        &[view.row.id],
        now,
    )
    .await?;
    case::add_event(
        &txn,
        view.row.id,
        &by.id,
        "advisory_opened",
        &json!({ "advisory": id }).to_string(),
        now,
    )
    .await?;
    audit::record(
        &txn,
        &by.id,
        &by.ip,
        "advisory.create",
        &id,
        json!({ "case": reference }),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(id)
}

/// The editor's form: free text plus one line per list item.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Edit {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub details: String,
    #[serde(default)]
    pub workarounds: String,
    /// One per line.
    #[serde(default)]
    pub aliases: String,
    /// One per line.
    #[serde(default)]
    pub cwes: String,
    /// One per line.
    #[serde(default)]
    pub cvss: String,
    /// `TYPE URL` per line.
    #[serde(default)]
    pub references: String,
    /// `TYPE | name | contact | consent` per line.
    #[serde(default)]
    pub credits: String,
    /// TOML: `[[affected]]` tables.
    #[serde(default)]
    pub affected: String,
    #[serde(default)]
    pub version: String,
}

fn lines(s: &str) -> impl Iterator<Item = (usize, &str)> {
    s.lines()
        .map(str::trim)
        .enumerate()
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AffectedDoc {
    #[serde(default)]
    affected: Vec<Affected>,
}

/// Applies the form to a record: each problem names its field and line.
pub fn apply(record: &mut Advisory, e: &Edit) -> Result<(), AppError> {
    record.title = e.title.trim().to_owned();
    record.summary = e.summary.trim().to_owned();
    record.details = e.details.trim().to_owned();
    record.workarounds = e.workarounds.trim().to_owned();
    record.aliases = lines(&e.aliases).map(|(_, l)| l.to_owned()).collect();
    record.cwes = lines(&e.cwes)
        .map(|(_, l)| l.to_ascii_uppercase())
        .collect();
    record.cvss = lines(&e.cvss).map(|(_, l)| l.to_owned()).collect();
    record.references = lines(&e.references)
        .map(|(i, l)| {
            let (kind, url) = l.split_once(char::is_whitespace).unwrap_or(("WEB", l));
            let kind = ReferenceKind::parse(kind).ok_or_else(|| {
                AppError::validation(
                    "references",
                    format!(
                        "line {}: `{kind}` is not a reference type (FIX, ADVISORY, REPORT, WEB…)",
                        i + 1
                    ),
                )
            })?;
            Ok(Reference {
                kind,
                url: url.trim().to_owned(),
            })
        })
        .collect::<Result<_, AppError>>()?;
    record.credits = lines(&e.credits)
        .map(|(i, l)| {
            let parts: Vec<&str> = l.split('|').map(str::trim).collect();
            let bad = |m: &str| AppError::validation("credits", format!("line {}: {m}", i + 1));
            let kind = CreditKind::parse(parts.first().copied().unwrap_or_default())
                .ok_or_else(|| bad("start with a credit type (FINDER, REPORTER, ANALYST, COORDINATOR, REMEDIATION_DEVELOPER…)"))?;
            let name = parts.get(1).copied().unwrap_or_default();
            let contact = parts.get(2).copied().filter(|c| !c.is_empty()).map(str::to_owned);
            let consent = match parts.get(3).copied().unwrap_or("no").to_ascii_lowercase().as_str() {
                "yes" | "consent" | "y" => true,
                "no" | "n" | "" => false,
                other => return Err(bad(&format!("the fourth part is `yes` or `no`, not `{other}`"))),
            };
            Ok(Credit { name: name.to_owned(), contact, kind, consent })
        })
        .collect::<Result<_, AppError>>()?;
    let doc: AffectedDoc = toml::from_str(&e.affected).map_err(|err| {
        let at = err
            .span()
            .map(|s| {
                format!(
                    "line {}: ",
                    e.affected[..s.start.min(e.affected.len())]
                        .lines()
                        .count()
                        .max(1)
                )
            })
            .unwrap_or_default();
        AppError::validation("affected", format!("{at}{}", err.message()))
    })?;
    record.affected = doc.affected;
    if let Some(p) = record.check().into_iter().next() {
        return Err(AppError::validation(
            &p.field,
            format!("{}: {}", p.field, p.message),
        ));
    }
    Ok(())
}

/// The TOML the editor shows for the affected products.
pub fn affected_toml(record: &Advisory) -> String {
    #[derive(serde::Serialize)]
    struct Doc<'a> {
        affected: &'a [Affected],
    }
    toml::to_string(&Doc {
        affected: &record.affected,
    })
    .unwrap_or_default()
}

/// The `version` field of a form (optimistic concurrency).
pub fn version_of(s: &str) -> AppResult<i32> {
    s.trim()
        .parse()
        .map_err(|_| AppError::validation("version", "the form is stale; reload the page"))
}

const STALE: &str = "someone else changed this advisory meanwhile; reload to see their change";

/// Saves an edit. A published advisory stays published as it was until a new revision is
/// published; a scheduled one goes back to draft (the scheduled text must be re-approved).
pub async fn save(state: &AppState, by: &ChangeBy, v: &AdvisoryView, e: &Edit) -> AppResult<()> {
    let version = version_of(&e.version)?;
    let mut record = v.record.clone();
    apply(&mut record, e)?;
    let now = state.clock.now();
    record.modified = to_jiff(now);
    let status = if v.row.status == advisory::SCHEDULED {
        advisory::DRAFT
    } else {
        v.row.status.as_str()
    };
    let txn = state.store.begin().await?;
    let change = advisory::Change {
        status,
        record_sealed: &seal(&state.keys, &record)?,
        publish_at: None,
        publish_note: None,
    };
    if !advisory::update(&txn, v.row.id, version, change, now).await? {
        return Err(AppError::Conflict(STALE.into()));
    }
    audit::record(
        &txn,
        &by.id,
        &by.ip,
        "advisory.edit",
        &v.row.advisory_id,
        json!({}),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// What scheduling and publishing now both require: not withdrawn, a complete record, and
/// for a revision a note saying what changed.
pub fn ready_to_publish(v: &AdvisoryView, note: &str) -> AppResult<()> {
    if v.record.status == Status::Withdrawn {
        return Err(AppError::Conflict(
            "a withdrawn advisory is not published again".into(),
        ));
    }
    if let Some(p) = v.record.publishable().into_iter().next() {
        return Err(AppError::validation(
            &p.field,
            format!("not ready to publish: {}: {}", p.field, p.message),
        ));
    }
    if v.row.published_revision > 0 && note.trim().is_empty() {
        return Err(AppError::validation(
            "note",
            "say what changed in this revision",
        ));
    }
    Ok(())
}

/// Schedules publication at `at` (the embargo end), with the revision note for a published
/// advisory. The record must be complete.
pub async fn schedule(
    state: &AppState,
    by: &ChangeBy,
    v: &AdvisoryView,
    at: Ts,
    note: &str,
    version: i32,
) -> AppResult<()> {
    if !v.role.at_least(Role::Triager) {
        return Err(AppError::Forbidden(
            "only triagers schedule publication".into(),
        ));
    }
    ready_to_publish(v, note)?;
    let now = state.clock.now();
    let txn = state.store.begin().await?;
    let change = advisory::Change {
        status: advisory::SCHEDULED,
        record_sealed: &v.row.record,
        publish_at: Some(at.max(now)),
        publish_note: Some(note.trim()),
    };
    if !advisory::update(&txn, v.row.id, version, change, now).await? {
        return Err(AppError::Conflict(STALE.into()));
    }
    audit::record(
        &txn,
        &by.id,
        &by.ip,
        "advisory.schedule",
        &v.row.advisory_id,
        json!({ "at": at.to_rfc3339() }),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Takes a CVE id for the advisory: the next one of the program's pool, or one assigned
/// elsewhere (`external`). The id becomes an alias of the record.
pub async fn assign_cve(
    state: &AppState,
    by: &ChangeBy,
    v: &AdvisoryView,
    external: Option<&str>,
    version: i32,
) -> AppResult<String> {
    if !v.role.at_least(Role::Triager) {
        return Err(AppError::Forbidden("only triagers assign CVE ids".into()));
    }
    if let Some(c) = &v.cve {
        return Err(AppError::Conflict(format!(
            "{} is already assigned to this advisory",
            c.cve_id
        )));
    }
    let now = state.clock.now();
    let txn = state.store.begin().await?;
    let id = match external.map(str::trim).filter(|s| !s.is_empty()) {
        Some(ext) => {
            if !embargo_domain::advisory::is_cve_id(ext) {
                return Err(AppError::validation(
                    "cve",
                    format!("`{ext}` is not a CVE id (CVE-2026-12345)"),
                ));
            }
            let skipped = advisory::add_cve_ids(
                &txn,
                v.program.id,
                &[ext.to_owned()],
                advisory::CVE_EXTERNAL,
                Some(v.row.id),
                now,
            )
            .await?;
            if !skipped.is_empty() {
                return Err(AppError::Conflict(format!("{ext} is already recorded")));
            }
            ext.to_owned()
        }
        None => advisory::assign_from_pool(&txn, v.program.id, v.row.id, now)
            .await?
            .ok_or_else(|| {
                AppError::Conflict(
                    "the program's CVE pool is empty; import reserved ids first".into(),
                )
            })?,
    };
    let mut record = v.record.clone();
    if !record.aliases.contains(&id) {
        record.aliases.insert(0, id.clone());
    }
    let change = advisory::Change {
        status: &v.row.status,
        record_sealed: &seal(&state.keys, &record)?,
        publish_at: v.row.publish_at,
        publish_note: v.row.publish_note.as_deref(),
    };
    if !advisory::update(&txn, v.row.id, version, change, now).await? {
        return Err(AppError::Conflict(STALE.into()));
    }
    audit::record(
        &txn,
        &by.id,
        &by.ip,
        "advisory.cve",
        &v.row.advisory_id,
        json!({ "cve": id }),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(id)
}

/// Imports reserved CVE ids (one per line) into a program's pool. Returns (added, skipped).
pub async fn import_pool(
    state: &AppState,
    by: &ChangeBy,
    prog: &program::Program,
    text: &str,
) -> AppResult<(usize, Vec<String>)> {
    let mut ids = Vec::new();
    for (i, l) in lines(text) {
        if !embargo_domain::advisory::is_cve_id(l) {
            return Err(AppError::validation(
                "ids",
                format!("line {}: `{l}` is not a CVE id", i + 1),
            ));
        }
        ids.push(l.to_owned());
    }
    let now = state.clock.now();
    let txn = state.store.begin().await?;
    let skipped =
        advisory::add_cve_ids(&txn, prog.id, &ids, advisory::CVE_AVAILABLE, None, now).await?;
    audit::record(
        &txn,
        &by.id,
        &by.ip,
        "cve.import",
        &prog.slug,
        json!({ "count": ids.len() - skipped.len() }),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok((ids.len() - skipped.len(), skipped))
}

/// Parses an advisory id from a path.
pub fn parse_id(s: &str) -> AppResult<AdvisoryId> {
    AdvisoryId::parse(s).map_err(|_| AppError::NotFound)
}

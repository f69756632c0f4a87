//! Publication: at the scheduled time (the `advisory.publish` job) or now (an admin, with a
//! reason), one transaction marks the advisory published, writes every public file (its own
//! and the rebuilt indexes), signs them, lists them in a minisign-signed manifest, records
//! the timeline, audit and webhooks. The conditional update on the advisory's version makes
//! exactly one of several racing instances publish; the others roll back.

use embargo_domain::account::Role;
use embargo_domain::advisory::Advisory;
use embargo_formats::publisher::Publisher;
use embargo_store::{advisory, case, program};
use serde_json::json;

use crate::advisory::service::{self as advisories, AdvisoryView};
use crate::audit;
use crate::case::service::{ChangeBy, to_jiff};
use crate::error::{AppError, AppResult};
use crate::publication::render::{self, Published};
use crate::state::AppState;
use crate::{notification, openpgp, signing};

/// What a publication does to the record.
#[derive(Debug, Clone)]
pub enum Action {
    /// Publish (the first time, or a new revision with its note).
    Publish { note: String },
    /// Publish the withdrawn state.
    Withdraw { reason: String },
}

/// The publisher facts of a program: vendor (or program name), the instance URL, the first
/// e-mail channel as contact.
pub fn publisher_of(state: &AppState, prog: &program::Program) -> AppResult<Publisher> {
    let policy = crate::program::service::policy_of(prog)?;
    let contact = policy
        .channels
        .iter()
        .find(|c| c.address.contains('@') && !c.address.contains("://"))
        .map(|c| format!("mailto:{}", c.address));
    Ok(Publisher {
        name: policy
            .program
            .vendor
            .clone()
            .unwrap_or_else(|| policy.program.name.clone()),
        base_url: state.public_url.trim_end_matches('/').to_owned(),
        contact,
        product: policy.program.name.clone(),
        cve_org_id: None,
        cve_short_name: None,
    })
}

/// Publishes every scheduled advisory whose time has come; returns how many this instance
/// published.
pub async fn run_due(state: &AppState) -> AppResult<usize> {
    let now = state.clock.now();
    let mut n = 0;
    for row in advisory::due(state.store.conn(), now, 50).await? {
        let note = row.publish_note.clone().unwrap_or_default();
        let by = ChangeBy {
            actor: embargo_domain::case::Actor::Team,
            id: String::from("job:advisory.publish"),
            ip: String::new(),
        };
        match publish_row(state, &by, row, Action::Publish { note }, None).await {
            Ok(true) => n += 1,
            Ok(false) => {}
            Err(e) => {
                tracing::error!(error = %e, "publishing an advisory failed; retried on the next run")
            }
        }
    }
    Ok(n)
}

/// "Publish now": an admin, with a reason (recorded in the audit log).
pub async fn publish_now(
    state: &AppState,
    by: &ChangeBy,
    v: &AdvisoryView,
    reason: &str,
    note: &str,
) -> AppResult<()> {
    if v.role != Role::Admin {
        return Err(AppError::Forbidden(
            "only an admin publishes before the scheduled time".into(),
        ));
    }
    if reason.trim().is_empty() {
        return Err(AppError::validation(
            "reason",
            "say why this is published now",
        ));
    }
    advisories::ready_to_publish(v, note)?;
    let ok = publish_row(
        state,
        by,
        v.row.clone(),
        Action::Publish {
            note: note.trim().to_owned(),
        },
        Some(reason.trim()),
    )
    .await?;
    if ok {
        Ok(())
    } else {
        Err(AppError::Conflict(
            "someone else changed or published this advisory meanwhile".into(),
        ))
    }
}

/// Withdraws a published advisory: the withdrawn state is published everywhere.
pub async fn withdraw(
    state: &AppState,
    by: &ChangeBy,
    v: &AdvisoryView,
    reason: &str,
) -> AppResult<()> {
    if v.role != Role::Admin {
        return Err(AppError::Forbidden(
            "only an admin withdraws an advisory".into(),
        ));
    }
    if v.row.published_revision == 0 {
        return Err(AppError::Conflict(
            "only a published advisory can be withdrawn; edit or delete the draft instead".into(),
        ));
    }
    if v.row.status == advisory::WITHDRAWN {
        return Err(AppError::Conflict("already withdrawn".into()));
    }
    if reason.trim().is_empty() {
        return Err(AppError::validation("reason", "say why it is withdrawn"));
    }
    let ok = publish_row(
        state,
        by,
        v.row.clone(),
        Action::Withdraw {
            reason: reason.trim().to_owned(),
        },
        Some(reason.trim()),
    )
    .await?;
    if ok {
        Ok(())
    } else {
        Err(AppError::Conflict(
            "someone else changed this advisory meanwhile".into(),
        ))
    }
}

fn published_of(
    (prog, publisher): &(program::Program, Publisher),
    row: &advisory::Advisory,
    record: Advisory,
) -> Published {
    Published {
        publisher: publisher.clone(),
        program_slug: prog.slug.clone(),
        program_name: prog.name.clone(),
        row_id: row.id,
        record,
    }
}

async fn publish_row(
    state: &AppState,
    by: &ChangeBy,
    row: advisory::Advisory,
    action: Action,
    reason: Option<&str>,
) -> AppResult<bool> {
    let now = state.clock.now();
    let jnow = to_jiff(now);
    // A withdrawal publishes the text as last published, not an edit waiting for a revision.
    let mut record = match (&action, advisories::open_published(&state.keys, &row)?) {
        (Action::Withdraw { .. }, Some(published)) => published,
        _ => advisories::open(&state.keys, &row)?,
    };
    let status = match &action {
        Action::Publish { note } => {
            record.publish(jnow, note);
            advisory::PUBLISHED
        }
        Action::Withdraw { reason } => {
            record.withdraw(jnow, reason);
            advisory::WITHDRAWN
        }
    };
    let revision = record.revisions.last().map_or(1, |r| r.number);
    // Every program's publisher facts, worked out once for all the indexes.
    let mut programs = std::collections::HashMap::new();
    for p in program::list(state.store.conn()).await? {
        let publisher = publisher_of(state, &p)?;
        programs.insert(p.id, (p, publisher));
    }
    let ours = programs.get(&row.program_id).ok_or(AppError::NotFound)?;
    let prog = &ours.0;
    // Keys first: creating one on first use commits on its own.
    let (pgp, pgp_row) = openpgp::program_key(&state.store, &state.keys, prog, now).await?;
    let minisign = signing::current(&state.store, &state.keys, now).await?;
    let this = published_of(ours, &row, record.clone());
    let sign = |data: &[u8]| openpgp::sign_detached(&pgp, data);
    let mut files = render::advisory_files(&this, &sign, jnow)?;

    let txn = state.store.begin().await?;
    let sealed = advisories::seal(&state.keys, &record)?;
    let version = i32::try_from(revision).unwrap_or(i32::MAX);
    if !advisory::mark_published(&txn, row.id, row.version, status, &sealed, version, now).await? {
        return Ok(false);
    }
    if let Some(cve) = record.cve_id() {
        let st = if status == advisory::WITHDRAWN {
            advisory::CVE_REJECTED
        } else {
            advisory::CVE_PUBLISHED
        };
        advisory::set_cve_state(&txn, row.program_id, cve, st, now).await?;
    }
    // Indexes from every published advisory, this one as just published.
    let mut all = Vec::new();
    for r in advisory::public(&txn).await? {
        if r.id == row.id {
            all.push(this.clone());
        } else {
            // As last published: an edit waiting for its revision stays private.
            let (Some(rec), Some(p)) = (
                advisories::open_published(&state.keys, &r)?,
                programs.get(&r.program_id),
            ) else {
                continue;
            };
            all.push(published_of(p, &r, rec));
        }
    }
    let main = programs.values().find(|(p, _)| p.is_default).map_or_else(
        || this.publisher.clone(),
        |(_, publisher)| publisher.clone(),
    );
    let keys = vec![(
        pgp_row.fingerprint.clone(),
        format!("{}/p/{}/pgp-key.asc", main.base_url, prog.slug),
    )];
    files.extend(render::index_files(&all, &main, &keys, jnow)?);
    advisory::put_files(&txn, files, now).await?;
    let list = advisory::file_list(&txn).await?;
    let manifest = render::manifest(&list, jnow)?;
    let sig = minisign.sign(&manifest, &format!("Embargo publication manifest {}", jnow))?;
    advisory::put_files(
        &txn,
        vec![
            render::file("advisories/manifest.json", None, render::JSON, manifest),
            render::file(
                "advisories/manifest.json.minisig",
                None,
                render::TEXT,
                sig.into_bytes(),
            ),
            render::file(
                "advisories/minisign.pub",
                None,
                render::TEXT,
                minisign.public_text.clone().into_bytes(),
            ),
        ],
        now,
    )
    .await?;

    let kind = if status == advisory::WITHDRAWN {
        "advisory_withdrawn"
    } else {
        "advisory_published"
    };
    let detail = json!({ "advisory": row.advisory_id, "revision": revision }).to_string();
    for case_id in advisory::case_ids(&txn, row.id).await? {
        case::add_event(&txn, case_id, &by.id, kind, &detail, now).await?;
        if status == advisory::PUBLISHED && revision == 1 {
            case::add_event(&txn, case_id, &by.id, "clock:published", "{}", now).await?;
        }
    }
    audit::record(
        &txn,
        &by.id,
        &by.ip,
        if status == advisory::WITHDRAWN {
            "advisory.withdraw"
        } else {
            "advisory.publish"
        },
        &row.advisory_id,
        json!({ "revision": revision, "reason": reason }),
        now,
    )
    .await?;
    notification::advisory_published(
        state,
        &txn,
        row.program_id,
        &row.advisory_id,
        revision,
        status,
    )
    .await?;
    txn.commit().await?;
    Ok(true)
}

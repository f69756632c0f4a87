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
        match publish_row(state, &by, row, Action::Publish { note }).await {
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
    if v.row.status == advisory::WITHDRAWN {
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
    let ok = publish_row_with_reason(
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
    let ok = publish_row_with_reason(
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

async fn publish_row(
    state: &AppState,
    by: &ChangeBy,
    row: advisory::Advisory,
    action: Action,
) -> AppResult<bool> {
    publish_row_with_reason(state, by, row, action, None).await
}

async fn published_of(
    state: &AppState,
    row: &advisory::Advisory,
    record: Advisory,
) -> AppResult<Published> {
    let prog = program::by_id(state.store.conn(), row.program_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Published {
        publisher: publisher_of(state, &prog)?,
        program_slug: prog.slug,
        program_name: prog.name,
        row_id: row.id,
        record,
    })
}

async fn publish_row_with_reason(
    state: &AppState,
    by: &ChangeBy,
    row: advisory::Advisory,
    action: Action,
    reason: Option<&str>,
) -> AppResult<bool> {
    let now = state.clock.now();
    let jnow = to_jiff(now);
    // A withdrawal publishes the text as last published, not an edit waiting for a revision.
    let source = match (&action, &row.published_record) {
        (Action::Withdraw { .. }, Some(published)) => advisory::Advisory {
            record: published.clone(),
            ..row.clone()
        },
        _ => row.clone(),
    };
    let mut record = advisories::open(&state.keys, &source)?;
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
    let prog = program::by_id(state.store.conn(), row.program_id)
        .await?
        .ok_or(AppError::NotFound)?;
    // Keys first: creating one on first use commits on its own.
    let (pgp, pgp_row) = openpgp::program_key(&state.store, &state.keys, &prog, now).await?;
    let minisign = signing::current(&state.store, &state.keys, now).await?;
    let this = published_of(state, &row, record.clone()).await?;
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
            let sealed = r.published_record.clone().unwrap_or_default();
            let rec = advisories::open(
                &state.keys,
                &advisory::Advisory {
                    record: sealed,
                    ..r.clone()
                },
            )?;
            all.push(published_of(state, &r, rec).await?);
        }
    }
    let main = match program::default(&txn).await? {
        Some(p) => publisher_of(state, &p)?,
        None => this.publisher.clone(),
    };
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

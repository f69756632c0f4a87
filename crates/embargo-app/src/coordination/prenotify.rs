//! The `embargo.prenotify` job. At embargo end − the policy's lead time, every active
//! downstream participant (role vendor) of a case whose embargo is agreed gets the draft
//! advisory, encrypted to their OpenPGP key when they gave one, with a link to acknowledge it;
//! each is recorded once per embargo end (a moved end is announced again). The job also
//! reminds the team a week and a day before an embargo ends.

use embargo_domain::coordination::{self, ParticipantRole};
use embargo_domain::embargo as rules;
use embargo_store::{advisory, case, coordination as store, sha256_hex};
use serde_json::json;

use super::service::participants;
use crate::auth::random_token;
use crate::case::service::{self, ChangeBy, record_change, to_jiff};
use crate::error::AppResult;
use crate::outbox::{self, Mail};
use crate::state::AppState;

/// What a pre-notification says of the case's draft advisories (plain text: it travels by
/// mail, encrypted when it can be).
pub async fn draft_text(state: &AppState, case_id: i64) -> AppResult<String> {
    let mut out = String::new();
    for row in advisory::for_case(state.store.conn(), case_id).await? {
        let a = crate::advisory::service::open(&state.keys, &row)?;
        out.push_str(&format!("{} — {}\n", a.id, a.title));
        if !a.aliases.is_empty() {
            out.push_str(&format!("Aliases: {}\n", a.aliases.join(", ")));
        }
        if !a.summary.is_empty() {
            out.push_str(&format!("\n{}\n", a.summary));
        }
        for v in &a.cvss {
            out.push_str(&format!("Severity: {v}\n"));
        }
        if !a.affected.is_empty() {
            out.push_str("\nAffected:\n");
        }
        for p in &a.affected {
            let ranges: Vec<String> = p
                .ranges
                .iter()
                .flat_map(|r| r.events.iter().map(|e| format!("{e:?}")))
                .collect();
            out.push_str(&format!(
                "  - {}{}: {}{}\n",
                if p.ecosystem.is_empty() {
                    String::new()
                } else {
                    format!("{}/", p.ecosystem)
                },
                p.name,
                ranges.join(", "),
                if p.patched.is_empty() {
                    String::new()
                } else {
                    format!("; fixed in {}", p.patched.join(", "))
                }
            ));
        }
        if !a.workarounds.is_empty() {
            out.push_str(&format!("\nWorkarounds:\n{}\n", a.workarounds));
        }
        out.push('\n');
    }
    if out.is_empty() {
        out.push_str("(The advisory is still being written; the team will follow up.)\n");
    }
    Ok(out)
}

/// Runs the job once: returns (pre-notifications sent, reminders queued).
pub async fn run_due(state: &AppState) -> AppResult<(usize, usize)> {
    let now = state.now();
    let db = state.store.conn();
    let by = ChangeBy {
        actor: embargo_domain::case::Actor::Team,
        id: String::from("job:embargo.prenotify"),
        ip: String::new(),
    };
    let (mut sent, mut reminded) = (0, 0);
    for e in store::running_embargoes(db, now).await? {
        let Some(row) = case::by_id(db, e.case_id).await? else {
            continue;
        };
        let (view, prog, policy) = service::load(&state.store, &state.keys, row).await?;
        if !view.state.is_open() {
            continue;
        }
        let ends = to_jiff(e.ends_at);
        if let Some(lead) = coordination::reminder_due(ends, to_jiff(now)) {
            let key = format!(
                "embargo:{}:{}:{}",
                view.row.id,
                ends.as_second(),
                lead.as_hours()
            );
            let txn = state.store.begin().await?;
            crate::notification::embargo_ending(
                &txn,
                state,
                &prog,
                &view.row,
                &rules::time_left(ends, to_jiff(now)),
                &key,
                now,
            )
            .await?;
            txn.commit().await?;
            reminded += 1;
        }
        let agreed = coordination::agreed(
            policy.embargo.as_ref(),
            e.team_agreed_at.is_some(),
            e.reporter_agreed_at.is_some(),
        );
        let due = rules::prenotify_at(policy.prenotification.as_ref(), ends)
            .is_some_and(|at| to_jiff(now) >= at);
        if !agreed || !due {
            continue;
        }
        let recipients: Vec<_> = participants(state, view.row.id)
            .await?
            .into_iter()
            .filter(|p| p.active() && p.role == ParticipantRole::Vendor)
            .collect();
        if recipients.is_empty() {
            continue;
        }
        let draft = draft_text(state, view.row.id).await?;
        let end_local = super::service::local(ends, &e.time_zone);
        for p in recipients {
            let secret = random_token(32);
            let txn = state.store.begin().await?;
            if !store::add_prenotification(
                &txn,
                view.row.id,
                p.row.id,
                e.ends_at,
                &sha256_hex(secret.as_bytes()),
                now,
            )
            .await?
            {
                continue; // sent before, for this end
            }
            let mail = Mail {
                to: p.contact.email.clone(),
                subject: format!(
                    "[{}] Pre-notification: embargoed advisory",
                    view.row.reference
                ),
                text: format!(
                    "Hello {},\n\nthis is the pre-notification of a security advisory by the {} \
                     security team. It is under embargo until {end_local}: do not publish or \
                     share it before then.\n\n{draft}Please acknowledge receipt:\n\n  {}/ack/{secret}\n",
                    p.contact.name, prog.name, state.public_url
                ),
                encrypt_to: p.contact.pgp_key.clone(),
                case_reference: None,
                automatic: true,
            };
            outbox::enqueue_mail(
                &txn,
                &state.keys,
                Some(prog.id),
                Some(view.row.id),
                "embargo.prenotified",
                None,
                &mail,
                now,
            )
            .await?;
            record_change(
                &txn,
                &view,
                &by,
                "prenotified",
                json!({ "participant": p.row.id, "ends_at": ends.to_string() }),
                now,
            )
            .await?;
            txn.commit().await?;
            sent += 1;
        }
    }
    Ok((sent, reminded))
}

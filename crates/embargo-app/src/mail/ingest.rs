//! Filing inbound mail: the raw message is stored (sealed) before anything reads it; then it is
//! parsed, decrypted with the program key (RFC 3156 PGP/MIME or inline), its signature checked
//! when the sender's key is known, and it becomes a new case, a reply on its case (by reply
//! token), or — when any of that fails — a quarantined submission that an admin can retry.
//! A message is never dropped.

use base64::Engine as _;
use embargo_formats::mail::{self as mime, Body, Content, InlinePgp};
use embargo_store::{Ts, case, program, submission};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::case::service::{self as case_service, ChangeBy, Post};
use crate::error::{AppError, AppResult};
use crate::mail::{Token, find_token};
use crate::report::intake::{self, Origin, ReportInput, Upload};
use crate::state::AppState;

const SEAL_CONTEXT: &str = "submission";

/// The SMTP envelope, kept with the message (the headers may differ from it).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Envelope {
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    /// Client address and HELO name (the trace a `Received:` header would carry).
    pub peer: String,
    pub helo: String,
    pub tls: bool,
    /// `smtp` or `pipe` (`embargo ingest-mail`).
    pub via: String,
}

/// What is stored, sealed: the envelope and the message bytes exactly as received.
#[derive(Serialize, Deserialize)]
struct Stored {
    envelope: Envelope,
    message_b64: String,
}

/// What became of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A new case with this reference.
    Case(String),
    /// A reply added to this case.
    Reply(String),
    /// Kept in quarantine, with the reason.
    Quarantined(String),
}

/// Stores a message as received. Once this returns, the message is durable (the SMTP
/// receiver answers 250 only then).
pub async fn store_raw(
    state: &AppState,
    program_id: Option<i64>,
    envelope: Envelope,
    raw: &[u8],
) -> AppResult<i64> {
    let stored = Stored {
        envelope,
        message_b64: base64::engine::general_purpose::STANDARD.encode(raw),
    };
    let json = serde_json::to_vec(&stored).map_err(AppError::internal)?;
    let sub = submission::insert(
        state.store.conn(),
        program_id,
        "email",
        &state.keys.seal(&json, SEAL_CONTEXT),
        raw.len() as i64,
        state.now(),
    )
    .await?;
    Ok(sub.id)
}

/// Why a message could not be filed: kept in quarantine with the reason, or an internal error
/// (the message stays `received` and is tried again by the sweep).
enum Fail {
    Quarantine(String),
    Internal(AppError),
}

impl From<AppError> for Fail {
    fn from(e: AppError) -> Self {
        Fail::Internal(e)
    }
}

impl From<embargo_store::StoreError> for Fail {
    fn from(e: embargo_store::StoreError) -> Self {
        Fail::Internal(e.into())
    }
}

fn quarantine(reason: impl Into<String>) -> Fail {
    Fail::Quarantine(reason.into())
}

/// Files a stored message (again, for a retry from the quarantine list).
pub async fn process(state: &AppState, submission_id: i64) -> AppResult<Outcome> {
    let sub = submission::get(state.store.conn(), submission_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if sub.state == submission::PROCESSED {
        let reference = match sub.case_id {
            Some(id) => case::by_id(state.store.conn(), id)
                .await?
                .map(|c| c.reference)
                .unwrap_or_default(),
            None => String::new(),
        };
        return Ok(Outcome::Case(reference));
    }
    let stored: Stored = state
        .keys
        .open(&sub.raw, SEAL_CONTEXT)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| {
            AppError::internal(anyhow::anyhow!(
                "submission {submission_id} cannot be opened"
            ))
        })?;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(&stored.message_b64)
        .map_err(AppError::internal)?;
    let now = state.now();
    match file(state, sub.program_id, &stored.envelope, &raw, now).await {
        Ok((outcome, case_id)) => {
            submission::mark_processed(state.store.conn(), submission_id, case_id, now).await?;
            metrics::counter!("mail_filed_total").increment(1);
            Ok(outcome)
        }
        Err(Fail::Quarantine(reason)) => {
            submission::quarantine(state.store.conn(), submission_id, &reason, now).await?;
            metrics::counter!("mail_quarantined_total").increment(1);
            tracing::warn!(submission = submission_id, %reason, "mail quarantined");
            Ok(Outcome::Quarantined(reason))
        }
        Err(Fail::Internal(e)) => Err(e),
    }
}

/// Which program a new message is for: the pipe's `--program`, else a program whose policy
/// lists one of the recipients as an e-mail channel, else `mail.default_program`, else the
/// instance's default program.
async fn program_for(
    state: &AppState,
    hint: Option<i64>,
    recipients: &[String],
) -> AppResult<Option<program::Program>> {
    let db = state.store.conn();
    if let Some(id) = hint {
        return Ok(program::by_id(db, id).await?);
    }
    let bare = |a: &str| -> String {
        let a = a.trim().trim_start_matches('<').trim_end_matches('>');
        match a.rsplit_once('@') {
            Some((l, d)) => {
                format!("{}@{}", l.split('+').next().unwrap_or(l), d).to_ascii_lowercase()
            }
            None => a.to_ascii_lowercase(),
        }
    };
    let wanted: Vec<String> = recipients.iter().map(|r| bare(r)).collect();
    for p in program::list(db).await? {
        let Ok(policy) = crate::program::service::policy_of(&p) else {
            continue;
        };
        if policy.channels.iter().any(|c| {
            c.kind == embargo_domain::policy::ChannelKind::Email
                && wanted.contains(&bare(c.address.trim_start_matches("mailto:")))
        }) {
            return Ok(Some(p));
        }
    }
    let name = &state.config.mail.default_program;
    if !name.is_empty() {
        return Ok(program::by_slug(db, name).await?);
    }
    Ok(program::default(db).await?)
}

/// The body, decrypted when it was encrypted to the program key, and what we could tell of
/// its signature.
struct Opened {
    body: Body,
    encrypted: bool,
    /// (signed bytes, signature) of RFC 3156 §5, or the clearsigned block.
    signed: Option<Signed>,
}

enum Signed {
    Detached(Vec<u8>, Vec<u8>),
    Clear(String),
}

async fn open_content(
    state: &AppState,
    prog: &program::Program,
    content: Content,
    limits: &mime::Limits,
) -> Result<Opened, Fail> {
    let (content, encrypted) = match content {
        Content::PgpMime { encrypted } => {
            let (key, _) =
                crate::openpgp::program_key(&state.store, &state.keys, prog, state.now()).await?;
            let plain = crate::openpgp::decrypt(&key, &encrypted)
                .map_err(|e| quarantine(format!("cannot decrypt the PGP/MIME message: {e}")))?;
            let inner = mime::parse_entity(&plain, limits)
                .map_err(|e| quarantine(format!("the decrypted message is not valid MIME: {e}")))?;
            (inner, true)
        }
        other => (other, false),
    };
    let (mut body, mut signed) = match content {
        Content::Plain(b) => (b, None),
        Content::PgpSigned {
            signed,
            signature,
            body,
        } => (body, Some(Signed::Detached(signed, signature))),
        Content::PgpMime { .. } => {
            return Err(quarantine(
                "an encrypted message inside an encrypted message",
            ));
        }
    };
    let mut encrypted = encrypted;
    match std::mem::replace(&mut body.inline_pgp, InlinePgp::None) {
        InlinePgp::Encrypted(block) => {
            let (key, _) =
                crate::openpgp::program_key(&state.store, &state.keys, prog, state.now()).await?;
            let plain = crate::openpgp::decrypt(&key, block.as_bytes()).map_err(|e| {
                quarantine(format!("cannot decrypt the inline OpenPGP message: {e}"))
            })?;
            let plain = String::from_utf8_lossy(&plain).into_owned();
            body.text = body.text.replacen(&block, &plain, 1);
            encrypted = true;
        }
        InlinePgp::ClearSigned(block) => signed = signed.or(Some(Signed::Clear(block))),
        InlinePgp::None => {}
    }
    Ok(Opened {
        body,
        encrypted,
        signed,
    })
}

/// "verified" (with the key), "bad", "unknown-key" or "unsigned": recorded on the timeline.
fn check_signature(signed: Option<&Signed>, key: Option<&str>) -> String {
    let Some(signed) = signed else {
        return "unsigned".into();
    };
    let Some(key) = key.and_then(|k| crate::openpgp::parse_public_key(k.as_bytes()).ok()) else {
        return "unknown-key".into();
    };
    let result = match signed {
        Signed::Detached(content, sig) => crate::openpgp::verify_detached(&key, content, sig),
        Signed::Clear(block) => crate::openpgp::verify_cleartext(&key, block).map(|_| ()),
    };
    match result {
        Ok(()) => format!("verified:{}", crate::openpgp::fingerprint(&key)),
        Err(_) => "bad".into(),
    }
}

fn uploads(body: &Body) -> (Vec<Upload>, Option<String>) {
    let mut files = Vec::new();
    let mut key = None;
    for a in &body.attachments {
        // A key sent along (RFC 3156 §7 "application/pgp-keys") is the sender's key.
        if a.content_type == "application/pgp-keys" && key.is_none() {
            let text = String::from_utf8_lossy(&a.data).into_owned();
            if crate::openpgp::parse_public_key(text.as_bytes()).is_ok() {
                key = Some(text);
                continue;
            }
        }
        files.push(Upload {
            filename: a.filename.clone(),
            data: a.data.clone(),
        });
    }
    (files, key)
}

async fn file(
    state: &AppState,
    hint: Option<i64>,
    envelope: &Envelope,
    raw: &[u8],
    now: Ts,
) -> Result<(Outcome, i64), Fail> {
    let limits = mime::Limits {
        max_decoded_bytes: state.config.mail.max_message_bytes,
        ..Default::default()
    };
    let mail = mime::parse(raw, &limits)
        .map_err(|e| quarantine(format!("cannot read the message: {e}")))?;
    if mail.auto_submitted {
        return Err(quarantine(
            "an automatic message (auto-reply, bounce or receipt): kept, not filed",
        ));
    }
    let mut recipients: Vec<String> = envelope.rcpt_to.clone();
    recipients.extend(mail.to.iter().chain(&mail.cc).map(|m| m.address.clone()));
    let ids: Vec<&str> = mail
        .in_reply_to
        .iter()
        .chain(&mail.references)
        .map(String::as_str)
        .collect();
    let from = mail.from.as_ref().map(|m| m.address.clone());
    match find_token(&state.keys, recipients.iter().map(String::as_str), ids) {
        Token::Forged(reference) => Err(quarantine(format!(
            "the reply token for {reference} does not verify (forged or from another instance): not threaded"
        ))),
        Token::Case(reference) => {
            let row = case::by_reference(state.store.conn(), &reference)
                .await?
                .ok_or_else(|| {
                    quarantine(format!("a reply to {reference}, which does not exist"))
                })?;
            let (view, prog, _) = case_service::load(&state.store, &state.keys, row).await?;
            let opened = open_content(state, &prog, mail.content, &limits).await?;
            let signature =
                check_signature(opened.signed.as_ref(), view.reporter.pgp_key.as_deref());
            let (files, _) = uploads(&opened.body);
            let by = ChangeBy {
                actor: embargo_domain::case::Actor::Reporter,
                id: "reporter".into(),
                ip: envelope.peer.clone(),
            };
            let post = Post {
                body: &opened.body.text,
                visibility: "thread",
                via: "email",
                user_id: None,
                attachments: &files,
            };
            match case_service::post_message(state, &view, post, &by).await {
                Ok(()) => {}
                Err(AppError::Validation { message, .. }) => {
                    return Err(quarantine(format!("the reply cannot be added: {message}")));
                }
                Err(e) => return Err(e.into()),
            }
            record_mail_event(state, view.row.id, opened.encrypted, &signature, now).await?;
            Ok((Outcome::Reply(reference), view.row.id))
        }
        Token::None => {
            let prog = program_for(state, hint, &recipients)
                .await?
                .ok_or_else(|| {
                    quarantine(format!(
                        "no program receives mail for {}",
                        recipients.join(", ")
                    ))
                })?;
            let policy = crate::program::service::policy_of(&prog)?;
            let opened = open_content(state, &prog, mail.content, &limits).await?;
            let (files, sender_key) = uploads(&opened.body);
            let signature = check_signature(opened.signed.as_ref(), sender_key.as_deref());
            let mut fields = std::collections::BTreeMap::new();
            let subject = mail.subject.trim();
            fields.insert(
                "title".to_owned(),
                if subject.is_empty() {
                    "(no subject)".to_owned()
                } else {
                    subject.chars().take(200).collect()
                },
            );
            fields.insert("description".to_owned(), opened.body.text.clone());
            let input = ReportInput {
                fields,
                contact_email: from.clone(),
                reporter_pgp_key: sender_key,
                attachments: files,
            };
            let origin = Origin {
                channel: "email",
                actor: "anonymous".into(),
                ip: envelope.peer.clone(),
            };
            let done = match intake::submit(state, &prog, &policy, input, &origin).await {
                Ok(d) => d,
                Err(AppError::TooManyRequests { .. }) => {
                    return Err(quarantine(format!(
                        "{} sent more reports in the last hour than allowed",
                        from.unwrap_or_default()
                    )));
                }
                Err(AppError::Validation { message, .. }) => {
                    return Err(quarantine(format!("the report cannot be filed: {message}")));
                }
                Err(e) => return Err(e.into()),
            };
            let row = case::by_reference(state.store.conn(), &done.reference)
                .await?
                .ok_or(Fail::Internal(AppError::NotFound))?;
            record_mail_event(state, row.id, opened.encrypted, &signature, now).await?;
            Ok((Outcome::Case(done.reference), row.id))
        }
    }
}

/// How the mail arrived (encrypted? signature?), on the case timeline. No content.
async fn record_mail_event(
    state: &AppState,
    case_id: i64,
    encrypted: bool,
    signature: &str,
    now: Ts,
) -> AppResult<()> {
    case::add_event(
        state.store.conn(),
        case_id,
        "reporter",
        "mail_received",
        &json!({ "encrypted": encrypted, "signature": signature }).to_string(),
        now,
    )
    .await?;
    Ok(())
}

/// Stores and files one message (the receiver and `embargo ingest-mail`). Storage errors are
/// returned (the sender must try again); everything after storage ends in a case, a reply or
/// the quarantine.
pub async fn receive(
    state: &AppState,
    program_id: Option<i64>,
    envelope: Envelope,
    raw: &[u8],
) -> AppResult<(i64, Outcome)> {
    let id = store_raw(state, program_id, envelope, raw).await?;
    let outcome = process(state, id).await?;
    Ok((id, outcome))
}

/// Files messages left `received` (the process stopped between storing and filing).
pub async fn sweep(state: &AppState) -> AppResult<usize> {
    let cutoff = state.now() - chrono::Duration::minutes(2);
    let mut n = 0;
    for s in submission::in_state(state.store.conn(), submission::RECEIVED, 100).await? {
        if s.channel == "email" && s.received_at < cutoff {
            process(state, s.id).await?;
            n += 1;
        }
    }
    Ok(n)
}

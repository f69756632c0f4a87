//! Durable outbound delivery: mail (SMTP through `lettre`, PGP/MIME-encrypted when the
//! recipient's key is known) and webhooks (JSON signed with HMAC-SHA256). Callers enqueue inside
//! the transaction of the change that causes the message; the `outbox.deliver` job sends,
//! retries with back-off and records every attempt (the delivery log on `/admin/outbox`).

use std::time::{Duration, Instant};

use embargo_store::{ConnectionTrait, Ts, outbox};
use hmac::{Hmac, Mac};
use lettre::message::header::{ContentDisposition, ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::error::{AppError, AppResult};
use crate::keys::Keys;
use crate::state::AppState;

const SEAL_CONTEXT: &str = "outbox";
/// Attempts before a delivery is given up (and shown as failed, with a retry button).
pub const MAX_ATTEMPTS: i32 = 12;

/// A mail to send. Subjects never carry report content: they may travel unencrypted.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    /// The recipient's ASCII-armoured public key: the body is sent as PGP/MIME (RFC 3156).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encrypt_to: Option<String>,
    /// Case reference: replies are threaded into it (reply address and Message-ID carry a token).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_reference: Option<String>,
    /// Mail written by a machine (RFC 3834 `Auto-Submitted: auto-generated`).
    #[serde(default)]
    pub automatic: bool,
}

/// A webhook call to make.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct WebhookCall {
    url: String,
    secret: String,
    body: String,
}

/// What the delivery log shows of a delivery (sealed: recipient addresses are personal data).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Summary {
    pub to: String,
    pub subject: String,
}

pub fn open_summary(keys: &Keys, d: &outbox::Delivery) -> Summary {
    keys.open(&d.summary, SEAL_CONTEXT)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

fn seal_json(keys: &Keys, v: &impl Serialize) -> AppResult<String> {
    let json = serde_json::to_vec(v).map_err(AppError::internal)?;
    Ok(keys.seal(&json, SEAL_CONTEXT))
}

/// Queues a mail. With a `dedupe_key` already used, nothing is queued.
#[expect(
    clippy::too_many_arguments,
    reason = "the row's columns, named at the call"
)]
pub async fn enqueue_mail(
    db: &impl ConnectionTrait,
    keys: &Keys,
    program_id: Option<i64>,
    case_id: Option<i64>,
    event: &str,
    dedupe_key: Option<&str>,
    mail: &Mail,
    now: Ts,
) -> AppResult<bool> {
    let summary = Summary {
        to: mail.to.clone(),
        subject: mail.subject.clone(),
    };
    Ok(outbox::enqueue(
        db,
        outbox::NewDelivery {
            kind: outbox::MAIL,
            program_id,
            case_id,
            webhook_id: None,
            event,
            dedupe_key,
            summary_sealed: &seal_json(keys, &summary)?,
            payload_sealed: &seal_json(keys, mail)?,
        },
        now,
    )
    .await?)
}

#[expect(
    clippy::too_many_arguments,
    reason = "the row's columns, named at the call"
)]
/// Queues one call per active webhook of the program subscribed to `event`. The body is the
/// event as JSON; it never carries sealed report content (webhooks feed chat and trackers).
pub async fn enqueue_webhooks(
    db: &impl ConnectionTrait,
    keys: &Keys,
    program_id: i64,
    case_id: Option<i64>,
    event: &str,
    dedupe_key: Option<&str>,
    body: &serde_json::Value,
    now: Ts,
) -> AppResult<()> {
    for w in outbox::webhooks(db, program_id).await? {
        if !w.active || !subscribed(&w.events, event) {
            continue;
        }
        let secret = keys
            .open(&w.secret, crate::webhook::SECRET_CONTEXT)
            .map_err(AppError::internal)?;
        let call = WebhookCall {
            url: w.url.clone(),
            secret: String::from_utf8_lossy(&secret).into_owned(),
            body: body.to_string(),
        };
        let summary = Summary {
            to: w.url.clone(),
            subject: event.to_owned(),
        };
        let key = dedupe_key.map(|k| format!("{k}:webhook:{}", w.id));
        outbox::enqueue(
            db,
            outbox::NewDelivery {
                kind: outbox::WEBHOOK,
                program_id: Some(program_id),
                case_id,
                webhook_id: Some(w.id),
                event,
                dedupe_key: key.as_deref(),
                summary_sealed: &seal_json(keys, &summary)?,
                payload_sealed: &seal_json(keys, &call)?,
            },
            now,
        )
        .await?;
    }
    Ok(())
}

fn subscribed(events: &str, event: &str) -> bool {
    events
        .split(',')
        .map(str::trim)
        .any(|e| e == "*" || e == event)
}

/// Sends what is due; returns (sent, failed attempts). Mail stays queued while no SMTP server
/// is configured.
pub async fn deliver_due(state: &AppState) -> anyhow::Result<(usize, usize)> {
    let now = state.now();
    // A claimed row is ours for this window; a crash leaves it to be retried after it.
    let window = chrono::Duration::minutes(10);
    let transport = smtp_transport(state)?;
    let kinds: &[&str] = if transport.is_some() {
        &[outbox::MAIL, outbox::WEBHOOK]
    } else {
        &[outbox::WEBHOOK]
    };
    let claimed = outbox::claim_due(state.store.conn(), kinds, now, window, 50).await?;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let (mut sent, mut failed) = (0, 0);
    for d in claimed {
        let started = Instant::now();
        let result = match d.kind.as_str() {
            outbox::MAIL => match &transport {
                Some(t) => send_mail(state, t, &d).await,
                None => Err("no SMTP server configured (mail.smtp_url)".to_owned()),
            },
            outbox::WEBHOOK => call_webhook(state, &http, &d).await,
            other => Err(format!("unknown delivery kind `{other}`")),
        };
        let ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let now = state.now();
        match result {
            Ok(detail) => {
                outbox::record_attempt(state.store.conn(), d.id, Ok(&detail), None, ms, now)
                    .await?;
                metrics::counter!("outbox_sent_total", "kind" => d.kind.clone()).increment(1);
                sent += 1;
            }
            Err(e) => {
                // 1, 2, 4 … minutes, capped at an hour; given up after MAX_ATTEMPTS.
                let retry = (d.attempts < MAX_ATTEMPTS).then(|| {
                    now + chrono::Duration::minutes((1i64 << d.attempts.clamp(0, 6)).min(60))
                });
                outbox::record_attempt(state.store.conn(), d.id, Err(&e), retry, ms, now).await?;
                metrics::counter!("outbox_failed_attempts_total", "kind" => d.kind.clone())
                    .increment(1);
                tracing::warn!(delivery = d.id, kind = %d.kind, error = %e, "delivery failed");
                failed += 1;
            }
        }
    }
    Ok((sent, failed))
}

fn smtp_transport(state: &AppState) -> anyhow::Result<Option<AsyncSmtpTransport<Tokio1Executor>>> {
    let url = &state.config.mail.smtp_url;
    if url.is_empty() {
        return Ok(None);
    }
    Ok(Some(
        AsyncSmtpTransport::<Tokio1Executor>::from_url(url)?
            .timeout(Some(Duration::from_secs(30)))
            .build(),
    ))
}

async fn send_mail(
    state: &AppState,
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    d: &outbox::Delivery,
) -> Result<String, String> {
    let payload = state
        .keys
        .open(&d.payload, SEAL_CONTEXT)
        .map_err(|e| format!("payload: {e}"))?;
    let mail: Mail = serde_json::from_slice(&payload).map_err(|e| format!("payload: {e}"))?;
    let message = build_message(state, &mail, d.id)?;
    let response = transport
        .send(message)
        .await
        .map_err(|e| format!("SMTP: {e}"))?;
    Ok(format!(
        "{} {}",
        response.code(),
        response.message().collect::<Vec<_>>().join(" ")
    ))
}

fn mailbox(name: &str, address: &str) -> Result<Mailbox, String> {
    let addr = address
        .parse()
        .map_err(|e| format!("address `{address}`: {e}"))?;
    Ok(Mailbox::new(
        (!name.is_empty()).then(|| name.to_owned()),
        addr,
    ))
}

/// The RFC 5322 message: plain text, or PGP/MIME (RFC 3156 §4) with the text part encrypted.
pub fn build_message(
    state: &AppState,
    mail: &Mail,
    delivery_id: i64,
) -> Result<lettre::Message, String> {
    let cfg = &state.config.mail;
    let mut b = lettre::Message::builder()
        .from(mailbox(&cfg.from_name, &cfg.from)?)
        .to(mailbox("", &mail.to)?)
        .subject(mail.subject.clone());
    if let Some(reference) = &mail.case_reference {
        let reply = crate::mail::reply_address(&state.keys, &cfg.from, reference);
        b = b
            .reply_to(mailbox(&cfg.from_name, &reply)?)
            .message_id(Some(crate::mail::message_id(
                &state.keys,
                &cfg.from,
                reference,
                delivery_id,
            )));
    }
    let text = SinglePart::builder()
        .header(ContentType::TEXT_PLAIN)
        .body(mail.text.clone());
    let mut message = match &mail.encrypt_to {
        None => b.singlepart(text),
        Some(key) => {
            let key =
                crate::openpgp::parse_public_key(key.as_bytes()).map_err(|e| e.to_string())?;
            // RFC 3156 §4: the encrypted data is a complete MIME entity (headers + body).
            let armored =
                crate::openpgp::encrypt(&key, &text.formatted()).map_err(|e| e.to_string())?;
            b.multipart(
                MultiPart::encrypted("application/pgp-encrypted".into())
                    .singlepart(
                        SinglePart::builder()
                            .header(
                                ContentType::parse("application/pgp-encrypted")
                                    .map_err(|e| e.to_string())?,
                            )
                            .body("Version: 1\r\n".to_owned()),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(
                                ContentType::parse(
                                    "application/octet-stream; name=\"encrypted.asc\"",
                                )
                                .map_err(|e| e.to_string())?,
                            )
                            .header(ContentDisposition::inline_with_name("encrypted.asc"))
                            .body(armored),
                    ),
            )
        }
    }
    .map_err(|e| format!("building the message: {e}"))?;
    if mail.automatic {
        // RFC 3834 §5: so that vacation responders do not answer and loops cannot start.
        message.headers_mut().insert_raw(HeaderValue::new(
            HeaderName::new_from_ascii_str("Auto-Submitted"),
            "auto-generated".into(),
        ));
    }
    Ok(message)
}

/// `sha256=<hex>` of HMAC-SHA256(secret, "<timestamp>.<body>"): the timestamp is signed too so
/// that a captured call cannot be replayed later with a fresh header.
pub fn webhook_signature(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

async fn call_webhook(
    state: &AppState,
    http: &reqwest::Client,
    d: &outbox::Delivery,
) -> Result<String, String> {
    let payload = state
        .keys
        .open(&d.payload, SEAL_CONTEXT)
        .map_err(|e| format!("payload: {e}"))?;
    let call: WebhookCall =
        serde_json::from_slice(&payload).map_err(|e| format!("payload: {e}"))?;
    let ts = state.now().timestamp();
    let resp = http
        .post(&call.url)
        .header("Content-Type", "application/json")
        .header("User-Agent", concat!("Embargo/", env!("CARGO_PKG_VERSION")))
        .header("X-Embargo-Event", &d.event)
        .header("X-Embargo-Delivery", d.id.to_string())
        .header("X-Embargo-Timestamp", ts.to_string())
        .header(
            "X-Embargo-Signature",
            webhook_signature(call.secret.as_bytes(), ts, call.body.as_bytes()),
        )
        .body(call.body)
        .send()
        .await
        .map_err(|e| format!("HTTP: {e}"))?;
    let status = resp.status();
    if status.is_success() {
        Ok(format!("HTTP {}", status.as_u16()))
    } else {
        Err(format!("HTTP {}", status.as_u16()))
    }
}

//! Intake: validates a report against its program's policy, stores the raw submission and the
//! case (sealed) in one transaction, and returns the case reference and the tracking link.
//!
//! For the web form and the API the raw submission and the case commit together: either both
//! exist, or the client got an error and still holds its input. (E-mail, whose parsing can
//! fail, stores the raw message first and processes it afterwards.) Submissions arriving
//! together share a transaction (group commit, see [`commit`]); each is answered after the
//! commit that holds it.

use std::collections::BTreeMap;

use embargo_domain::account::Email;
use embargo_domain::policy::{Policy, ReportField, StandardField};
use embargo_store::{Store, Ts, audit, case, program, sha256_hex, submission};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::auth::random_token;
use crate::error::{AppError, AppResult};
use crate::report::sniff::{clean_filename, sniff};

mod commit;

/// Largest single text field.
pub const MAX_FIELD_CHARS: usize = 100_000;
/// Total attachment bytes per report, unless the policy says otherwise.
pub const DEFAULT_ATTACHMENT_BYTES: usize = 25 * 1024 * 1024;
pub const MAX_ATTACHMENTS: usize = 10;

/// One input of the form, derived from the policy.
#[derive(Debug, Clone, Serialize)]
pub struct FormField {
    /// `title`, a standard field's kebab-case name, or `custom:<id>`.
    pub id: String,
    pub label: String,
    pub help: Option<String>,
    pub required: bool,
    pub multiline: bool,
}

fn standard_id(f: StandardField) -> String {
    serde_json::to_value(f)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn field_id(f: &ReportField) -> Option<String> {
    match (&f.field, &f.custom) {
        (Some(s), _) => Some(standard_id(*s)),
        (None, Some(c)) => Some(format!("custom:{c}")),
        _ => None,
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// The fields the intake asks for: a title, then the policy's fields in order (a description
/// is always asked for: a report without one cannot be triaged).
pub fn form_fields(policy: &Policy) -> Vec<FormField> {
    let mut out = vec![FormField {
        id: "title".into(),
        label: "Title".into(),
        help: Some(
            "One line that names the problem, e.g. \"SQL injection in the login form\".".into(),
        ),
        required: true,
        multiline: false,
    }];
    let fields = &policy.report.fields;
    if !fields
        .iter()
        .any(|f| f.field == Some(StandardField::Description))
    {
        out.push(FormField {
            id: "description".into(),
            label: "Description".into(),
            help: None,
            required: true,
            multiline: true,
        });
    }
    for f in fields {
        let Some(id) = field_id(f) else { continue };
        let single_line = matches!(
            f.field,
            Some(
                StandardField::AffectedVersion
                    | StandardField::CvssVector
                    | StandardField::CreditName
            )
        );
        out.push(FormField {
            required: f.required || f.field == Some(StandardField::Description),
            label: capitalised(&f.display_label()),
            help: f.help.clone(),
            multiline: !single_line,
            id,
        });
    }
    out
}

/// An uploaded file.
#[derive(Debug, Clone)]
pub struct Upload {
    pub filename: String,
    pub data: Vec<u8>,
}

/// A report as submitted (web form or API).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportInput {
    /// Field id → text (ids as in [`form_fields`], including `title`).
    pub fields: BTreeMap<String, String>,
    /// Where we may write to the reporter (optional: the tracking link works without it).
    #[serde(default)]
    pub contact_email: Option<String>,
    /// The reporter's OpenPGP public key (ASCII-armoured), for encrypted replies.
    #[serde(default)]
    pub reporter_pgp_key: Option<String>,
    #[serde(skip)]
    pub attachments: Vec<Upload>,
}

/// One problem with a submission, by field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

fn err(field: &str, message: impl Into<String>) -> FieldError {
    FieldError {
        field: field.to_owned(),
        message: message.into(),
    }
}

/// Checks a submission against the policy; returns every problem, by field.
pub fn validate(policy: &Policy, input: &ReportInput) -> Vec<FieldError> {
    let fields = form_fields(policy);
    let mut errors = Vec::new();
    for (k, v) in &input.fields {
        if !fields.iter().any(|f| &f.id == k) {
            let allowed: Vec<&str> = fields.iter().map(|f| f.id.as_str()).collect();
            errors.push(err(
                k,
                format!(
                    "unknown field `{k}`; this program asks for: {}",
                    allowed.join(", ")
                ),
            ));
        } else if v.chars().count() > MAX_FIELD_CHARS {
            errors.push(err(k, format!("too long: at most {MAX_FIELD_CHARS} characters (attach longer material as a file)")));
        }
    }
    for f in &fields {
        let value = input.fields.get(&f.id).map(|v| v.trim()).unwrap_or("");
        if f.required && value.is_empty() {
            errors.push(err(&f.id, format!("{} is required", f.label)));
        }
    }
    if let Some(t) = input.fields.get("title")
        && t.chars().count() > 200
    {
        errors.push(err("title", "the title is longer than 200 characters"));
    }
    if let Some(v) = input
        .fields
        .get("cvss-vector")
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
    {
        match embargo_domain::cvss::parse(v) {
            Err(e) => errors.push(err("cvss-vector", e.to_string())),
            Ok(c) => {
                if let Err(e) = embargo_domain::cvss::check_against_policy(&c, &policy.severity) {
                    errors.push(err("cvss-vector", e.to_string()));
                }
            }
        }
    }
    if let Some(e) = input
        .contact_email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
        && let Err(problem) = Email::parse(e)
    {
        errors.push(err("contact_email", problem.to_string()));
    }
    if let Some(k) = input
        .reporter_pgp_key
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty())
    {
        if !k.starts_with("-----BEGIN PGP PUBLIC KEY BLOCK-----")
            || !k.contains("-----END PGP PUBLIC KEY BLOCK-----")
        {
            errors.push(err(
                "reporter_pgp_key",
                "paste an ASCII-armoured OpenPGP public key (-----BEGIN PGP PUBLIC KEY BLOCK----- …)",
            ));
        } else if let Err(e) = crate::openpgp::parse_public_key(k.as_bytes())
            .and_then(|key| crate::openpgp::encrypt(&key, b"probe").map(|_| ()))
        {
            // We will encrypt every mail to this key: refuse one we cannot encrypt to now,
            // rather than send the reporter clear text later.
            errors.push(err("reporter_pgp_key", e.to_string()));
        }
    }
    if input.attachments.len() > MAX_ATTACHMENTS {
        errors.push(err(
            "attachments",
            format!("at most {MAX_ATTACHMENTS} files"),
        ));
    }
    let total: usize = input.attachments.iter().map(|a| a.data.len()).sum();
    if total > DEFAULT_ATTACHMENT_BYTES {
        errors.push(err(
            "attachments",
            format!(
                "attachments total {} MB; the limit is {} MB",
                total / (1024 * 1024),
                DEFAULT_ATTACHMENT_BYTES / (1024 * 1024)
            ),
        ));
    }
    errors
}

/// What the reporter keeps after submitting.
#[derive(Debug, Clone, Serialize)]
pub struct Submitted {
    pub reference: String,
    /// The private tracking secret (only its hash is stored).
    pub tracking_secret: String,
}

/// The sealed report as stored in `cases.report`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StoredReport {
    pub fields: BTreeMap<String, String>,
}

/// The sealed reporter contact details as stored in `cases.reporter`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StoredReporter {
    pub email: Option<String>,
    pub pgp_key: Option<String>,
    /// The name or handle to credit, as given.
    pub credit: Option<String>,
    /// `name`, `handle` or `anonymous`, once the reporter chose on the tracking page.
    #[serde(default)]
    pub credit_kind: Option<String>,
    /// A link to show with the credit.
    #[serde(default)]
    pub credit_link: Option<String>,
    /// When the reporter consented to be credited as above (RFC 3339); no credit without it.
    #[serde(default)]
    pub credit_consent_at: Option<String>,
}

/// Lower-cased words of 2–40 characters: what the blind search index holds.
pub fn words(text: &str) -> Vec<String> {
    let mut w: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| (2..=40).contains(&w.chars().count()))
        .map(str::to_lowercase)
        .collect();
    w.sort();
    w.dedup();
    w.truncate(5000);
    w
}

pub fn sealing_context(reference: &str, part: &str) -> String {
    format!("case:{reference}:{part}")
}

/// Where a submission came from.
#[derive(Debug, Clone)]
pub struct Origin {
    /// `web`, `api` or `email`.
    pub channel: &'static str,
    /// Audit actor: `anonymous`, or the API caller.
    pub actor: String,
    pub ip: String,
}

/// Stores a valid submission as a new case; returns its reference and tracking secret.
///
/// The answer comes after the commit (`synchronous = FULL` on SQLite: after the fsync), and
/// submissions that arrive while another batch is being written are written together, in one
/// transaction with one commit (group commit, ADR 0008).
pub async fn submit(
    state: &crate::state::AppState,
    prog: &program::Program,
    policy: &Policy,
    input: ReportInput,
    origin: &Origin,
) -> AppResult<Submitted> {
    let (store, keys, now) = (&state.store, &state.keys, state.now());
    let email = input
        .contact_email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .and_then(|e| Email::parse(e).ok());
    let email_hash = email.as_ref().map(|e| keys.blind("email", e.as_str()));
    if let Some(h) = &email_hash {
        let recent = recent_reports_by_address(store, h, now).await?;
        // Per reporter address and hour, whatever the channel (`mail.reports_per_sender_per_hour`).
        if recent >= u64::from(state.config.mail.reports_per_sender_per_hour) {
            return Err(AppError::TooManyRequests {
                retry_after_secs: 3600,
            });
        }
    }
    let job = prepare(state, prog, policy, input, origin, email, email_hash, now)?;
    commit::group_commit(job).await
}

/// A submission with everything computed that does not depend on its case number: on SQLite
/// every write queues for one connection, so what runs while it is held limits throughput.
struct Prepared {
    state: crate::state::AppState,
    prog: program::Program,
    policy: Policy,
    channel: &'static str,
    actor: String,
    ip: String,
    now: Ts,
    year: i32,
    prefix: String,
    title: String,
    report: String,
    reporter: String,
    reporter_info: StoredReporter,
    email_hash: Option<String>,
    tracking_secret: String,
    tracking_hash: String,
    raw_sealed: String,
    raw_size: i64,
    /// Blind-index tokens of the text (those of the reference are added with it).
    tokens: Vec<String>,
    /// (clean file name, sniffed type, SHA-256, content).
    attachments: Vec<(String, &'static str, String, Vec<u8>)>,
}

#[expect(
    clippy::too_many_arguments,
    reason = "submit's inputs and what it derived"
)]
fn prepare(
    state: &crate::state::AppState,
    prog: &program::Program,
    policy: &Policy,
    input: ReportInput,
    origin: &Origin,
    email: Option<Email>,
    email_hash: Option<String>,
    now: Ts,
) -> AppResult<Prepared> {
    let keys = &state.keys;
    let raw = json!({
        "fields": input.fields,
        "contact_email": input.contact_email,
        "reporter_pgp_key": input.reporter_pgp_key,
        "attachments": input.attachments.iter().map(|a| json!({ "filename": a.filename, "size": a.data.len(), "sha256": sha256_hex(&a.data) })).collect::<Vec<_>>(),
    })
    .to_string();
    let title = input
        .fields
        .get("title")
        .map(|t| t.trim().to_owned())
        .unwrap_or_default();
    let credit = input
        .fields
        .get("credit-name")
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty());
    let report = serde_json::to_string(&StoredReport {
        fields: input.fields.clone(),
    })
    .map_err(AppError::internal)?;
    let reporter_info = StoredReporter {
        email: email.as_ref().map(ToString::to_string),
        pgp_key: input.reporter_pgp_key.clone(),
        credit,
        ..Default::default()
    };
    let reporter = serde_json::to_string(&reporter_info).map_err(AppError::internal)?;
    let text: String = input.fields.values().cloned().collect::<Vec<_>>().join(" ");
    let tokens = words(&text).iter().map(|w| keys.blind("word", w)).collect();
    let tracking_secret = random_token(32);
    Ok(Prepared {
        state: state.clone(),
        prog: prog.clone(),
        policy: policy.clone(),
        channel: origin.channel,
        actor: origin.actor.clone(),
        ip: origin.ip.clone(),
        now,
        year: chrono::Datelike::year(&now),
        prefix: embargo_domain::case::CaseRef::prefix_from_slug(&prog.slug)
            .map_err(|e| AppError::internal(anyhow::anyhow!("{e}")))?,
        title,
        report,
        reporter,
        reporter_info,
        email_hash,
        tracking_hash: sha256_hex(tracking_secret.as_bytes()),
        tracking_secret,
        raw_sealed: keys.seal(raw.as_bytes(), "submission"),
        raw_size: raw.len() as i64,
        tokens,
        attachments: input
            .attachments
            .into_iter()
            .map(|a| {
                let (name, kind, hash) = (
                    clean_filename(&a.filename),
                    sniff(&a.data),
                    sha256_hex(&a.data),
                );
                (name, kind, hash, a.data)
            })
            .collect(),
    })
}

/// Writes prepared submissions in the caller's transaction: every case with its raw
/// submission, attachments, search tokens, timeline entry, notifications and audit entry.
/// Statements are shared by the batch where the tables allow (one per table, not per case).
async fn write(
    txn: &embargo_store::DatabaseTransaction,
    jobs: &[&Prepared],
) -> AppResult<Vec<Submitted>> {
    // Case numbers: one reservation per program and year, handed out in arrival order.
    let mut next: Vec<((i64, i32), i64)> = Vec::new();
    for j in jobs {
        let key = (j.prog.id, j.year);
        if !next.iter().any(|(k, _)| *k == key) {
            let count = jobs.iter().filter(|o| (o.prog.id, o.year) == key).count() as i64;
            next.push((key, case::reserve_numbers(txn, key.0, key.1, count).await?));
        }
    }
    let mut references = Vec::with_capacity(jobs.len());
    for j in jobs {
        let slot = next
            .iter_mut()
            .find(|(k, _)| *k == (j.prog.id, j.year))
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("no case number reserved")))?;
        let number = slot.1;
        slot.1 += 1;
        references.push(
            embargo_domain::case::CaseRef::new(
                &j.prefix,
                u16::try_from(j.year).unwrap_or(2000),
                u32::try_from(number).unwrap_or(u32::MAX),
            )
            .map_err(|e| AppError::internal(anyhow::anyhow!("{e}")))?
            .to_string(),
        );
    }
    // Sealed under contexts that name the reference, so sealed only now.
    let sealed: Vec<[String; 3]> = jobs
        .iter()
        .zip(&references)
        .map(|(j, r)| {
            let keys = &j.state.keys;
            [
                keys.seal(j.title.as_bytes(), &sealing_context(r, "title")),
                keys.seal(j.report.as_bytes(), &sealing_context(r, "report")),
                keys.seal(j.reporter.as_bytes(), &sealing_context(r, "reporter")),
            ]
        })
        .collect();
    let cases = case::create_many(
        txn,
        jobs.iter()
            .zip(&references)
            .zip(&sealed)
            .map(|((j, r), [title, report, reporter])| {
                (
                    case::NewCase {
                        program_id: j.prog.id,
                        reference: r,
                        state: embargo_domain::case::CaseState::New.as_str(),
                        title_sealed: title,
                        report_sealed: report,
                        reporter_sealed: reporter,
                        reporter_email_hash: j.email_hash.as_deref(),
                        tracking_hash: &j.tracking_hash,
                        channel: j.channel,
                        severity: None,
                    },
                    j.now,
                )
            })
            .collect(),
    )
    .await?;
    let mut tokens: Vec<(i64, String)> = Vec::new();
    for ((j, c), r) in jobs.iter().zip(&cases).zip(&references) {
        for (name, content_type, sha256, data) in &j.attachments {
            case::add_attachment(
                txn,
                case::NewAttachment {
                    case_id: c.id,
                    message_id: None,
                    filename_sealed: &j
                        .state
                        .keys
                        .seal(name.as_bytes(), &sealing_context(r, "attachment-name")),
                    content_type,
                    size: data.len() as i64,
                    sha256,
                    data_sealed: j
                        .state
                        .keys
                        .seal_bytes(data, &sealing_context(r, "attachment")),
                },
                j.now,
            )
            .await?;
        }
        // The reference is searchable too.
        tokens.extend(j.tokens.iter().map(|t| (c.id, t.clone())));
        tokens.extend(
            words(r)
                .iter()
                .map(|w| (c.id, j.state.keys.blind("word", w))),
        );
    }
    let pairs: Vec<(i64, &str)> = tokens.iter().map(|(id, t)| (*id, t.as_str())).collect();
    case::index_token_pairs(txn, &pairs).await?;
    let received: Vec<String> = jobs
        .iter()
        .map(|j| json!({ "channel": j.channel }).to_string())
        .collect();
    let events: Vec<case::NewEvent<'_>> = jobs
        .iter()
        .zip(&cases)
        .zip(&received)
        .map(|((j, c), detail)| case::NewEvent {
            case_id: c.id,
            actor: &j.actor,
            kind: "received",
            detail,
            at: j.now,
        })
        .collect();
    case::add_events(txn, &events).await?;
    // The raw submission commits with its case, so it is stored already processed.
    let raw: Vec<submission::Processed<'_>> = jobs
        .iter()
        .zip(&cases)
        .map(|(j, c)| submission::Processed {
            program_id: Some(j.prog.id),
            channel: j.channel,
            raw_sealed: &j.raw_sealed,
            size: j.raw_size,
            case_id: c.id,
            at: j.now,
        })
        .collect();
    submission::insert_processed(txn, &raw).await?;
    // Notifications, per case, in the same transaction.
    for (j, c) in jobs.iter().zip(&cases) {
        crate::notification::case_created(
            txn,
            &j.state,
            &j.prog,
            &j.policy,
            c,
            &j.reporter_info,
            &format!("{}/track/{}", j.state.public_url, j.tracking_secret),
            j.now,
        )
        .await?;
    }
    let targets: Vec<String> = references.iter().map(|r| format!("case:{r}")).collect();
    let details: Vec<String> = jobs
        .iter()
        .map(|j| {
            json!({ "program": j.prog.slug, "channel": j.channel, "attachments": j.attachments.len() })
                .to_string()
        })
        .collect();
    let entries: Vec<(audit::NewEntry<'_>, Ts)> = jobs
        .iter()
        .zip(&targets)
        .zip(&details)
        .map(|((j, target), detail)| {
            (
                audit::NewEntry {
                    actor: &j.actor,
                    action: "case.created",
                    target,
                    detail,
                    ip: &j.ip,
                },
                j.now,
            )
        })
        .collect();
    audit::append_many(txn, &entries).await?;
    Ok(jobs
        .iter()
        .zip(references)
        .map(|(j, reference)| Submitted {
            reference,
            tracking_secret: j.tracking_secret.clone(),
        })
        .collect())
}

async fn recent_reports_by_address(store: &Store, email_hash: &str, now: Ts) -> AppResult<u64> {
    use embargo_store::{ConnectionTrait, stmt};
    let db = store.conn();
    let row = db
        .query_one_raw(stmt(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM cases WHERE reporter_email_hash = $1 AND received_at > $2",
            [email_hash.into(), (now - chrono::Duration::hours(1)).into()],
        ))
        .await?;
    Ok(row
        .and_then(|r| r.try_get::<i64>("", "n").ok())
        .unwrap_or(0)
        .max(0) as u64)
}

/// Honest notices shown before submitting: the version looks unsupported, the text matches a
/// non-qualifying category. The report can still be sent.
pub fn notices(policy: &Policy, input: &ReportInput, today: jiff::civil::Date) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(v) = input
        .fields
        .get("affected-version")
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        && let Some(sv) = &policy.supported
    {
        let ans = embargo_domain::supported::evaluate(sv, v, today, None);
        if matches!(ans.verdict, embargo_domain::supported::Verdict::Unsupported) {
            out.push(ans.answer);
        }
    }
    out
}

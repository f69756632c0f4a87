//! Mail in: reply tokens that thread answers into their case, the built-in SMTP receiver, and
//! the ingestion of raw messages (from the receiver or `embargo ingest-mail`) into cases,
//! replies or the quarantine. Mail out is the outbox (`crate::outbox`).

pub mod html;
pub mod ingest;
pub mod receiver;

use subtle::ConstantTimeEq;

use crate::keys::Keys;

/// The keyed tag that proves a reply token was made by this instance for this case: without
/// the master key nobody can forge a token that threads mail into someone else's case.
fn tag(keys: &Keys, reference: &str) -> String {
    keys.blind("mail-reply", &reference.to_ascii_uppercase())[..20].to_owned()
}

/// `local+spook-2026-0001.<tag>@domain` of the sender address `from`. Lower case, because
/// some MTAs fold the local part.
pub fn reply_address(keys: &Keys, from: &str, reference: &str) -> String {
    let (local, domain) = from.rsplit_once('@').unwrap_or((from, "localhost"));
    let local = local.split('+').next().unwrap_or(local);
    format!(
        "{local}+{}.{}@{domain}",
        reference.to_ascii_lowercase(),
        tag(keys, reference)
    )
}

/// `<spook-2026-0001.<tag>.<n>@domain>`: replies name it in In-Reply-To / References.
pub fn message_id(keys: &Keys, from: &str, reference: &str, n: i64) -> String {
    let domain = from.rsplit_once('@').map_or("localhost", |(_, d)| d);
    format!(
        "<{}.{}.{n}@{domain}>",
        reference.to_ascii_lowercase(),
        tag(keys, reference)
    )
}

/// Why a token was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    /// No token at all.
    None,
    /// A token whose tag verifies: the case reference (upper case).
    Case(String),
    /// Something shaped like a token whose tag does not verify.
    Forged(String),
}

/// Checks `ref.tag` (from a plus-address or a Message-ID).
fn check(keys: &Keys, token: &str) -> Token {
    let Some((reference, given)) = token.rsplit_once('.') else {
        return Token::None;
    };
    if reference.is_empty() || given.len() != 20 {
        return Token::None;
    }
    let expected = tag(keys, reference);
    if bool::from(
        expected
            .as_bytes()
            .ct_eq(given.to_ascii_lowercase().as_bytes()),
    ) {
        Token::Case(reference.to_ascii_uppercase())
    } else {
        Token::Forged(reference.to_ascii_uppercase())
    }
}

/// The case a message belongs to, from its recipients' plus-addresses, then from the
/// Message-IDs it answers. The first verifying token wins; a forged one is reported as such
/// only when nothing verifies.
pub fn find_token<'a>(
    keys: &Keys,
    recipients: impl IntoIterator<Item = &'a str>,
    referenced_ids: impl IntoIterator<Item = &'a str>,
) -> Token {
    let mut forged = Token::None;
    let from_addresses = recipients.into_iter().filter_map(|r| {
        let local = r.rsplit_once('@').map_or(r, |(l, _)| l);
        local.split_once('+').map(|(_, t)| t)
    });
    let from_ids = referenced_ids.into_iter().filter_map(|id| {
        let id = id.trim().trim_start_matches('<').trim_end_matches('>');
        let local = id.rsplit_once('@').map_or(id, |(l, _)| l);
        // `<ref>.<tag>.<n>`: drop the delivery number.
        local.rsplit_once('.').map(|(t, _)| t)
    });
    for t in from_addresses.chain(from_ids) {
        match check(keys, t) {
            Token::Case(r) => return Token::Case(r),
            f @ Token::Forged(_) => forged = f,
            Token::None => {}
        }
    }
    forged
}

/// The receiver's sink: accepts mail for the instance's domains, stores each message before
/// the client hears 250, then files it.
pub struct IntakeSink {
    pub state: crate::state::AppState,
    /// Lower-case domains mail is accepted for; everything else is refused (we never relay).
    pub domains: Vec<String>,
}

impl IntakeSink {
    /// The domains of `mail.from`, of `public_url` and of every program's e-mail channels.
    pub async fn for_state(state: crate::state::AppState) -> anyhow::Result<IntakeSink> {
        let mut domains = Vec::new();
        let mut add = |addr: &str| {
            if let Some((_, d)) = addr.trim_start_matches("mailto:").rsplit_once('@') {
                domains.push(d.trim().trim_end_matches('>').to_ascii_lowercase());
            }
        };
        add(&state.config.mail.from);
        for p in embargo_store::program::list(state.store.conn()).await? {
            if let Ok(policy) = crate::program::service::policy_of(&p) {
                for c in &policy.channels {
                    if c.kind == embargo_domain::policy::ChannelKind::Email {
                        add(&c.address);
                    }
                }
            }
        }
        if let Ok(u) = url::Url::parse(&state.public_url)
            && let Some(h) = u.host_str()
        {
            domains.push(h.to_ascii_lowercase());
        }
        domains.sort();
        domains.dedup();
        Ok(IntakeSink { state, domains })
    }
}

impl receiver::Sink for IntakeSink {
    fn check_recipient(&self, rcpt: &str) -> receiver::Verdict {
        let domain = rcpt.rsplit_once('@').map(|(_, d)| d.to_ascii_lowercase());
        match domain {
            Some(d) if self.domains.contains(&d) => receiver::Verdict::Accept,
            _ => receiver::Verdict::Reject(receiver::Rejection::new(
                550,
                "5.7.1",
                "relaying denied: this server only receives mail for its own addresses",
            )),
        }
    }

    fn deliver(&self, envelope: receiver::Envelope, data: Vec<u8>) -> receiver::DeliverFuture<'_> {
        Box::pin(async move {
            let env = ingest::Envelope {
                mail_from: envelope.mail_from,
                rcpt_to: envelope.rcpt_to,
                peer: envelope.peer.ip().to_string(),
                helo: envelope.helo,
                tls: envelope.tls,
                via: "smtp".into(),
            };
            let id = ingest::store_raw(&self.state, None, env, &data)
                .await
                .map_err(|e| {
                    tracing::error!(error = %e, "storing inbound mail");
                    receiver::Rejection::temporary("cannot store the message now; try again later")
                })?;
            // Stored: the client may be told 250 whatever filing does. A filing error leaves the
            // message `received` for the sweep job.
            if let Err(e) = ingest::process(&self.state, id).await {
                tracing::warn!(submission = id, error = %e, "filing inbound mail; the sweep retries");
            }
            Ok(format!("queued as {id}"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_forgeries_are_told_apart() {
        let keys = Keys::from_master(&[7; 32]);
        let addr = reply_address(&keys, "security@example.org", "SPOOK-2026-0001");
        assert!(addr.starts_with("security+spook-2026-0001."), "{addr}");
        assert_eq!(
            find_token(&keys, [addr.as_str()], []),
            Token::Case("SPOOK-2026-0001".into())
        );
        let id = message_id(&keys, "security@example.org", "SPOOK-2026-0001", 42);
        assert_eq!(
            find_token(&keys, ["security@example.org"], [id.as_str()]),
            Token::Case("SPOOK-2026-0001".into())
        );
        // Same tag, other case: forged.
        let forged = addr.replace("0001", "0002");
        assert_eq!(
            find_token(&keys, [forged.as_str()], []),
            Token::Forged("SPOOK-2026-0002".into())
        );
        // Another instance's key: forged.
        let other = Keys::from_master(&[8; 32]);
        assert!(matches!(
            find_token(&other, [addr.as_str()], []),
            Token::Forged(_)
        ));
        assert_eq!(
            find_token(&keys, ["security@example.org"], ["<abc@x>"]),
            Token::None
        );
    }
}

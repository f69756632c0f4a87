//! The header section of incoming e-mail: that there is one (RFC 5322 §2.1–2.2), and the
//! addresses, message ids and robot markers (RFC 3834) read from it.

use std::borrow::Cow;

use mail_parser::{Address, Header, HeaderValue, Message};

use super::{MailError, Mailbox, content_type, not_mime};

/// RFC 4155: mbox files and pipe deliveries (`.forward`, Postfix `pipe` with flag F) put a
/// `From sender date` line before the message. It is not a header field; `From : x` (white
/// space before the colon, RFC 5322 §4.5.8) is, and stays.
pub(super) fn strip_mbox_postmark(raw: &[u8]) -> &[u8] {
    let Some(rest) = raw.strip_prefix(b"From ") else {
        return raw;
    };
    if rest.trim_ascii_start().starts_with(b":") {
        return raw;
    }
    match raw.iter().position(|&b| b == b'\n') {
        Some(eol) => raw.get(eol + 1..).unwrap_or_default(),
        None => raw,
    }
}

/// RFC 5322 §2.1–2.2: a header section is field lines (`name:` then the value, folded lines
/// starting with white space) ended by an empty line. mail-parser accepts almost anything as
/// headers, so binary garbage or a headerless text would otherwise parse as a "message".
pub(super) fn check_header_section(raw: &[u8], is_message: bool) -> Result<(), MailError> {
    let mut fields = 0usize;
    for (index, line) in raw.split_inclusive(|&b| b == b'\n').enumerate() {
        let number = index + 1;
        let ended = line.ends_with(b"\n");
        let line = line.strip_suffix(b"\n").unwrap_or(line);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() && ended {
            if is_message && fields == 0 {
                return Err(not_mime("the header section has no fields"));
            }
            return Ok(());
        }
        if line.starts_with(b" ") || line.starts_with(b"\t") {
            if fields == 0 {
                return Err(MailError::NotMime {
                    reason: format!(
                        "line {number} is a folded continuation with no field before it (RFC 5322 §2.2.3)"
                    ),
                });
            }
            continue;
        }
        let name = line
            .iter()
            .position(|&b| b == b':')
            .and_then(|colon| line.get(..colon));
        // obs-optional (RFC 5322 §4.5.8) allows white space before the colon.
        let name = name.map(|n| n.trim_ascii_end()).unwrap_or_default();
        if name.is_empty() || !name.iter().all(|&b| (33..=126).contains(&b) && b != b':') {
            return Err(MailError::NotMime {
                reason: format!(
                    "line {number} of the header section is not a header field (RFC 5322 §2.2)"
                ),
            });
        }
        fields += 1;
    }
    Err(not_mime(
        "no empty line ends the header section (RFC 5322 §2.1)",
    ))
}

pub(super) fn header<'h, 'x>(headers: &'h [Header<'x>], name: &str) -> Option<&'h Header<'x>> {
    headers
        .iter()
        .find(|h| h.name.as_str().eq_ignore_ascii_case(name))
}

/// The field's value as written (after the colon, unfolded by nothing), trimmed.
fn raw_value<'a>(raw: &'a [u8], h: &Header<'_>) -> Cow<'a, str> {
    let bytes = raw
        .get(h.offset_start as usize..h.offset_end as usize)
        .unwrap_or_default();
    match String::from_utf8_lossy(bytes) {
        Cow::Borrowed(s) => Cow::Borrowed(s.trim()),
        Cow::Owned(s) => Cow::Owned(s.trim().to_owned()),
    }
}

pub(super) fn mailboxes(headers: &[Header<'_>], name: &str) -> Vec<Mailbox> {
    let mut out = Vec::new();
    for h in headers
        .iter()
        .filter(|h| h.name.as_str().eq_ignore_ascii_case(name))
    {
        let addrs: Vec<_> = match h.value.as_address() {
            Some(Address::List(list)) => list.iter().collect(),
            Some(Address::Group(groups)) => groups.iter().flat_map(|g| &g.addresses).collect(),
            None => Vec::new(),
        };
        for addr in addrs {
            let Some(address) = addr.address.as_deref().map(str::trim) else {
                continue;
            };
            if address.is_empty() {
                continue;
            }
            let name = addr
                .name
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty());
            out.push(Mailbox {
                name: name.map(str::to_owned),
                address: address.to_owned(),
            });
        }
    }
    out
}

/// RFC 5322 §3.6 allows From and Reply-To once. Two of them is the classic way to show one
/// sender to a filter and another to a person, so it is refused rather than guessed at.
pub(super) fn single_mailbox(
    headers: &[Header<'_>],
    name: &'static str,
) -> Result<Option<Mailbox>, MailError> {
    let count = headers
        .iter()
        .filter(|h| h.name.as_str().eq_ignore_ascii_case(name))
        .count();
    if count > 1 {
        return Err(MailError::BadHeader {
            header: name,
            reason: format!("appears {count} times; RFC 5322 §3.6 allows it once"),
        });
    }
    Ok(mailboxes(headers, name).into_iter().next())
}

/// msg-id lists (RFC 5322 §3.6.4), without angle brackets.
pub(super) fn ids(headers: &[Header<'_>], name: &str) -> Vec<String> {
    match header(headers, name).map(|h| &h.value) {
        Some(HeaderValue::Text(id)) => vec![id.trim().to_owned()],
        Some(HeaderValue::TextList(list)) => list.iter().map(|id| id.trim().to_owned()).collect(),
        _ => Vec::new(),
    }
    .into_iter()
    .filter(|id| !id.is_empty())
    .collect()
}

/// RFC 3834 §2 and §5: never answer a robot. Auto-Submitted other than `no`; the de-facto
/// `Precedence: bulk/junk/list`; a null Return-Path (a bounce, RFC 5321 §4.5.5); and
/// multipart/report (delivery and read notifications, RFC 6522). List-Id alone is not a
/// robot: a security@ alias that is itself a mailing list would never get an answer.
pub(super) fn is_auto_submitted(message: &Message<'_>, raw: &[u8]) -> bool {
    let Some(root) = message.parts.first() else {
        return false;
    };
    let headers = root.headers.as_slice();
    let first_token = |name: &str| {
        header(headers, name).map(|h| {
            let value = raw_value(raw, h);
            let token = value.split([';', '(']).next().unwrap_or_default();
            token.trim().to_lowercase()
        })
    };
    let auto = first_token("Auto-Submitted").is_some_and(|v| v != "no");
    let bulk =
        first_token("Precedence").is_some_and(|v| matches!(v.as_str(), "bulk" | "junk" | "list"));
    let null_path = header(headers, "Return-Path")
        .is_some_and(|h| raw_value(raw, h).trim_matches(|c: char| c.is_whitespace()) == "<>");
    let report = content_type(root) == "multipart/report";
    auto || bulk || null_path || report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_mbox_postmark_is_stripped() {
        assert_eq!(
            strip_mbox_postmark(b"From a@b Tue Apr 14 2026\nX: y\n"),
            b"X: y\n"
        );
        assert_eq!(strip_mbox_postmark(b"From : a@b\n\nz"), b"From : a@b\n\nz");
        assert_eq!(strip_mbox_postmark(b"From: a@b\n\nz"), b"From: a@b\n\nz");
    }

    #[test]
    fn header_section_needs_fields_and_an_empty_line() {
        assert!(check_header_section(b"Subject: x\r\n\r\nbody", true).is_ok());
        assert!(check_header_section(b"Subject: x\r\n", true).is_err());
        assert!(check_header_section(b"hello world\n\nbody", true).is_err());
        assert!(check_header_section(b"\r\nbody", false).is_ok());
        assert!(check_header_section(b"\r\nbody", true).is_err());
    }
}

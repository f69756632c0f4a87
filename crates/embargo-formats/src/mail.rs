//! Incoming e-mail: parses a raw RFC 5322 / MIME message (or a decrypted RFC 3156 entity) into
//! its sender, threading headers, plain text, attachments and OpenPGP form. Pure; no I/O.
//!
//! MIME decoding is `mail-parser`'s; this module adds what an intake needs on top: limits
//! (parts, depth, decoded size), strictness where a lenient parse would silently lose data
//! (unterminated multiparts, bad base64), the RFC 3156 structures with the exact signed bytes,
//! inline OpenPGP armour, and the robot detection that keeps the server from auto-replying.
//! Attachments are opaque bytes: nothing is ever decompressed or unpacked.

use std::borrow::Cow;

use mail_parser::{
    Encoding, Message, MessageParser, MessagePart, MimeHeaders, PartType,
    decoders::html::html_to_text,
};

use armour::{armoured_attachment, find_armour};
use header::{
    check_header_section, header, ids, is_auto_submitted, mailboxes, single_mailbox,
    strip_mbox_postmark,
};

mod armour;
mod header;

/// What one message may cost. The caller stores the raw message before parsing, so hitting a
/// limit loses nothing; it only stops the parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// MIME parts in the message's tree (multipart containers included).
    pub max_parts: usize,
    /// Multipart nesting below the top level. It also bounds this module's recursion, so
    /// values above [`HARD_MAX_DEPTH`] are treated as that.
    pub max_depth: usize,
    /// Total decoded size of all parts (text after charset decoding; a nested message as its
    /// raw bytes). The raw message size is the receiver's to bound.
    pub max_decoded_bytes: usize,
}

/// The nesting no caller can raise [`Limits::max_depth`] past (one stack frame per level).
pub const HARD_MAX_DEPTH: usize = 64;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_parts: 200,
            max_depth: 10,
            max_decoded_bytes: 30 * 1024 * 1024,
        }
    }
}

/// A parsed message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub from: Option<Mailbox>,
    pub reply_to: Option<Mailbox>,
    pub to: Vec<Mailbox>,
    pub cc: Vec<Mailbox>,
    /// Decoded (RFC 2047); empty when absent.
    pub subject: String,
    /// Without angle brackets.
    pub message_id: Option<String>,
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
    /// A robot sent this: never auto-reply to it (RFC 3834 §2).
    pub auto_submitted: bool,
    pub content: Content,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mailbox {
    pub name: Option<String>,
    pub address: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// Ordinary mail: the text (text/plain preferred, else text/html reduced to plain text;
    /// the HTML itself is never kept) and the attachments.
    Plain(Body),
    /// RFC 3156 §4 multipart/encrypted: the second part's bytes (the OpenPGP message, armoured
    /// or binary). Decrypt it and give the result to [`parse_entity`].
    PgpMime { encrypted: Vec<u8> },
    /// RFC 3156 §5 multipart/signed: `signed` is the first part exactly as it appears in the
    /// message (headers and body) with line endings made CRLF, which is what §5 says the
    /// signature covers; `signature` is the second part's bytes; `body` the parsed first part.
    PgpSigned {
        signed: Vec<u8>,
        signature: Vec<u8>,
        body: Body,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    /// Line endings are LF.
    pub text: String,
    pub attachments: Vec<Attachment>,
    pub inline_pgp: InlinePgp,
}

/// Traditional ("inline") OpenPGP found in the text (RFC 4880 §6.2 armour, §7 cleartext
/// signatures), or an armoured message sent as a `.asc`/`.pgp`/`.gpg` attachment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InlinePgp {
    None,
    /// From `-----BEGIN PGP MESSAGE-----` through `-----END PGP MESSAGE-----`.
    Encrypted(String),
    /// From `-----BEGIN PGP SIGNED MESSAGE-----` through `-----END PGP SIGNATURE-----`.
    ClearSigned(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// From Content-Disposition `filename` or Content-Type `name` (RFC 2231 decoded), reduced
    /// to its last path component; `attachment-N` (1-based) when absent.
    pub filename: String,
    /// `type/subtype`, lower case, without parameters.
    pub content_type: String,
    pub data: Vec<u8>,
}

/// Why a message was refused. `part` names the MIME part as IMAP does (RFC 3501 §6.4.5:
/// `part 1.2`) with its type, or `top level` for the outermost entity.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    #[error("the message is empty")]
    Empty,
    #[error("not an RFC 5322 message: {reason}")]
    NotMime { reason: String },
    #[error("the {header} header {reason}")]
    BadHeader {
        header: &'static str,
        reason: String,
    },
    #[error("{part} is nested {depth} levels deep; the limit is {limit}")]
    TooDeep {
        part: String,
        depth: usize,
        limit: usize,
    },
    #[error("the message has {count} MIME parts; the limit is {limit}")]
    TooManyParts { count: usize, limit: usize },
    #[error("the message decodes to {bytes} bytes; the limit is {limit}")]
    TooLarge { bytes: usize, limit: usize },
    #[error("{part}: {reason}")]
    BadMultipart { part: String, reason: String },
    #[error("{part}: the {encoding} content is not valid {encoding}")]
    BadEncoding { part: String, encoding: String },
    #[error("{part}: {reason}")]
    BadPgpMime { part: String, reason: String },
    #[error("{part}: {reason}")]
    BadArmour { part: String, reason: String },
}

/// Parses a raw message as received by SMTP (an mbox `From ` line first is tolerated).
pub fn parse(raw: &[u8], limits: &Limits) -> Result<Mail, MailError> {
    let raw = strip_mbox_postmark(raw);
    let message = parse_mime(raw, limits, true)?;
    let headers = message
        .parts
        .first()
        .map(|p| p.headers.as_slice())
        .unwrap_or_default();
    Ok(Mail {
        from: single_mailbox(headers, "From")?,
        reply_to: single_mailbox(headers, "Reply-To")?,
        to: mailboxes(headers, "To"),
        cc: mailboxes(headers, "Cc"),
        subject: header(headers, "Subject")
            .and_then(|h| h.value.as_text())
            .map(|s| s.trim().to_owned())
            .unwrap_or_default(),
        message_id: ids(headers, "Message-ID").into_iter().next(),
        in_reply_to: ids(headers, "In-Reply-To"),
        references: ids(headers, "References"),
        auto_submitted: is_auto_submitted(&message, raw),
        content: content_of(&message, raw)?,
    })
}

/// Parses a decrypted RFC 3156 payload, itself a MIME entity (headers, blank line, body; the
/// header section may be empty). A signed-then-encrypted payload (RFC 3156 §6.1) comes back
/// as [`Content::PgpSigned`].
pub fn parse_entity(bytes: &[u8], limits: &Limits) -> Result<Content, MailError> {
    let message = parse_mime(bytes, limits, false)?;
    content_of(&message, bytes)
}

// ---------------------------------------------------------------------------------------------
// Parsing and validation

fn parse_mime<'x>(
    raw: &'x [u8],
    limits: &Limits,
    is_message: bool,
) -> Result<Message<'x>, MailError> {
    if raw.is_empty() {
        return Err(MailError::Empty);
    }
    // mail-parser keeps offsets as u32; past 4 GiB they would wrap.
    if u32::try_from(raw.len()).is_err() {
        return Err(MailError::TooLarge {
            bytes: raw.len(),
            limit: u32::MAX as usize,
        });
    }
    check_header_section(raw, is_message)?;
    // mail-parser 0.11.9 has `debug_assert!(false, …)`s and unchecked subtractions on its
    // recovery paths for corrupt input (the fuzz test found one: see
    // `a_mail_parser_debug_assertion_is_not_a_panic`); a hostile message must become an
    // error, not take down the receiver.
    let parsed = std::panic::catch_unwind(|| MessageParser::default().parse(raw))
        .map_err(|_| not_mime("the MIME parser failed on this input"))?;
    let message = parsed.ok_or_else(|| not_mime("no header fields were found"))?;
    if message.parts.is_empty() {
        return Err(not_mime("no header fields were found"));
    }
    if message.parts.len() > limits.max_parts {
        return Err(MailError::TooManyParts {
            count: message.parts.len(),
            limit: limits.max_parts,
        });
    }
    let decoded: usize = message.parts.iter().map(|p| leaf_data(p, raw).len()).sum();
    if decoded > limits.max_decoded_bytes {
        return Err(MailError::TooLarge {
            bytes: decoded,
            limit: limits.max_decoded_bytes,
        });
    }
    check_tree(&message, raw, limits)?;
    Ok(message)
}

fn not_mime(reason: &str) -> MailError {
    MailError::NotMime {
        reason: reason.to_owned(),
    }
}

/// Walks the part tree (iteratively, in document order) and refuses what a lenient parse
/// would silently get wrong. Runs before any content is extracted.
fn check_tree(message: &Message<'_>, raw: &[u8], limits: &Limits) -> Result<(), MailError> {
    let max_depth = limits.max_depth.min(HARD_MAX_DEPTH);
    let mut stack: Vec<(u32, Vec<usize>)> = vec![(0, Vec::new())];
    while let Some((id, path)) = stack.pop() {
        let Some(part) = message.parts.get(id as usize) else {
            continue;
        };
        let ctype = content_type(part);
        if path.len() > max_depth {
            return Err(MailError::TooDeep {
                part: label(&path, &ctype),
                depth: path.len(),
                limit: max_depth,
            });
        }
        if ctype.starts_with("multipart/") {
            let children = check_multipart(part, &ctype, &path, raw)?;
            for (index, child) in children.iter().enumerate().rev() {
                let mut child_path = path.clone();
                child_path.push(index + 1);
                stack.push((*child, child_path));
            }
        } else if part.is_encoding_problem && !matches!(part.body, PartType::Message(_)) {
            // mail-parser flags a part it could not decode and hands back the raw text; an
            // attachment silently replaced by its base64 would be corrupt evidence.
            let cte = part
                .content_transfer_encoding()
                .unwrap_or_default()
                .trim()
                .to_lowercase();
            if cte == "base64" || cte == "quoted-printable" {
                return Err(MailError::BadEncoding {
                    part: label(&path, &ctype),
                    encoding: cte,
                });
            }
        }
    }
    Ok(())
}

/// RFC 2046 §5.1.1: a multipart needs a boundary that occurs in its body, at least one body
/// part, and a close delimiter. Without the close delimiter the message was most likely
/// truncated in transit and its last part may be incomplete.
fn check_multipart<'p>(
    part: &'p MessagePart<'_>,
    ctype: &str,
    path: &[usize],
    raw: &[u8],
) -> Result<&'p [u32], MailError> {
    let bad = |reason: String| MailError::BadMultipart {
        part: label(path, ctype),
        reason,
    };
    let Some(boundary) = part.content_type().and_then(|ct| ct.attribute("boundary")) else {
        return Err(bad(format!(
            "{ctype} has no boundary parameter (RFC 2046 §5.1.1)"
        )));
    };
    let PartType::Multipart(children) = &part.body else {
        return Err(bad(format!(
            "the boundary \"{boundary}\" never occurs in the body"
        )));
    };
    if children.is_empty() {
        return Err(bad(format!(
            "{ctype} has no body parts (RFC 2046 §5.1.1 requires one)"
        )));
    }
    let start = part.offset_body as usize;
    let end = (part.offset_end as usize).max(start);
    let region = raw
        .get(start..end)
        .filter(|r| !r.is_empty())
        .or_else(|| raw.get(start..));
    if !region.is_some_and(|r| has_close_delimiter(r, boundary.as_bytes())) {
        return Err(bad(format!(
            "{ctype} is not closed: \"--{boundary}--\" never occurs (RFC 2046 §5.1.1); the message may be truncated"
        )));
    }
    Ok(children)
}

fn has_close_delimiter(region: &[u8], boundary: &[u8]) -> bool {
    region.split(|&b| b == b'\n').any(|line| {
        line.strip_prefix(b"--")
            .and_then(|l| l.strip_prefix(boundary))
            .and_then(|l| l.strip_prefix(b"--"))
            // Transport padding (RFC 2046 §5.1.1) may follow.
            .is_some_and(|rest| rest.iter().all(|b| b.is_ascii_whitespace()))
    })
}

// ---------------------------------------------------------------------------------------------
// Content

/// `part 1.2 (application/pdf)`, or `top level (multipart/mixed)`.
fn label(path: &[usize], ctype: &str) -> String {
    if path.is_empty() {
        return format!("top level ({ctype})");
    }
    let numbers: Vec<String> = path.iter().map(ToString::to_string).collect();
    format!("part {} ({ctype})", numbers.join("."))
}

/// `type/subtype` in lower case. RFC 2045 §5.2: no Content-Type means text/plain, except in a
/// multipart/digest, where it means message/rfc822 (RFC 2046 §5.1.5; mail-parser has already
/// parsed such a part as a message).
fn content_type(part: &MessagePart<'_>) -> String {
    match part.content_type() {
        Some(ct) => match ct.subtype() {
            Some(sub) => format!("{}/{}", ct.ctype(), sub).to_lowercase(),
            None => ct.ctype().to_lowercase(),
        },
        None if matches!(part.body, PartType::Message(_)) => "message/rfc822".to_owned(),
        None => "text/plain".to_owned(),
    }
}

/// The decoded bytes of a leaf part. A nested message stays its raw bytes (RFC 2046 §5.2.1);
/// mail-parser keeps an unencoded one's parts against the outer buffer, so it is sliced there.
fn leaf_data<'a>(part: &'a MessagePart<'_>, raw: &'a [u8]) -> Cow<'a, [u8]> {
    let body_bytes = || {
        let (start, end) = (part.offset_body as usize, part.offset_end as usize);
        Cow::Borrowed(raw.get(start..end.max(start)).unwrap_or_default())
    };
    match &part.body {
        PartType::Text(text) | PartType::Html(text) => Cow::Borrowed(text.as_bytes()),
        PartType::Binary(bytes) | PartType::InlineBinary(bytes) => Cow::Borrowed(bytes.as_ref()),
        PartType::Message(nested) if part.encoding != Encoding::None => {
            Cow::Borrowed(nested.raw_message.as_ref())
        }
        PartType::Message(_) => body_bytes(),
        PartType::Multipart(_) if content_type(part).starts_with("multipart/") => {
            Cow::Borrowed(&[][..])
        }
        PartType::Multipart(_) => body_bytes(),
    }
}

fn children<'p>(part: &'p MessagePart<'_>) -> &'p [u32] {
    match &part.body {
        PartType::Multipart(children) if content_type(part).starts_with("multipart/") => children,
        _ => &[],
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Rfc3156 {
    Encrypted,
    Signed,
}

/// RFC 3156 only when the `protocol` parameter says so: S/MIME multipart/signed is not, and
/// is read as ordinary mixed content (its signature an attachment).
fn rfc3156(part: &MessagePart<'_>) -> Option<Rfc3156> {
    let protocol = part
        .content_type()?
        .attribute("protocol")?
        .trim()
        .to_lowercase();
    match (content_type(part).as_str(), protocol.as_str()) {
        ("multipart/encrypted", "application/pgp-encrypted") => Some(Rfc3156::Encrypted),
        ("multipart/signed", "application/pgp-signature") => Some(Rfc3156::Signed),
        _ => None,
    }
}

/// The top-level structure. A mailing list that adds a footer (Mailman does) wraps an RFC 3156
/// structure as the first part of a multipart/mixed; it is found there too, and the footer,
/// which no signature covers, is dropped.
fn content_of(message: &Message<'_>, raw: &[u8]) -> Result<Content, MailError> {
    let Some(root) = message.parts.first() else {
        return Err(not_mime("no header fields were found"));
    };
    if let Some(kind) = rfc3156(root) {
        return pgp_content(message, raw, root, &[], kind);
    }
    let wrapped = match children(root).first() {
        Some(&id) if content_type(root) == "multipart/mixed" => message.parts.get(id as usize),
        _ => None,
    };
    if let Some(part) = wrapped
        && let Some(kind) = rfc3156(part)
    {
        return pgp_content(message, raw, part, &[1], kind);
    }
    Ok(Content::Plain(body_of(message, raw, 0, Vec::new())?))
}

/// RFC 3156 §4 and §5: exactly two parts, of the types the sections require.
fn pgp_content(
    message: &Message<'_>,
    raw: &[u8],
    container: &MessagePart<'_>,
    path: &[usize],
    kind: Rfc3156,
) -> Result<Content, MailError> {
    let ctype = content_type(container);
    let bad = |reason: String| MailError::BadPgpMime {
        part: label(path, &ctype),
        reason,
    };
    let (section, first_type, second_type) = match kind {
        Rfc3156::Encrypted => (
            "§4",
            "application/pgp-encrypted",
            "application/octet-stream",
        ),
        Rfc3156::Signed => ("§5", "", "application/pgp-signature"),
    };
    let kids = children(container);
    let (Some(&first_id), Some(&second_id), 2) = (kids.first(), kids.get(1), kids.len()) else {
        let n = kids.len();
        let plural = if n == 1 { "" } else { "s" };
        return Err(bad(format!(
            "{ctype} has {n} part{plural}; RFC 3156 {section} requires 2"
        )));
    };
    let (Some(first), Some(second)) = (
        message.parts.get(first_id as usize),
        message.parts.get(second_id as usize),
    ) else {
        return Err(bad("a part is missing".to_owned()));
    };
    // §5 allows any content as the signed first part.
    for (nth, part, wanted) in [
        ("first", first, first_type),
        ("second", second, second_type),
    ] {
        let got = content_type(part);
        if !wanted.is_empty() && got != wanted {
            return Err(bad(format!(
                "the {nth} part is {got}; RFC 3156 {section} requires {wanted}"
            )));
        }
    }
    let child_label = |index: usize, part: &MessagePart<'_>| {
        let mut child_path = path.to_vec();
        child_path.push(index);
        label(&child_path, &content_type(part))
    };
    match kind {
        Rfc3156::Encrypted => {
            let encrypted = leaf_data(second, raw).into_owned();
            if encrypted.iter().all(u8::is_ascii_whitespace) {
                return Err(MailError::BadPgpMime {
                    part: child_label(2, second),
                    reason: "the encrypted part is empty".to_owned(),
                });
            }
            Ok(Content::PgpMime { encrypted })
        }
        Rfc3156::Signed => {
            let signed = raw
                .get(first.offset_header as usize..first.offset_end as usize)
                .unwrap_or_default();
            if signed.is_empty() {
                return Err(MailError::BadPgpMime {
                    part: child_label(1, first),
                    reason: "the signed part is empty".to_owned(),
                });
            }
            let mut first_path = path.to_vec();
            first_path.push(1);
            Ok(Content::PgpSigned {
                signed: to_crlf(signed),
                signature: leaf_data(second, raw).into_owned(),
                body: body_of(message, raw, first_id, first_path)?,
            })
        }
    }
}

/// RFC 3156 §5: the signed data is canonicalised to CRLF line endings before verifying.
fn to_crlf(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 32);
    let mut previous = 0u8;
    for &b in bytes {
        if b == b'\n' && previous != b'\r' {
            out.push(b'\r');
        }
        out.push(b);
        previous = b;
    }
    out
}

struct Walker<'m, 'x> {
    message: &'m Message<'x>,
    raw: &'m [u8],
    /// Text pieces with the label of the part each came from.
    texts: Vec<(String, String)>,
    attachments: Vec<Attachment>,
}

fn body_of(
    message: &Message<'_>,
    raw: &[u8],
    id: u32,
    mut path: Vec<usize>,
) -> Result<Body, MailError> {
    let mut walker = Walker {
        message,
        raw,
        texts: Vec::new(),
        attachments: Vec::new(),
    };
    walker.walk(id, &mut path);
    let mut text = String::new();
    let mut inline_pgp = InlinePgp::None;
    for (part, piece) in &walker.texts {
        if matches!(inline_pgp, InlinePgp::None) {
            inline_pgp = find_armour(piece).map_err(|reason| MailError::BadArmour {
                part: part.clone(),
                reason,
            })?;
        }
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(piece);
    }
    if matches!(inline_pgp, InlinePgp::None) {
        inline_pgp = walker
            .attachments
            .iter()
            .find_map(armoured_attachment)
            .unwrap_or(InlinePgp::None);
    }
    Ok(Body {
        text,
        attachments: walker.attachments,
        inline_pgp,
    })
}

impl Walker<'_, '_> {
    /// Recursion depth is bounded: `check_tree` has refused anything deeper than the limit.
    fn walk(&mut self, id: u32, path: &mut Vec<usize>) {
        let Some(part) = self.message.parts.get(id as usize) else {
            return;
        };
        let kids = children(part);
        if kids.is_empty() {
            self.leaf(part, path);
            return;
        }
        if content_type(part) == "multipart/alternative" {
            // RFC 2046 §5.1.4: the parts are the same content; we want the plain text one,
            // else the last (richest) HTML or multipart one, whose HTML is then reduced to
            // text (not, say, the text/calendar of an invitation). The others are dropped,
            // including any images an HTML alternative carried.
            let readable = |&k: &u32| {
                self.message.parts.get(k as usize).is_some_and(|p| {
                    let ctype = content_type(p);
                    ctype == "text/html" || ctype.starts_with("multipart/")
                })
            };
            let pick = kids
                .iter()
                .position(|&k| self.has_plain_text(k, HARD_MAX_DEPTH))
                .or_else(|| kids.iter().rposition(readable))
                .unwrap_or(kids.len().saturating_sub(1));
            if let Some(&child) = kids.get(pick) {
                path.push(pick + 1);
                self.walk(child, path);
                path.pop();
            }
            return;
        }
        for (index, &child) in kids.iter().enumerate() {
            path.push(index + 1);
            self.walk(child, path);
            path.pop();
        }
    }

    fn has_plain_text(&self, id: u32, budget: usize) -> bool {
        let Some(part) = self.message.parts.get(id as usize) else {
            return false;
        };
        let kids = children(part);
        if kids.is_empty() {
            return content_type(part) == "text/plain" && !is_attachment(part);
        }
        budget > 0 && kids.iter().any(|&k| self.has_plain_text(k, budget - 1))
    }

    fn leaf(&mut self, part: &MessagePart<'_>, path: &[usize]) {
        let ctype = content_type(part);
        if !is_attachment(part) {
            match (&part.body, ctype.as_str()) {
                (PartType::Text(text), "text/plain") => {
                    self.texts
                        .push((label(path, &ctype), normalise_newlines(text)));
                    return;
                }
                (PartType::Html(html), "text/html") => {
                    let text = html_to_text(html);
                    self.texts
                        .push((label(path, &ctype), normalise_newlines(&text)));
                    return;
                }
                _ => {}
            }
        }
        let filename = part
            .attachment_name()
            .map(sanitise_filename)
            .filter(|name| !name.is_empty())
            .unwrap_or_else(|| format!("attachment-{}", self.attachments.len() + 1));
        let data = leaf_data(part, self.raw).into_owned();
        self.attachments.push(Attachment {
            filename,
            content_type: ctype,
            data,
        });
    }
}

/// A text part is the body unless it is marked as an attachment (RFC 2183) or carries a
/// file name: a reporter's `poc.py` sent as text/plain is a file, not prose.
fn is_attachment(part: &MessagePart<'_>) -> bool {
    part.content_disposition()
        .is_some_and(|cd| cd.is_attachment())
        || part.attachment_name().is_some()
}

/// The file name is the sender's; keep only its last path component and drop control
/// characters so that whoever saves it cannot be steered elsewhere (RFC 2183 §5).
fn sanitise_filename(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = last.chars().filter(|c| !c.is_control()).collect();
    let clean = clean.trim();
    if clean == "." || clean == ".." {
        String::new()
    } else {
        clean.to_owned()
    }
}

fn normalise_newlines(text: &str) -> String {
    text.replace("\r\n", "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_canonicalisation_keeps_existing_crlf() {
        assert_eq!(to_crlf(b"a\nb\r\nc\n"), b"a\r\nb\r\nc\r\n");
    }

    #[test]
    fn filenames_lose_their_directories() {
        assert_eq!(sanitise_filename("../../etc/passwd"), "passwd");
        assert_eq!(sanitise_filename("C:\\Users\\x\\poc.py"), "poc.py");
        assert_eq!(sanitise_filename(".."), "");
        assert_eq!(sanitise_filename("a\u{0}b\n.txt"), "ab.txt");
    }
}

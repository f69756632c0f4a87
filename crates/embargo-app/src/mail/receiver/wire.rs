//! The I/O-free parts of the SMTP receiver: the DATA scanner (dot-unstuffing, the only
//! end-of-data sequence, size and line limits), path and mailbox parsing, reply-text cleaning
//! and the per-client connection rate limiter. Kept apart so they are easy to test and fuzz.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::time::Duration;

use tokio::time::Instant;

use super::MAX_PATH;

/// Fixed one-minute windows of connection counts per client. The map is emptied every
/// window, so its size is bounded by the distinct clients seen in one minute.
pub(super) struct RateLimiter {
    pub(super) per_minute: u32,
    pub(super) window: Instant,
    pub(super) counts: HashMap<IpAddr, u32>,
}

impl RateLimiter {
    pub(super) fn new(per_minute: u32) -> Self {
        Self {
            per_minute,
            window: Instant::now(),
            counts: HashMap::new(),
        }
    }

    pub(super) fn allow(&mut self, ip: IpAddr, now: Instant) -> bool {
        if self.per_minute == 0 {
            return true;
        }
        if now.saturating_duration_since(self.window) >= Duration::from_secs(60) {
            self.counts.clear();
            self.window = now;
        }
        let n = self.counts.entry(client_key(ip)).or_insert(0);
        *n = n.saturating_add(1);
        *n <= self.per_minute
    }
}

/// One IPv6 client usually holds a whole /64, so that is the unit we count; IPv4-mapped
/// addresses count as the IPv4 address.
pub(super) fn client_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        v4 => v4,
    }
}

/// The states of the end-of-data scanner (RFC 5321 §4.1.1.4, §4.5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Scan {
    /// At the start of a line (after CRLF, or right after the DATA command).
    LineStart,
    /// Inside a line.
    Mid,
    /// After a CR inside a line.
    Cr,
    /// After a "." at the start of a line (not yet copied).
    Dot,
    /// After "." CR at the start of a line.
    DotCr,
}

/// Dot-unstuffs DATA content and finds its end. Only CRLF "." CRLF ends the message
/// (RFC 5321 §4.1.1.4); a bare LF or bare CR is content, never a line end. Receivers that
/// accept "<LF>.<LF>" or "<CR>.<CR>" let a sender's relay smuggle a second message
/// (CVE-2023-51766 and relatives), so we do not. Bytes beyond the size limit are counted
/// but not kept, so the limit bounds memory as well.
pub(super) struct DataReader {
    pub(super) state: Scan,
    pub(super) data: Vec<u8>,
    /// Content bytes received, including any not kept.
    pub(super) size: usize,
    pub(super) line_len: usize,
    pub(super) max_size: usize,
    pub(super) max_line: usize,
    pub(super) long_line: bool,
}

impl DataReader {
    pub(super) fn new(max_size: usize, max_line: usize) -> Self {
        Self {
            state: Scan::LineStart,
            data: Vec::new(),
            size: 0,
            line_len: 0,
            max_size,
            max_line,
            long_line: false,
        }
    }

    pub(super) fn oversize(&self) -> bool {
        self.size > self.max_size
    }

    pub(super) fn emit(&mut self, b: u8) {
        self.size = self.size.saturating_add(1);
        self.line_len = self.line_len.saturating_add(1);
        self.long_line |= self.line_len > self.max_line;
        if !self.oversize() {
            self.data.push(b);
        } else if self.data.capacity() > 0 {
            self.data = Vec::new();
        }
    }

    /// Consumes `input`; returns how many bytes were used once the end-of-data line is seen.
    pub(super) fn feed(&mut self, input: &[u8]) -> Option<usize> {
        for (i, &b) in input.iter().enumerate() {
            self.state = match (self.state, b) {
                (Scan::LineStart, b'.') => Scan::Dot,
                (Scan::Dot, b'\r') => Scan::DotCr,
                (Scan::DotCr, b'\n') => return Some(i + 1),
                // §4.5.2: a line that starts with "." and has more characters loses the
                // first "."; the held dot is dropped and the rest is content.
                (Scan::DotCr, _) => {
                    self.emit(b'\r');
                    self.emit(b);
                    if b == b'\r' { Scan::Cr } else { Scan::Mid }
                }
                (_, b'\r') => {
                    self.emit(b);
                    Scan::Cr
                }
                (Scan::Cr, b'\n') => {
                    self.emit(b);
                    self.line_len = 0;
                    Scan::LineStart
                }
                _ => {
                    self.emit(b);
                    Scan::Mid
                }
            };
        }
        None
    }
}

pub(super) fn limits_u64(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

pub(super) fn strip_prefix_ci<'s>(s: &'s str, prefix: &str) -> Option<&'s str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| s.get(prefix.len()..))
        .flatten()
}

/// Parses a path (§4.1.2) and returns the mailbox and what follows (the parameters).
/// A space after the colon and a missing pair of angle brackets are not RFC syntax but
/// are sent by enough clients that refusing them would lose reports.
pub(super) fn parse_path(s: &str) -> Option<(String, &str)> {
    let s = s.trim_start();
    let (inner, rest) = match s.strip_prefix('<') {
        Some(body) => {
            let end = closing_bracket(body)?;
            (body.get(..end)?, body.get(end + 1..)?)
        }
        None => {
            let end = s.find(' ').unwrap_or(s.len());
            (s.get(..end)?, s.get(end..)?)
        }
    };
    if !(rest.is_empty() || rest.starts_with(' ')) {
        return None;
    }
    // §4.1.2 and Appendix C: a source route "@a,@b:user@c" must be accepted and ignored.
    let mailbox = if inner.starts_with('@') {
        inner.split_once(':')?.1
    } else {
        inner
    };
    (mailbox.len() <= MAX_PATH).then(|| (mailbox.to_string(), rest))
}

/// The index of the `>` closing a path, skipping quoted strings (§4.1.2 Quoted-string).
pub(super) fn closing_bracket(s: &str) -> Option<usize> {
    let (mut quoted, mut escaped) = (false, false);
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '>' if !quoted => return Some(i),
            _ => {}
        }
    }
    None
}

/// A deliberately loose check of local@domain: enough to refuse garbage, not a validator
/// (the sink decides which addresses are ours).
pub(super) fn valid_mailbox(m: &str) -> bool {
    let Some((local, domain)) = m.rsplit_once('@') else {
        return false;
    };
    let bad_domain = |c: char| c.is_whitespace() || "<>()\\,;\"@".contains(c);
    !local.is_empty()
        && !domain.is_empty()
        && domain.starts_with('[') == domain.ends_with(']')
        && !domain.contains(bad_domain)
        && (local.starts_with('"') || !local.contains(|c: char| c.is_whitespace() || c == '<'))
}

/// Reply text from elsewhere (sink messages, queue ids) must stay on one line.
pub(super) fn clean(s: &str, max: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max));
    for c in s.chars() {
        if out.len() + c.len_utf8() > max {
            break;
        }
        out.push(if c.is_control() { ' ' } else { c });
    }
    out
}

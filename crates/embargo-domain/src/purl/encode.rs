//! Percent-encoding and decoding of purl components (ECMA-427 "Character encoding" clause).

use std::fmt::Write as _;

use super::{Component, PurlError};

/// True for the characters that a canonical purl never percent-encodes: the Alphanumeric
/// Characters, the Punctuation Characters `.-_~` and the colon `:` (ECMA-427: "the colon ':',
/// whether used as a Separator Character or otherwise" shall not be encoded).
fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'~' | b':')
}

/// Percent-encodes one decoded component string (UTF-8 first, then `%XX` with upper-case hex,
/// as RFC 3986 §2.1 recommends). A space becomes `%20`, never `+`.
pub(crate) fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if is_unreserved(b) {
            out.push(char::from(b));
        } else {
            // Writing to a String cannot fail.
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Percent-decodes one raw component. `%` must be followed by two hex digits and the decoded
/// bytes must be UTF-8; otherwise the error says which component and at which byte offset of
/// that component the problem is. `+` is left as is: purls are not form-encoded.
pub(crate) fn decode(raw: &str, component: Component) -> Result<String, PurlError> {
    if !raw.contains('%') {
        return Ok(raw.to_owned());
    }
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' {
            let hi = bytes.get(i + 1).copied().and_then(hex_value);
            let lo = bytes.get(i + 2).copied().and_then(hex_value);
            match (hi, lo) {
                (Some(hi), Some(lo)) => {
                    out.push(hi * 16 + lo);
                    i += 3;
                }
                _ => {
                    let end = (i + 3).min(bytes.len());
                    return Err(PurlError::BadPercentEncoding {
                        component,
                        offset: i,
                        found: String::from_utf8_lossy(&bytes[i..end]).into_owned(),
                    });
                }
            }
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|e| PurlError::InvalidUtf8 {
        component,
        offset: e.utf8_error().valid_up_to(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn encode_keeps_colon_and_unreserved() {
        assert_eq!(encode("sha256:ab-c_d.e~f"), "sha256:ab-c_d.e~f");
        assert_eq!(encode("a b/c@d+e,f"), "a%20b%2Fc%40d%2Be%2Cf");
        assert_eq!(encode("é"), "%C3%A9");
    }

    #[test]
    fn decode_round_trips_and_reports_position() {
        assert_eq!(decode("%C3%a9+x", Component::Name).unwrap(), "é+x");
        let err = decode("ab%zz", Component::Version).unwrap_err();
        assert_eq!(
            err,
            PurlError::BadPercentEncoding {
                component: Component::Version,
                offset: 2,
                found: "%zz".into()
            }
        );
        assert!(matches!(
            decode("%4", Component::Name),
            Err(PurlError::BadPercentEncoding { offset: 0, .. })
        ));
        assert!(matches!(
            decode("a%FF", Component::Subpath),
            Err(PurlError::InvalidUtf8 { .. })
        ));
    }
}

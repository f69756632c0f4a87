//! Mail parsing never panics: every truncation of every fixture, random bytes, MIME token
//! soup and mutated fixtures either parse within the limits or fail with an error.

use embargo_formats::mail::{self, Content, Limits, MailError};
use proptest::prelude::*;

use super::{all_fixtures, crlf, lf};

fn must_not_panic(bytes: &[u8]) {
    let limits = Limits {
        max_parts: 50,
        max_depth: 6,
        max_decoded_bytes: 64 * 1024,
    };
    if let Ok(mail) = mail::parse(bytes, &limits) {
        check_limits(&mail.content, &limits);
    }
    if let Ok(content) = mail::parse_entity(bytes, &limits) {
        check_limits(&content, &limits);
    }
}

fn check_limits(content: &Content, limits: &Limits) {
    let body = match content {
        Content::Plain(body) | Content::PgpSigned { body, .. } => body,
        Content::PgpMime { encrypted } => {
            assert!(encrypted.len() <= limits.max_decoded_bytes);
            return;
        }
    };
    let total: usize = body.attachments.iter().map(|a| a.data.len()).sum();
    assert!(total <= limits.max_decoded_bytes);
    assert!(!body.text.contains("\r\n"));
}

#[test]
fn every_truncation_of_every_fixture_parses_or_fails_cleanly() {
    for (_, raw) in all_fixtures() {
        for form in [lf(raw), crlf(raw)] {
            for end in 0..=form.len() {
                must_not_panic(&form[..end]);
                must_not_panic(&form[end..]);
            }
        }
    }
}

/// Found by the token soup below: mail-parser 0.11.9 hits a `debug_assert!(false, …)` on this
/// digest (parsers/message.rs:485). `parse` must turn that into an error, not a panic.
#[test]
fn a_mail_parser_debug_assertion_is_not_a_panic() {
    let raw = b"Content-Type: multipart/digest; boundary=c\n\r\n--c\n\n :Content-Type: message/rfc822\n\n\n--c--";
    let result = mail::parse(raw, &Limits::default());
    if cfg!(debug_assertions) {
        assert!(
            matches!(result, Err(MailError::NotMime { .. })),
            "{result:?}"
        );
    }
    must_not_panic(raw);
}

const TOKENS: &[&str] = &[
    "\r\n",
    "\n",
    "\n\n",
    " ",
    "\t",
    "--",
    "--b",
    "--b--",
    "--c",
    "--c--",
    ":",
    "=",
    "==",
    "\"",
    "From: a@example.net\n",
    "Subject: =?utf-8?b?w6k=?= =?iso-8859-1?q?=E9?=\n",
    "Content-Type: multipart/mixed; boundary=b\n",
    "Content-Type: multipart/alternative; boundary=c\n",
    "Content-Type: multipart/signed; protocol=\"application/pgp-signature\"; boundary=b\n",
    "Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=b\n",
    "Content-Type: multipart/digest; boundary=c\n",
    "Content-Type: message/rfc822\n",
    "Content-Type: text/html\n",
    "Content-Type: application/pgp-encrypted\n",
    "Content-Type: text/plain; charset=utf-16\n",
    "Content-Disposition: attachment; filename*0*=utf-8''%C3; filename*1=x\n",
    "Content-Transfer-Encoding: base64\n",
    "Content-Transfer-Encoding: quoted-printable\n",
    "AAEC",
    "=C3=A9",
    "=\n",
    "=ZZ",
    "<p>",
    "</p>",
    "<!--",
    "&amp;",
    "\u{e9}",
    "\u{0}",
    "\u{ff}",
    "-----BEGIN PGP MESSAGE-----\n",
    "-----END PGP MESSAGE-----\n",
    "-----BEGIN PGP SIGNED MESSAGE-----\n",
    "-----BEGIN PGP SIGNATURE-----\n",
    "-----END PGP SIGNATURE-----\n",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        must_not_panic(&bytes);
    }

    #[test]
    fn mime_token_soup_never_panics(
        tokens in proptest::collection::vec(proptest::sample::select(TOKENS), 0..80)
    ) {
        must_not_panic(tokens.concat().as_bytes());
    }

    #[test]
    fn mutated_fixtures_never_panic(
        which in any::<prop::sample::Index>(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), 0u8..3, any::<u8>()), 1..16),
    ) {
        let mut bytes = which.get(all_fixtures()).1.clone();
        for (at, op, byte) in edits {
            let at = at.index(bytes.len() + 1);
            match op {
                0 => bytes.insert(at, byte),
                1 if at < bytes.len() => { bytes.remove(at); }
                _ if at < bytes.len() => bytes[at] = byte,
                _ => bytes.push(byte),
            }
        }
        must_not_panic(&bytes);
    }
}

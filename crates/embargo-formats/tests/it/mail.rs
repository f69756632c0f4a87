//! Incoming e-mail (`embargo_formats::mail`): hand-written `.eml` fixtures in
//! `fixtures/mail/` with assertions on their content, the limits, the malformed inputs that
//! must be refused with a message naming the part; `robustness` sweeps truncated, mutated and
//! random inputs for panics.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use embargo_formats::mail::{
    self, Attachment, Body, Content, InlinePgp, Limits, Mail, MailError, Mailbox,
};

mod robustness;
mod zip;

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mail")
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixtures_dir().join(name)).unwrap()
}

fn all_fixtures() -> &'static [(String, Vec<u8>)] {
    static ALL: std::sync::OnceLock<Vec<(String, Vec<u8>)>> = std::sync::OnceLock::new();
    ALL.get_or_init(read_all_fixtures)
}

fn read_all_fixtures() -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<_> = std::fs::read_dir(fixtures_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    assert!(out.len() >= 20, "fixtures missing: {}", out.len());
    out
}

/// The fixtures are stored with LF; mail on the wire has CRLF. Both must parse the same.
fn crlf(bytes: &[u8]) -> Vec<u8> {
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    text.replace("\r\n", "\n")
        .replace('\n', "\r\n")
        .into_bytes()
}

fn lf(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    for (i, &b) in bytes.iter().enumerate() {
        if !(b == b'\r' && bytes.get(i + 1) == Some(&b'\n')) {
            out.push(b);
        }
    }
    out
}

fn parse(raw: &[u8]) -> Mail {
    let lf_mail = mail::parse(&lf(raw), &Limits::default()).unwrap();
    let crlf_mail = mail::parse(&crlf(raw), &Limits::default()).unwrap();
    assert_eq!(
        normalised(lf_mail.clone()),
        normalised(crlf_mail),
        "LF and CRLF forms differ"
    );
    lf_mail
}

/// Undecoded bytes (armour, unencoded attachments, nested messages) keep their line endings.
fn normalised(mut mail: Mail) -> Mail {
    let fix = |bytes: &mut Vec<u8>| *bytes = lf(bytes);
    let fix_body = |body: &mut Body| body.attachments.iter_mut().for_each(|a| fix(&mut a.data));
    match &mut mail.content {
        Content::Plain(body) => fix_body(body),
        Content::PgpMime { encrypted } => fix(encrypted),
        Content::PgpSigned {
            signed: _,
            signature,
            body,
        } => {
            fix(signature);
            fix_body(body);
        }
    }
    mail
}

fn parse_err(raw: &[u8], limits: &Limits) -> MailError {
    let err = mail::parse(raw, limits).unwrap_err();
    assert_eq!(
        mail::parse(&crlf(raw), limits).unwrap_err(),
        err,
        "CRLF form differs"
    );
    err
}

fn plain(mail: Mail) -> Body {
    match mail.content {
        Content::Plain(body) => body,
        other => panic!("expected plain content, got {other:?}"),
    }
}

fn mailbox(name: Option<&str>, address: &str) -> Mailbox {
    Mailbox {
        name: name.map(str::to_owned),
        address: address.to_owned(),
    }
}

#[test]
fn plain_text_message_gives_addresses_threading_and_text() {
    let mail = parse(&fixture("plain.eml"));
    assert_eq!(
        mail.from,
        Some(mailbox(Some("Alice Reporter"), "alice@example.org"))
    );
    assert_eq!(
        mail.reply_to,
        Some(mailbox(Some("Alice (security)"), "alice+sec@example.org"))
    );
    assert_eq!(
        mail.to,
        vec![
            mailbox(None, "security@vendor.example"),
            mailbox(Some("Bob"), "bob@vendor.example")
        ]
    );
    // A group (RFC 5322 §3.4) is flattened into its members.
    assert_eq!(
        mail.cc,
        vec![
            mailbox(None, "carol@vendor.example"),
            mailbox(None, "dave@vendor.example")
        ]
    );
    assert_eq!(mail.subject, "Heap overflow in the config parser");
    assert_eq!(mail.message_id.as_deref(), Some("report-1@example.org"));
    assert_eq!(mail.in_reply_to, vec!["ack-1@vendor.example"]);
    assert_eq!(
        mail.references,
        vec!["first@example.org", "ack-1@vendor.example"]
    );
    assert!(!mail.auto_submitted);
    let body = plain(mail);
    assert_eq!(
        body.text,
        "Hello,\n\nthe config parser overflows a heap buffer on lines ≥ 4 KiB.\n\nAlice\n"
    );
    assert!(body.attachments.is_empty());
    assert_eq!(body.inline_pgp, InlinePgp::None);
}

#[test]
fn rfc2047_subject_and_name_and_latin1_quoted_printable_body_are_decoded() {
    let mail = parse(&fixture("rfc2047-subject.eml"));
    assert_eq!(
        mail.subject,
        "Sicherheitslücke im Parser (CVE-Anfrage, dringendé)"
    );
    assert_eq!(
        mail.from,
        Some(mailbox(Some("Jürgen Müller"), "juergen@example.de"))
    );
    assert_eq!(
        plain(mail).text,
        "Grüße aus Köln. Die Zeile ist sehr lang und wird weich umbrochen, damit sie unter 76 Zeichen bleibt.\n"
    );
}

#[test]
fn multipart_alternative_prefers_the_plain_text() {
    let body = plain(parse(&fixture("alternative.eml")));
    assert_eq!(
        body.text,
        "The search field reflects its input: <script>alert(1)</script> runs."
    );
    assert!(
        body.attachments.is_empty(),
        "the HTML alternative is not an attachment"
    );
}

#[test]
fn an_alternative_without_plain_text_reads_the_html_not_the_calendar() {
    let raw = "From: r@example.net\nSubject: invite\nMIME-Version: 1.0\n\
               Content-Type: multipart/alternative; boundary=a\n\n\
               --a\nContent-Type: text/html\n\n<p>Call on <b>Monday</b></p>\n\
               --a\nContent-Type: text/calendar; method=REQUEST\n\nBEGIN:VCALENDAR\n--a--\n";
    let body = plain(parse(raw.as_bytes()));
    assert_eq!(body.text.trim(), "Call on Monday");
    assert!(body.attachments.is_empty());
}

#[test]
fn html_only_mail_is_reduced_to_text_and_the_html_is_dropped() {
    let body = plain(parse(&fixture("html-only.eml")));
    assert!(body.text.contains("Dear team,"), "{}", body.text);
    assert!(
        body.text
            .contains("the login page leaks the session id & the CSRF token.")
    );
    for html in ["<", ">", "&amp;", "color: red", "secret", "ignored title"] {
        assert!(
            !body.text.contains(html),
            "{html:?} left in {:?}",
            body.text
        );
    }
    assert!(body.attachments.is_empty());
}

#[test]
fn attachments_keep_rfc2231_names_types_and_decoded_bytes() {
    let raw = fixture("attachments.eml");
    let body = plain(parse(&raw));
    assert_eq!(
        body.text,
        "Steps to reproduce are in the attached PDF. The patch is inline; café is spelt right."
    );
    let names: Vec<(&str, &str)> = body
        .attachments
        .iter()
        .map(|a| (a.filename.as_str(), a.content_type.as_str()))
        .collect();
    assert_eq!(
        names,
        vec![
            ("résumé PoC.pdf", "application/pdf"), // filename*=UTF-8''…
            ("very long name.bin", "application/octet-stream"), // filename*0*= / filename*1=
            ("fix.patch", "text/x-diff"),
            ("attachment-4", "message/rfc822"),
            ("attachment-5", "application/octet-stream"),
            ("passwd", "image/png"), // was "../../etc/passwd"
        ]
    );
    let data = |i: usize| body.attachments[i].data.clone();
    assert_eq!(
        data(0),
        b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    );
    assert_eq!(data(1), (0u8..64).collect::<Vec<_>>());
    assert!(
        String::from_utf8(data(2))
            .unwrap()
            .contains("+char buf[8192];")
    );
    // A forwarded message stays its raw bytes; it is not unpacked into this one.
    let nested = String::from_utf8(data(3)).unwrap();
    assert!(
        nested.starts_with("From: someone@example.com"),
        "{nested:?}"
    );
    assert!(
        nested.trim_end().ends_with("Forwarded for context."),
        "{nested:?}"
    );
    assert_eq!(data(4), [1, 2, 3]);
    assert_eq!(data(5), b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR");
}

#[test]
fn a_zip_bomb_stays_a_small_opaque_attachment() {
    let inflated = 1 + 258 * 65_000; // ~16 MiB of zeros
    let zip = zip::zip_of_zeros(inflated);
    assert!(zip.len() < 128 * 1024, "{}", zip.len());
    let declared = u32::from_le_bytes(zip[22..26].try_into().unwrap()) as usize;
    assert_eq!(declared, inflated);
    let raw = format!(
        "From: r@example.net\nSubject: zip\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=z\n\n\
         --z\nContent-Type: text/plain\n\nsee zip\n\
         --z\nContent-Type: application/zip; name=bomb.zip\nContent-Transfer-Encoding: base64\n\n{}\n--z--\n",
        zip::base64(&zip)
    );
    // The decode limit is far below what the archive would inflate to: it is never inflated.
    let limits = Limits {
        max_decoded_bytes: 1024 * 1024,
        ..Limits::default()
    };
    let body = plain(mail::parse(raw.as_bytes(), &limits).unwrap());
    assert_eq!(body.attachments.len(), 1);
    assert_eq!(body.attachments[0].filename, "bomb.zip");
    assert_eq!(body.attachments[0].content_type, "application/zip");
    assert_eq!(body.attachments[0].data, zip);
}

#[test]
fn pgp_mime_encrypted_gives_the_second_part() {
    let mail = parse(&fixture("pgp-mime-encrypted.eml"));
    assert_eq!(mail.message_id.as_deref(), Some("enc-1@example.net"));
    let Content::PgpMime { encrypted } = mail.content else {
        panic!("{:?}", mail.content)
    };
    let text = String::from_utf8(encrypted).unwrap();
    assert!(
        text.starts_with("-----BEGIN PGP MESSAGE-----\n"),
        "{text:?}"
    );
    assert!(
        text.trim_end().ends_with("-----END PGP MESSAGE-----"),
        "{text:?}"
    );
}

#[test]
fn pgp_mime_encrypted_with_the_wrong_structure_is_refused_with_the_reason() {
    let err = parse_err(&fixture("pgp-mime-one-part.eml"), &Limits::default());
    assert_eq!(
        err.to_string(),
        "top level (multipart/encrypted): multipart/encrypted has 1 part; RFC 3156 §4 requires 2"
    );
    let swapped = String::from_utf8(fixture("pgp-mime-encrypted.eml"))
        .unwrap()
        .replace(
            "Content-Type: application/pgp-encrypted\n",
            "Content-Type: text/plain\n",
        );
    let err = parse_err(swapped.as_bytes(), &Limits::default());
    assert_eq!(
        err.to_string(),
        "top level (multipart/encrypted): the first part is text/plain; RFC 3156 §4 requires application/pgp-encrypted"
    );
}

#[test]
fn pgp_mime_signed_bytes_are_the_first_part_exactly_with_crlf() {
    let expected: &[u8] = b"Content-Type: text/plain; charset=utf-8\r\n\
        Content-Transfer-Encoding: quoted-printable\r\n\
        \r\n\
        Signed text with a soft=\r\n break.";
    for raw in [
        lf(&fixture("pgp-mime-signed.eml")),
        crlf(&fixture("pgp-mime-signed.eml")),
    ] {
        let mail = mail::parse(&raw, &Limits::default()).unwrap();
        let Content::PgpSigned {
            signed,
            signature,
            body,
        } = mail.content
        else {
            panic!("{:?}", mail.content)
        };
        // RFC 2046 §5.1.1: the CRLF before the next delimiter belongs to the delimiter.
        assert_eq!(
            String::from_utf8_lossy(&signed),
            String::from_utf8_lossy(expected)
        );
        let signature = String::from_utf8(signature).unwrap();
        assert!(
            signature.starts_with("-----BEGIN PGP SIGNATURE-----"),
            "{signature:?}"
        );
        assert!(
            signature
                .trim_end()
                .ends_with("-----END PGP SIGNATURE-----")
        );
        assert_eq!(body.text, "Signed text with a soft break.");
        assert!(body.attachments.is_empty());
    }
}

#[test]
fn pgp_mime_signed_multipart_keeps_the_nested_part_and_its_attachments() {
    let expected = "Content-Type: multipart/mixed; boundary=\"inner\"\r\n\r\n\
        --inner\r\nContent-Type: text/plain\r\n\r\nSee the log.\r\n\
        --inner\r\nContent-Type: text/plain; name=\"crash.log\"\r\n\
        Content-Disposition: attachment; filename=\"crash.log\"\r\n\r\nSIGSEGV at 0x41414141\r\n\
        --inner--\r\n";
    let mail = parse(&fixture("pgp-mime-signed-mixed.eml"));
    let Content::PgpSigned { signed, body, .. } = mail.content else {
        panic!("{:?}", mail.content)
    };
    assert_eq!(String::from_utf8(signed).unwrap(), expected);
    assert_eq!(body.text, "See the log.");
    assert_eq!(
        body.attachments,
        vec![Attachment {
            filename: "crash.log".into(),
            content_type: "text/plain".into(),
            data: b"SIGSEGV at 0x41414141".to_vec(),
        }]
    );
}

#[test]
fn pgp_mime_wrapped_by_a_list_footer_is_found_and_the_footer_dropped() {
    let mail = parse(&fixture("pgp-mime-signed-list-footer.eml"));
    // List-Id alone does not make the sender a robot (see `robots_are_recognised…`).
    assert!(!mail.auto_submitted);
    let Content::PgpSigned { signed, body, .. } = mail.content else {
        panic!("{:?}", mail.content)
    };
    assert_eq!(
        signed,
        b"Content-Type: text/plain\r\n\r\nSigned by the reporter."
    );
    assert_eq!(body.text, "Signed by the reporter.");
    assert!(body.attachments.is_empty());

    let wrapped = String::from_utf8(fixture("pgp-mime-signed-list-footer.eml"))
        .unwrap()
        .replace(
            "Content-Type: application/pgp-signature\n",
            "Content-Type: text/plain\n",
        );
    assert_eq!(
        parse_err(wrapped.as_bytes(), &Limits::default()).to_string(),
        "part 1 (multipart/signed): the second part is text/plain; RFC 3156 §5 requires \
         application/pgp-signature"
    );
}

#[test]
fn smime_signed_mail_is_ordinary_mail_with_its_signature_attached() {
    let body = plain(parse(&fixture("smime-signed.eml")));
    assert_eq!(body.text, "S/MIME signed text.");
    assert_eq!(body.attachments[0].filename, "smime.p7s");
}

#[test]
fn decrypted_entities_parse_including_signed_then_encrypted() {
    let limits = Limits::default();
    let Content::PgpSigned { signed, body, .. } =
        mail::parse_entity(&fixture("entity-signed.eml"), &limits).unwrap()
    else {
        panic!("not signed")
    };
    assert_eq!(
        signed,
        b"Content-Type: text/plain; charset=utf-8\r\n\r\nSigned, then encrypted."
    );
    assert_eq!(body.text, "Signed, then encrypted.");

    let Content::Plain(body) = mail::parse_entity(&fixture("entity-mixed.eml"), &limits).unwrap()
    else {
        panic!("not plain")
    };
    assert_eq!(body.text, "The decrypted report text.");
    assert_eq!(body.attachments[0].filename, "poc.zip");
    assert_eq!(body.attachments[0].data, [1, 2, 3]);

    // RFC 2045 §5.2: an entity with an empty header section is text/plain.
    let Content::Plain(body) = mail::parse_entity(b"\r\nJust text.\r\n", &limits).unwrap() else {
        panic!("not plain")
    };
    assert_eq!(body.text, "Just text.\n");
    // A whole message is refused an empty header section.
    assert!(matches!(
        mail::parse(b"\r\nJust text.\r\n", &limits),
        Err(MailError::NotMime { .. })
    ));
}

#[test]
fn inline_encrypted_block_is_found_and_quoted_blocks_are_not() {
    let body = plain(parse(&fixture("inline-encrypted.eml")));
    assert_eq!(
        body.inline_pgp,
        InlinePgp::Encrypted(
            "-----BEGIN PGP MESSAGE-----\n\n\
             hQIMAAAAAAAAAAAAQ/fakefakefakefakefakefakefakefakefakefakefakefake\n=abcd\n\
             -----END PGP MESSAGE-----\n"
                .into()
        )
    );
    assert!(body.text.starts_with("Hi, the report is below.\n"));
}

#[test]
fn inline_clearsigned_block_runs_to_the_end_of_the_signature() {
    let body = plain(parse(&fixture("inline-clearsigned.eml")));
    let InlinePgp::ClearSigned(block) = &body.inline_pgp else {
        panic!("{:?}", body.inline_pgp)
    };
    assert!(block.starts_with("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n"));
    // The dash-escaped line (RFC 4880 §7.1) is text, not the start of the signature.
    assert!(block.contains("- -----BEGIN PGP SIGNATURE-----\n(a dash-escaped line"));
    assert!(
        block.ends_with("=wxyz\n-----END PGP SIGNATURE-----\n"),
        "{block:?}"
    );
}

#[test]
fn an_unterminated_armour_block_is_refused() {
    let raw = b"From: r@example.net\nSubject: x\n\nhello\n-----BEGIN PGP MESSAGE-----\n\nhQIM\n";
    let err = parse_err(raw, &Limits::default());
    assert_eq!(
        err.to_string(),
        "top level (text/plain): \"-----BEGIN PGP MESSAGE-----\" has no \"-----END PGP MESSAGE-----\" line"
    );
}

#[test]
fn an_armoured_asc_attachment_under_an_empty_body_counts_as_inline_encrypted() {
    let raw = "From: r@example.net\nSubject: x\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=a\n\n\
               --a\nContent-Type: text/plain\n\n\n\
               --a\nContent-Type: application/octet-stream; name=\"msg.asc\"\n\n\
               -----BEGIN PGP MESSAGE-----\n\nhQIM\n-----END PGP MESSAGE-----\n--a--\n";
    let body = plain(parse(raw.as_bytes()));
    assert_eq!(
        body.inline_pgp,
        InlinePgp::Encrypted(
            "-----BEGIN PGP MESSAGE-----\n\nhQIM\n-----END PGP MESSAGE-----\n".into()
        )
    );
    assert_eq!(body.attachments[0].filename, "msg.asc");
}

#[test]
fn malformed_mime_is_refused_naming_the_part() {
    let limits = Limits::default();
    let cases = [
        (
            "unterminated-multipart.eml",
            "top level (multipart/mixed): multipart/mixed is not closed: \"--cut--\" never occurs \
             (RFC 2046 §5.1.1); the message may be truncated",
        ),
        (
            "bad-base64.eml",
            "part 2 (application/pdf): the base64 content is not valid base64",
        ),
        (
            "boundary-missing.eml",
            "top level (multipart/mixed): multipart/mixed has no boundary parameter (RFC 2046 §5.1.1)",
        ),
        (
            "boundary-absent.eml",
            "top level (multipart/mixed): the boundary \"declared\" never occurs in the body",
        ),
    ];
    for (name, message) in cases {
        let err = parse_err(&fixture(name), &limits);
        assert_eq!(err.to_string(), message, "{name}");
    }
}

#[test]
fn garbage_empty_and_headerless_input_are_not_mail() {
    let limits = Limits::default();
    assert_eq!(mail::parse(b"", &limits), Err(MailError::Empty));
    assert_eq!(mail::parse_entity(b"", &limits), Err(MailError::Empty));
    let garbage: Vec<u8> = (0u32..4096)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    assert!(matches!(
        mail::parse(&garbage, &limits),
        Err(MailError::NotMime { .. })
    ));
    assert!(matches!(
        mail::parse(b"\x00\xff\xfe\n\nbody", &limits),
        Err(MailError::NotMime { .. })
    ));
    let err = mail::parse(b"Subject: no body\nFrom: a@example.net\n", &limits).unwrap_err();
    assert_eq!(
        err.to_string(),
        "not an RFC 5322 message: no empty line ends the header section (RFC 5322 §2.1)"
    );
    let err = mail::parse(b"Hello security team,\n\nI found a bug.\n", &limits).unwrap_err();
    assert_eq!(
        err.to_string(),
        "not an RFC 5322 message: line 1 of the header section is not a header field (RFC 5322 §2.2)"
    );
}

#[test]
fn an_mbox_from_line_before_the_headers_is_tolerated() {
    let mut raw = b"From alice@example.org Tue Apr 14 10:00:00 2026\n".to_vec();
    raw.extend(fixture("plain.eml"));
    assert_eq!(parse(&raw), parse(&fixture("plain.eml")));
}

#[test]
fn a_missing_from_is_allowed_and_a_doubled_one_is_refused() {
    let mail = parse(b"To: security@vendor.example\nSubject: anonymous\n\ntext\n");
    assert_eq!(mail.from, None);
    assert_eq!(mail.message_id, None);
    let err = parse_err(
        b"From: a@example.net\nFrom: b@example.net\nSubject: x\n\ntext\n",
        &Limits::default(),
    );
    assert_eq!(
        err.to_string(),
        "the From header appears 2 times; RFC 5322 §3.6 allows it once"
    );
}

#[test]
fn robots_are_recognised_so_that_nobody_answers_them() {
    assert!(parse(&fixture("auto-submitted.eml")).auto_submitted);
    let with = |header: &str| {
        let raw = format!("From: a@example.net\n{header}\nSubject: x\n\ntext\n");
        parse(raw.as_bytes()).auto_submitted
    };
    assert!(!with("Auto-Submitted: no"));
    assert!(!with("Auto-Submitted: No (a person wrote this)"));
    assert!(with("Auto-Submitted: auto-generated"));
    assert!(with("Precedence: bulk"));
    assert!(with("Precedence: junk"));
    assert!(with("Precedence: list"));
    assert!(!with("Precedence: first-class"));
    assert!(with("Return-Path: <>"));
    assert!(!with("Return-Path: <a@example.net>"));
    assert!(!with("List-Id: <security.vendor.example>"));
    assert!(with(
        "Content-Type: multipart/report; report-type=delivery-status; boundary=r\n\n--r\n\nbounce\n--r--"
    ));
}

#[test]
fn nesting_deeper_than_the_limit_is_refused() {
    let raw = fixture("deep.eml");
    assert_eq!(plain(parse(&raw)).text, "four levels down");
    let limits = Limits {
        max_depth: 3,
        ..Limits::default()
    };
    let err = parse_err(&raw, &limits);
    assert_eq!(
        err,
        MailError::TooDeep {
            part: "part 1.1.1.1 (text/plain)".into(),
            depth: 4,
            limit: 3
        }
    );
    assert_eq!(
        err.to_string(),
        "part 1.1.1.1 (text/plain) is nested 4 levels deep; the limit is 3"
    );
    assert!(
        mail::parse(
            &raw,
            &Limits {
                max_depth: 4,
                ..Limits::default()
            }
        )
        .is_ok()
    );
}

#[test]
fn more_parts_than_the_limit_are_refused() {
    let raw = fixture("many-parts.eml");
    assert_eq!(plain(parse(&raw)).text, "one\ntwo\nthree\nfour\nfive\nsix");
    // Six text parts and their multipart/mixed container.
    assert_eq!(
        parse_err(
            &raw,
            &Limits {
                max_parts: 6,
                ..Limits::default()
            }
        ),
        MailError::TooManyParts { count: 7, limit: 6 }
    );
    assert!(
        mail::parse(
            &raw,
            &Limits {
                max_parts: 7,
                ..Limits::default()
            }
        )
        .is_ok()
    );
}

#[test]
fn more_decoded_bytes_than_the_limit_are_refused() {
    let raw = fixture("attachments.eml");
    let limits = Limits {
        max_decoded_bytes: 100,
        ..Limits::default()
    };
    let MailError::TooLarge { bytes, limit } = mail::parse(&raw, &limits).unwrap_err() else {
        panic!()
    };
    assert_eq!(limit, 100);
    assert!(bytes > 100 && bytes < raw.len(), "{bytes}");
    assert!(
        mail::parse(
            &raw,
            &Limits {
                max_decoded_bytes: bytes,
                ..limits
            }
        )
        .is_ok()
    );
}

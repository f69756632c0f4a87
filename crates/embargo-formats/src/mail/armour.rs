//! Inline OpenPGP in e-mail text: finds the armoured message (RFC 4880 §6.2) or cleartext
//! signature (RFC 4880 §7) that a reporter pasted into the body or attached as `.asc`.

use super::{Attachment, InlinePgp, normalise_newlines};

const BEGIN_MESSAGE: &str = "-----BEGIN PGP MESSAGE-----";
const END_MESSAGE: &str = "-----END PGP MESSAGE-----";
const BEGIN_SIGNED: &str = "-----BEGIN PGP SIGNED MESSAGE-----";
const BEGIN_SIGNATURE: &str = "-----BEGIN PGP SIGNATURE-----";
const END_SIGNATURE: &str = "-----END PGP SIGNATURE-----";

/// Finds the first armour block that starts a line (RFC 4880 §6.2; trailing white space on
/// armour lines is ignored). A quoted block (`> -----BEGIN…`) is a reply quoting old mail and
/// is not matched. A block that begins but never ends is an error: the text is unreadable
/// either way, and reading it as plain text would file ciphertext as a report.
pub(super) fn find_armour(text: &str) -> Result<InlinePgp, String> {
    let mut lines = Vec::new();
    let mut offset = 0;
    for line in text.split('\n') {
        lines.push((offset, line.trim_end()));
        offset += line.len() + 1;
    }
    let find_from = |from: usize, wanted: &str| {
        lines
            .iter()
            .skip(from)
            .position(|(_, l)| *l == wanted)
            .map(|i| i + from)
    };
    let block_to = |begin: usize, end: usize| {
        let start = lines.get(begin).map_or(0, |l| l.0);
        let (at, line) = lines.get(end).copied().unwrap_or_default();
        let mut block = text
            .get(start..at + line.len())
            .unwrap_or_default()
            .to_owned();
        block.push('\n');
        block
    };
    let Some(begin) = lines
        .iter()
        .position(|(_, l)| *l == BEGIN_MESSAGE || *l == BEGIN_SIGNED)
    else {
        return Ok(InlinePgp::None);
    };
    let signed = lines.get(begin).is_some_and(|(_, l)| *l == BEGIN_SIGNED);
    if !signed {
        let end = find_from(begin + 1, END_MESSAGE)
            .ok_or_else(|| format!("\"{BEGIN_MESSAGE}\" has no \"{END_MESSAGE}\" line"))?;
        return Ok(InlinePgp::Encrypted(block_to(begin, end)));
    }
    let signature = find_from(begin + 1, BEGIN_SIGNATURE).ok_or_else(|| {
        format!("\"{BEGIN_SIGNED}\" has no \"{BEGIN_SIGNATURE}\" line (RFC 4880 §7)")
    })?;
    let end = find_from(signature + 1, END_SIGNATURE)
        .ok_or_else(|| format!("\"{BEGIN_SIGNATURE}\" has no \"{END_SIGNATURE}\" line"))?;
    Ok(InlinePgp::ClearSigned(block_to(begin, end)))
}

/// Some clients (Outlook with a GnuPG plug-in, for one) send an inline-encrypted message as
/// an armoured `.asc` attachment under an empty body.
pub(super) fn armoured_attachment(attachment: &Attachment) -> Option<InlinePgp> {
    let name = attachment.filename.to_lowercase();
    let looks_pgp = [".asc", ".pgp", ".gpg"]
        .iter()
        .any(|ext| name.ends_with(ext))
        || attachment.content_type == "application/pgp-encrypted";
    if !looks_pgp {
        return None;
    }
    let text = normalise_newlines(std::str::from_utf8(&attachment.data).ok()?);
    match find_armour(&text) {
        Ok(found @ InlinePgp::Encrypted(_)) => Some(found),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn armour_must_start_a_line() {
        assert_eq!(
            find_armour("> -----BEGIN PGP MESSAGE-----\n> x\n"),
            Ok(InlinePgp::None)
        );
        let text = "hi\n-----BEGIN PGP MESSAGE-----  \n\nabc\n-----END PGP MESSAGE-----\nbye\n";
        assert_eq!(
            find_armour(text),
            Ok(InlinePgp::Encrypted(
                "-----BEGIN PGP MESSAGE-----  \n\nabc\n-----END PGP MESSAGE-----\n".to_owned()
            ))
        );
        assert!(find_armour("-----BEGIN PGP MESSAGE-----\nabc\n").is_err());
    }
}

//! TOTP (RFC 6238: SHA-1, 6 digits, 30 s) with one step of clock skew, replay protection by
//! remembering the last accepted time step, and single-use recovery codes.

use totp_rs::{Algorithm, Secret, TOTP};

pub const ISSUER: &str = "Embargo";

/// A new random secret, base32 (what authenticator apps take).
pub fn new_secret() -> String {
    Secret::generate_secret().to_encoded().to_string()
}

fn totp(secret_b32: &str, account: &str) -> Option<TOTP> {
    let bytes = Secret::Encoded(secret_b32.to_owned()).to_bytes().ok()?;
    TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        30,
        bytes,
        Some(ISSUER.to_owned()),
        account.to_owned(),
    )
    .ok()
}

/// `otpauth://` URI for the authenticator app.
pub fn provisioning_uri(secret_b32: &str, account: &str) -> String {
    totp(secret_b32, account)
        .map(|t| t.get_url())
        .unwrap_or_default()
}

/// Checks `code` at unix time `now`; returns the matched time step when it is valid and newer
/// than `last_step` (a code is accepted at most once).
pub fn check(secret_b32: &str, code: &str, now: u64, last_step: Option<i64>) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let t = totp(secret_b32, "")?;
    let current = (now / 30) as i64;
    for step in [current - 1, current, current + 1] {
        if step < 0 || last_step.is_some_and(|last| step <= last) {
            continue;
        }
        if crate::auth::same(&t.generate(step as u64 * 30), &code) {
            return Some(step);
        }
    }
    None
}

/// The code for a unix time (used by tests and nothing else in production).
pub fn code_at(secret_b32: &str, unix: u64) -> String {
    totp(secret_b32, "")
        .map(|t| t.generate(unix))
        .unwrap_or_default()
}

/// Ten recovery codes like `k3f9-2hq8-xz`; shown once, stored hashed.
pub fn new_recovery_codes() -> Vec<String> {
    (0..10)
        .map(|_| {
            let s = crate::auth::random_id(10);
            format!("{}-{}-{}", &s[..4], &s[4..8], &s[8..])
        })
        .collect()
}

/// Normalises what a person typed (case, spaces, dashes) before hashing a recovery code.
pub fn normalise_recovery(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_accepted_once_within_skew() {
        let s = new_secret();
        let now = 1_800_000_000;
        let code = code_at(&s, now);
        let step = check(&s, &code, now, None);
        assert_eq!(step, Some((now / 30) as i64));
        assert_eq!(check(&s, &code, now, step), None, "replay refused");
        assert!(
            check(&s, &code_at(&s, now - 30), now, None).is_some(),
            "one step of skew"
        );
        assert!(
            check(&s, &code_at(&s, now - 90), now, None).is_none(),
            "too old"
        );
        assert!(check(&s, "12345", now, None).is_none());
        assert!(check(&s, "abcdef", now, None).is_none());
    }

    #[test]
    fn recovery_codes_normalise() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), 10);
        assert_eq!(
            normalise_recovery(&codes[0].to_uppercase().replace('-', " ")),
            normalise_recovery(&codes[0])
        );
    }
}

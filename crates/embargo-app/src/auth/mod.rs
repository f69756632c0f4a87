//! Authentication and authorisation: passwords, sessions and their cookies, CSRF, TOTP, API
//! tokens, login back-off, and the extractors whose presence in a handler's signature states
//! who may call it (`Authed`, `AdminUser`, `ApiRead`, `ApiWrite`, `ApiAdmin`).

pub mod csrf;
pub mod html;
pub mod password;
pub mod service;
pub mod session;
pub mod token;
pub mod totp;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// `n` random bytes from the OS CSPRNG, base64url without padding.
pub fn random_token(n: usize) -> String {
    let mut buf = vec![0u8; n];
    rand::fill(&mut buf[..]);
    URL_SAFE_NO_PAD.encode(buf)
}

/// Lower-case base32 (RFC 4648 alphabet) of `n` random characters: readable ids.
pub fn random_id(n: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut buf = vec![0u8; n];
    rand::fill(&mut buf[..]);
    buf.iter()
        .map(|b| ALPHABET[(b & 31) as usize] as char)
        .collect()
}

/// Constant-time comparison of two secrets (or their hashes).
pub fn same(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

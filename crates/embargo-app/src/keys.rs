//! The instance master key and what is derived from it: the AEAD key for secrets at rest
//! (TOTP seeds now, report bodies later) and the salt for hashing retained IP addresses.
//!
//! The master key lives in a file outside the database (`data_dir/master.key`, mode 0600), so
//! a database dump alone reveals no sealed secret. Purpose keys are HMAC-SHA256(master,
//! label), so one file serves every purpose without reusing a key across them.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;

#[derive(Clone)]
pub struct Keys {
    seal: [u8; 32],
    ip_salt: [u8; 32],
    search: [u8; 32],
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys(<redacted>)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read or create the master key file {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("the master key file {0} must hold 64 hex characters (32 bytes)")]
    Malformed(String),
    #[error("a sealed value could not be opened (wrong master key or tampered data)")]
    Open,
}

fn derive(master: &[u8; 32], label: &str) -> [u8; 32] {
    // HMAC accepts any key length, so `new_from_slice` cannot fail here.
    let mut mac = match <Hmac<Sha256> as Mac>::new_from_slice(master) {
        Ok(m) => m,
        Err(_) => return [0; 32],
    };
    mac.update(label.as_bytes());
    mac.finalize().into_bytes().into()
}

impl Keys {
    pub fn from_master(master: &[u8; 32]) -> Keys {
        Keys {
            seal: derive(master, "embargo/seal/v1"),
            ip_salt: derive(master, "embargo/ip-salt/v1"),
            search: derive(master, "embargo/search/v1"),
        }
    }

    /// Reads the master key file, creating it (0600, random) when missing.
    pub fn load_or_create(path: &Path) -> Result<Keys, KeyError> {
        let io = |source| KeyError::Io {
            path: path.display().to_string(),
            source,
        };
        if !path.exists() {
            // Written to a private temporary file, then linked into place: two instances
            // starting at once never read a half-written key, and the loser reads the winner's.
            let mut key = [0u8; 32];
            rand::fill(&mut key);
            let tmp = path.with_extension(format!("tmp-{:016x}", rand::random::<u64>()));
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(&tmp)
                .map_err(io)?;
            f.write_all(hex::encode(key).as_bytes()).map_err(io)?;
            f.sync_all().map_err(io)?;
            let linked = std::fs::hard_link(&tmp, path);
            let _ = std::fs::remove_file(&tmp);
            match linked {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(io(e)),
            }
        }
        let text = std::fs::read_to_string(path).map_err(io)?;
        let bytes = hex::decode(text.trim())
            .map_err(|_| KeyError::Malformed(path.display().to_string()))?;
        let master: [u8; 32] = bytes
            .try_into()
            .map_err(|_| KeyError::Malformed(path.display().to_string()))?;
        Ok(Keys::from_master(&master))
    }

    /// Encrypts `plain` (XChaCha20-Poly1305, random nonce); `context` is bound as associated
    /// data so a sealed value cannot be moved to another field or row.
    pub fn seal(&self, plain: &[u8], context: &str) -> String {
        format!(
            "v1.{}",
            URL_SAFE_NO_PAD.encode(self.seal_bytes(plain, context))
        )
    }

    pub fn open(&self, sealed: &str, context: &str) -> Result<Vec<u8>, KeyError> {
        let raw = sealed.strip_prefix("v1.").ok_or(KeyError::Open)?;
        let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| KeyError::Open)?;
        self.open_bytes(&bytes, context)
    }

    /// Encrypts bytes (attachments) the same way as [`Keys::seal`], without the text encoding.
    pub fn seal_bytes(&self, plain: &[u8], context: &str) -> Vec<u8> {
        let cipher = XChaCha20Poly1305::new((&self.seal).into());
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let ct = cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plain,
                    aad: context.as_bytes(),
                },
            )
            .unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        out
    }

    pub fn open_bytes(&self, sealed: &[u8], context: &str) -> Result<Vec<u8>, KeyError> {
        if sealed.len() < 24 + 16 {
            return Err(KeyError::Open);
        }
        let (nonce, ct) = sealed.split_at(24);
        XChaCha20Poly1305::new((&self.seal).into())
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ct,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| KeyError::Open)
    }

    /// A keyed hash of a search word or an e-mail address (a "blind index"): equal inputs give
    /// equal tokens, so lookups work, but a database dump does not reveal the words.
    pub fn blind(&self, purpose: &str, value: &str) -> String {
        let mut mac = match <Hmac<Sha256> as Mac>::new_from_slice(&self.search) {
            Ok(m) => m,
            Err(_) => return String::new(),
        };
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        hex::encode(&mac.finalize().into_bytes()[..16])
    }

    /// `sha256(salt ‖ ip)` in hex: what the access log keeps after the retention window.
    pub fn hash_ip(&self, ip: &str) -> String {
        let mut data = self.ip_salt.to_vec();
        data.extend_from_slice(ip.as_bytes());
        embargo_store::sha256_hex(&data)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn seal_round_trips_and_binds_context() {
        let k = Keys::from_master(&[7; 32]);
        let s = k.seal(b"JBSWY3DPEHPK3PXP", "totp:1");
        assert_eq!(k.open(&s, "totp:1").unwrap(), b"JBSWY3DPEHPK3PXP");
        assert!(k.open(&s, "totp:2").is_err(), "moved to another row");
        assert!(
            Keys::from_master(&[8; 32]).open(&s, "totp:1").is_err(),
            "other key"
        );
        let mut t = s.clone();
        t.pop();
        assert!(k.open(&t, "totp:1").is_err(), "tampered");
    }

    #[test]
    fn key_file_is_created_private_and_reused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("master.key");
        let a = Keys::load_or_create(&p).unwrap();
        let b = Keys::load_or_create(&p).unwrap();
        assert_eq!(a.hash_ip("1.2.3.4"), b.hash_ip("1.2.3.4"));
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
        std::fs::write(&p, "nothex").unwrap();
        assert!(Keys::load_or_create(&p).is_err());
    }

    #[test]
    fn instances_starting_together_agree_on_one_key() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("master.key");
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let p = p.clone();
                std::thread::spawn(move || Keys::load_or_create(&p).map(|k| k.hash_ip("x")))
            })
            .collect();
        let hashes: Vec<String> = handles
            .into_iter()
            .map(|h| h.join().unwrap().unwrap())
            .collect();
        assert!(
            hashes.iter().all(|h| h == &hashes[0]),
            "every instance reads the same key"
        );
        let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary files left behind");
    }
}

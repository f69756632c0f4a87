//! Integration tests of the feed: ingest into a real store (SQLite, and PostgreSQL when
//! `EMBARGO_TEST_POSTGRES_URL` is set), then query it, against the 300 real advisories in
//! `fixtures/advisories/`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fixtures;
mod formats;
mod ingest;
mod kit;
mod query;
mod scan;
mod snapshot;

use std::path::{Path, PathBuf};

use chrono::{TimeZone, Utc};
use embargo_feed::{IngestOptions, Summary};
use embargo_store::{Store, Ts};

pub fn t(secs: i64) -> Ts {
    Utc.timestamp_opt(1_800_000_000 + secs, 0).unwrap()
}

pub fn advisories() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/advisories")
}

pub async fn ingest(store: &Store, inputs: &[PathBuf]) -> Summary {
    embargo_feed::ingest(store, inputs, &IngestOptions::default(), t(0), |_| {})
        .await
        .unwrap()
}

/// Every advisory file under `dir`, sorted.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if embargo_feed::reader::is_document(&p.to_string_lossy()) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// A minisign key pair for signing snapshots and kits in tests.
pub struct Key {
    pub pk: minisign::PublicKey,
    sk: minisign::SecretKey,
}

impl Key {
    pub fn generate() -> Key {
        let kp = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
        Key {
            pk: kp.pk,
            sk: kp.sk,
        }
    }

    /// A `.minisig` with a fixed trusted comment (minisign's default is the signing time).
    pub fn sign(&self, data: &[u8], comment: &str) -> Result<String, String> {
        minisign::sign(
            Some(&self.pk),
            &self.sk,
            std::io::Cursor::new(data),
            Some(comment),
            None,
        )
        .map(|s| s.into_string())
        .map_err(|e| e.to_string())
    }

    pub fn public(&self) -> String {
        self.pk.to_box().unwrap().into_string()
    }

    pub fn check(&self, data: &[u8], sig: &str) -> Result<(), String> {
        let sig = minisign::SignatureBox::from_string(sig).map_err(|e| e.to_string())?;
        minisign::verify(
            &self.pk,
            &sig,
            std::io::Cursor::new(data),
            true,
            false,
            false,
        )
        .map_err(|e| e.to_string())
    }
}

/// A GHSA record written by hand for the PYSEC fixture's CVE, disagreeing on the fix.
pub const GHSA: &str = r#"{
  "id": "GHSA-qcx9-j53g-ccgf",
  "modified": "2021-10-01T00:00:00Z",
  "aliases": ["CVE-2021-32807"],
  "summary": "Remote Code Execution via unsafe classes in otherwise permitted modules",
  "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H"}],
  "affected": [{
    "package": {"ecosystem": "PyPI", "name": "AccessControl"},
    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "5.0"}, {"fixed": "5.2.1"}]}]
  }]
}"#;

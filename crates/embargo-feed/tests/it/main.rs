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

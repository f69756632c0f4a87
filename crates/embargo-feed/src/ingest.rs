//! Ingest: inputs → records → the store, streaming and incremental.
//!
//! A reader thread walks the inputs ([`crate::reader`]), parses each document
//! ([`crate::record::decode`]) and prepares each record (canonical JSON, sha256, aliases,
//! package keys); it hands them over a bounded channel, so memory holds at most a few batches
//! whatever the corpus size, and parsing overlaps with the database writes. The writer takes
//! batches of [`IngestOptions::batch_size`] and, in one transaction per batch, looks up the
//! stored digests and upserts what changed:
//!
//! * digest equal → **unchanged**, nothing written;
//! * new (source, id) → **new**;
//! * digest differs and `modified` is not older → **modified**, the row and its index rows are
//!   replaced (a withdrawn record stays, with `withdrawn` set);
//! * digest differs but `modified` is older than the stored one → **stale**, kept as is (an
//!   old mirror must not roll a record back).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use embargo_formats::osv::Vulnerability;
use embargo_store::feed::{self, NewRecord, PackageRow};
use embargo_store::{Store, StoreError, Ts};
use serde::Serialize;
use tokio::sync::mpsc;

use crate::package::key_of_package;
use crate::reader::{self, ReadError};
use crate::record::{self, Rejection};

/// At most this many rejections are kept in the summary (all are counted).
const MAX_REJECTIONS_KEPT: usize = 1000;

/// How to ingest.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// File every record under this source instead of its id prefix.
    pub source: Option<String>,
    /// Records per transaction.
    pub batch_size: usize,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            source: None,
            batch_size: 2000,
        }
    }
}

/// What an ingest did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Records read (parsed or rejected).
    pub read: u64,
    pub new: u64,
    pub modified: u64,
    pub unchanged: u64,
    /// Changed records older than the stored ones, not applied.
    pub stale: u64,
    /// Of the new and modified records, how many are withdrawn.
    pub withdrawn: u64,
    pub rejected: u64,
    /// The first rejections, with their reasons.
    pub rejections: Vec<Rejection>,
    /// Inputs that could not be read at all (a truncated zip, a missing file).
    pub failed_inputs: Vec<String>,
}

impl Summary {
    /// True when every input was read and no record was rejected.
    pub fn is_clean(&self) -> bool {
        self.rejected == 0 && self.failed_inputs.is_empty()
    }
}

/// Why an ingest stopped.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{0}")]
    Read(#[from] ReadError),
    #[error("feed store: {0}")]
    Store(#[from] StoreError),
    #[error("the reader thread failed: {0}")]
    Reader(String),
}

/// Progress as the writer sees it: documents read so far and the estimated total.
#[derive(Debug, Clone, Copy, Default)]
pub struct Progress {
    pub documents: u64,
    pub total_documents: u64,
    pub records: u64,
}

enum Item {
    Record(Box<NewRecord>),
    Rejected(Rejection),
    InputFailed(String),
}

/// A parsed record made ready for the store.
pub fn prepare(
    source: String,
    v: &Vulnerability,
    origin: &str,
) -> Result<NewRecord, serde_json::Error> {
    let (body, digest) = record::canonical(v)?;
    let packages = v
        .affected
        .iter()
        .filter_map(|a| a.package.as_ref())
        .map(|p| PackageRow {
            key: key_of_package(&p.ecosystem, &p.name, p.purl.as_deref()),
            ecosystem: p.ecosystem.clone(),
            name: p.name.clone(),
        })
        .collect();
    Ok(NewRecord {
        source,
        record_id: v.id.clone(),
        modified: v.modified.clone(),
        withdrawn: v.withdrawn.clone(),
        digest,
        body,
        origin: origin.to_owned(),
        aliases: v.aliases.clone(),
        packages,
    })
}

/// The reader side: runs on a blocking thread.
fn read_all(
    files: Vec<PathBuf>,
    source: Option<String>,
    tx: mpsc::Sender<Item>,
    docs: Arc<AtomicU64>,
) {
    for file in files {
        let sent = reader::for_each_document(&file, |origin, bytes| {
            docs.fetch_add(1, Ordering::Relaxed);
            for r in record::decode(origin, bytes, source.as_deref()) {
                let item = match r {
                    Ok(p) => match prepare(p.source, &p.vuln, origin) {
                        Ok(rec) => Item::Record(Box::new(rec)),
                        Err(e) => Item::Rejected(Rejection {
                            origin: origin.to_owned(),
                            id: Some(p.vuln.id.clone()),
                            path: None,
                            message: format!("cannot serialise: {e}"),
                        }),
                    },
                    Err(rej) => Item::Rejected(rej),
                };
                // The writer hung up (it failed): stop reading.
                tx.blocking_send(item).map_err(|_| ())?;
            }
            Ok::<(), ()>(())
        });
        match sent {
            Ok(()) => {}
            Err(Ok(())) => return,
            Err(Err(e)) => {
                if tx.blocking_send(Item::InputFailed(e.to_string())).is_err() {
                    return;
                }
            }
        }
    }
}

fn is_older(incoming: &str, stored: &str) -> bool {
    use chrono::{DateTime, FixedOffset};
    match (
        DateTime::<FixedOffset>::parse_from_rfc3339(incoming),
        DateTime::<FixedOffset>::parse_from_rfc3339(stored),
    ) {
        (Ok(a), Ok(b)) => a < b,
        // Unparseable times cannot prove staleness: the newer content wins.
        _ => false,
    }
}

/// Writes one batch in one transaction and updates the summary.
async fn write_batch(
    store: &Store,
    batch: &mut Vec<NewRecord>,
    summary: &mut Summary,
    now: Ts,
) -> Result<(), IngestError> {
    if batch.is_empty() {
        return Ok(());
    }
    let txn = store.begin().await?;
    write_batch_in(&txn, batch, summary, now).await?;
    txn.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// Writes one batch in the caller's transaction: unchanged records skipped, older ones
/// counted stale, the rest upserted. Keys must be unique within the batch.
pub(crate) async fn write_batch_in(
    txn: &impl sea_orm::ConnectionTrait,
    batch: &mut Vec<NewRecord>,
    summary: &mut Summary,
    now: Ts,
) -> Result<(), IngestError> {
    let keys: Vec<(&str, &str)> = batch
        .iter()
        .map(|r| (r.source.as_str(), r.record_id.as_str()))
        .collect();
    let existing = feed::existing(txn, &keys).await?;
    let mut write = Vec::with_capacity(batch.len());
    for r in batch.drain(..) {
        match existing.get(&(r.source.clone(), r.record_id.clone())) {
            Some(e) if e.digest == r.digest => summary.unchanged += 1,
            Some(e) if is_older(&r.modified, &e.modified) => summary.stale += 1,
            found => {
                if found.is_some() {
                    summary.modified += 1;
                } else {
                    summary.new += 1;
                }
                if r.withdrawn.is_some() {
                    summary.withdrawn += 1;
                }
                write.push(r);
            }
        }
    }
    feed::upsert(txn, &write, now).await?;
    Ok(())
}

/// Ingests every input into the store; `progress` is called after each batch. Inputs that
/// cannot be read are listed in [`Summary::failed_inputs`] and the others are still ingested;
/// bad records are rejected one by one.
pub async fn ingest(
    store: &Store,
    inputs: &[PathBuf],
    opts: &IngestOptions,
    now: Ts,
    mut progress: impl FnMut(Progress),
) -> Result<Summary, IngestError> {
    let (files, total_documents) = reader::expand(inputs)?;
    let (tx, mut rx) = mpsc::channel::<Item>(opts.batch_size.max(1) * 2);
    let docs = Arc::new(AtomicU64::new(0));
    let reader_docs = docs.clone();
    let source = opts.source.clone();
    let reader = tokio::task::spawn_blocking(move || read_all(files, source, tx, reader_docs));
    let mut summary = Summary::default();
    let mut batch: Vec<NewRecord> = Vec::with_capacity(opts.batch_size);
    // Position of each key in the current batch: a record seen twice in one batch is written
    // once (PostgreSQL refuses to upsert one row twice in a statement).
    let mut in_batch: HashMap<(String, String), usize> = HashMap::new();
    let report = |summary: &Summary, progress: &mut dyn FnMut(Progress)| {
        progress(Progress {
            documents: docs.load(Ordering::Relaxed),
            total_documents,
            records: summary.read,
        })
    };
    let result: Result<(), IngestError> = async {
        while let Some(item) = rx.recv().await {
            match item {
                Item::Record(r) => {
                    summary.read += 1;
                    let key = (r.source.clone(), r.record_id.clone());
                    if let Some(&i) = in_batch.get(&key) {
                        batch[i] = *r;
                    } else {
                        in_batch.insert(key, batch.len());
                        batch.push(*r);
                    }
                }
                Item::Rejected(rej) => {
                    summary.read += 1;
                    summary.rejected += 1;
                    tracing::warn!(%rej, "rejected feed record");
                    if summary.rejections.len() < MAX_REJECTIONS_KEPT {
                        summary.rejections.push(rej);
                    }
                }
                Item::InputFailed(e) => {
                    tracing::error!(error = %e, "feed input unreadable");
                    summary.failed_inputs.push(e);
                }
            }
            if batch.len() >= opts.batch_size {
                write_batch(store, &mut batch, &mut summary, now).await?;
                in_batch.clear();
                report(&summary, &mut progress);
            }
        }
        write_batch(store, &mut batch, &mut summary, now).await?;
        Ok(())
    }
    .await;
    // Dropping the receiver (on error) makes the reader stop at its next send.
    drop(rx);
    reader
        .await
        .map_err(|e| IngestError::Reader(e.to_string()))?;
    result?;
    report(&summary, &mut progress);
    Ok(summary)
}

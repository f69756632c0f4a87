//! The Offline Update Kit: a signed snapshot ([`crate::snapshot`]) packed into one `tar.zst`
//! that an air-gapped instance checks before it changes anything (`embargo kit build|verify|
//! import`).
//!
//! A kit holds `snapshot/…` (the snapshot directory: manifest, its minisign signature, every
//! listed file) and `provenance.dsse.json`: an in-toto Statement v1 whose subjects are every
//! snapshot file with its sha256 and whose predicate is SLSA provenance v1 (build type
//! [`BUILD_TYPE`], the snapshot's kind and manifest digest, the base for a delta, and
//! `finishedOn`: when the kit was built), in a DSSE envelope. The DSSE signature is a
//! minisign signature (the `.minisig` text, base64) over the DSSE pre-authentication
//! encoding, by the same instance key that signs the manifest: one key to publish and trust.
//!
//! Verification refuses, before anything is written: a DSSE or manifest signature that does
//! not verify with the trusted key, a file whose digest differs from the statement or the
//! manifest, a missing or an unlisted file, a path that leaves the kit or is not a regular
//! file, a kit older than the maximum age or built in the future. Import also refuses a delta
//! whose base is not the installed snapshot and a kit older than the installed one
//! (rollback); it writes the records and the installation in one transaction.
//!
//! The tar's layout is deterministic (sorted entries, mtime 0, uid/gid 0, mode 0644); two
//! builds of one snapshot differ only in the signatures (minisign adds random noise).

use std::collections::BTreeSet;
use std::io::{BufReader, Read, Write};
use std::path::{Component, Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use embargo_formats::osv::Vulnerability;
use embargo_store::{Store, StoreError, Ts, feed};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::ingest::{IngestError, Summary, prepare, write_batch_in};
use crate::snapshot::{self, Manifest, SnapshotError, SnapshotKind};

pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
pub const PREDICATE_TYPE: &str = "https://slsa.dev/provenance/v1";
pub const PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";
pub const BUILD_TYPE: &str = "urn:embargo:feed-kit:v1";
pub const PROVENANCE: &str = "provenance.dsse.json";
const SNAPSHOT_DIR: &str = "snapshot";
/// A kit built this far ahead of the verifier's clock is refused (clock skew allowance).
const MAX_SKEW: chrono::Duration = chrono::Duration::minutes(5);
const IMPORT_BATCH: usize = 2000;

#[derive(Debug, thiserror::Error)]
pub enum KitError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("not a readable kit (tar.zst): {0}")]
    NotAKit(String),
    #[error("the kit entry `{0}` is refused: {1}")]
    Entry(String, String),
    #[error("the provenance is not valid: {0}")]
    Statement(String),
    #[error("the provenance signature does not verify with the given key: {0}")]
    Signature(String),
    #[error("{path} does not match the provenance: {message}")]
    Tampered { path: String, message: String },
    #[error("{0} is listed in the provenance but missing from the kit")]
    Missing(String),
    #[error("{0} is in the kit but not in its provenance")]
    Unlisted(String),
    #[error("the snapshot in the kit: {0}")]
    Snapshot(#[from] SnapshotError),
    #[error("the kit was built {built} and is older than the maximum age of {max_age_days} days")]
    Expired { built: String, max_age_days: i64 },
    #[error("the kit claims to be built {0}, in the future")]
    FromTheFuture(String),
    #[error(
        "this delta applies to snapshot {base}, but the installed snapshot is {installed}: import the kits in order, or a full kit"
    )]
    WrongBase { base: String, installed: String },
    #[error("rollback refused: {0}")]
    Rollback(String),
    #[error("records.jsonl line {line}: {message}")]
    Record { line: usize, message: String },
    #[error(transparent)]
    Ingest(#[from] IngestError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> KitError + '_ {
    move |source| KitError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn sha256_file(path: &Path) -> Result<String, KitError> {
    let mut f = std::fs::File::open(path).map_err(io(path))?;
    let mut h = Sha256::new();
    std::io::copy(&mut f, &mut h).map_err(io(path))?;
    Ok(hex::encode(h.finalize()))
}

/// DSSE's pre-authentication encoding: what the signature covers.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "DSSEv1 {} {payload_type} {} ",
        payload_type.len(),
        payload.len()
    )
    .into_bytes();
    out.extend_from_slice(payload);
    out
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Envelope {
    #[serde(rename = "payloadType")]
    pub payload_type: String,
    pub payload: String,
    pub signatures: Vec<EnvelopeSignature>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnvelopeSignature {
    pub keyid: String,
    pub sig: String,
}

/// What `build` produced.
#[derive(Debug, Clone, Serialize)]
pub struct Built {
    pub kit_sha256: String,
    pub size: u64,
    pub kind: SnapshotKind,
    pub manifest_sha256: String,
    pub files: usize,
    pub built_at: String,
}

/// Passes reads and writes through, keeping the first I/O error instead of returning it: the
/// zstd encoder treats I/O errors as fatal, so it must never see one; the caller checks after.
struct Guarded<T> {
    inner: T,
    error: Option<std::io::Error>,
}

impl<T: Read> Read for Guarded<T> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.error.is_some() {
            return Ok(0);
        }
        match self.inner.read(buf) {
            Ok(n) => Ok(n),
            Err(e) => {
                self.error = Some(e);
                Ok(0)
            }
        }
    }
}

impl<T: Write> Write for Guarded<T> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.error.is_none()
            && let Err(e) = self.inner.write_all(buf)
        {
            self.error = Some(e);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.error.is_none()
            && let Err(e) = self.inner.flush()
        {
            self.error = Some(e);
        }
        Ok(())
    }
}

fn ts_text(t: Ts) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Packs the snapshot in `snapshot_dir` into the kit `out` (written to a temporary file
/// beside it, then renamed). `sign(pae)` returns the `.minisig` text of the kit key `key_id`.
pub fn build(
    snapshot_dir: &Path,
    out: &Path,
    sign: impl FnOnce(&[u8]) -> Result<String, String>,
    key_id: &str,
    built_at: Ts,
) -> Result<Built, KitError> {
    let manifest_path = snapshot_dir.join(snapshot::MANIFEST);
    let manifest_bytes = std::fs::read(&manifest_path).map_err(io(&manifest_path))?;
    let manifest: Manifest = serde_json::from_slice(&manifest_bytes)
        .map_err(|e| KitError::Snapshot(SnapshotError::Manifest(e.to_string())))?;
    let manifest_sha256 = hex::encode(Sha256::digest(&manifest_bytes));
    let mut names: BTreeSet<String> = manifest.files.iter().map(|f| f.path.clone()).collect();
    names.extend(
        [
            snapshot::MANIFEST,
            snapshot::SIGNATURE,
            snapshot::PUBLIC_KEY,
        ]
        .map(str::to_owned),
    );
    let mut subjects = Vec::with_capacity(names.len());
    for n in &names {
        let digest = sha256_file(&snapshot_dir.join(n))?;
        subjects.push(json!({"name": format!("{SNAPSHOT_DIR}/{n}"), "digest": {"sha256": digest}}));
    }
    let kind = manifest.kind;
    let mut dependencies = vec![json!({
        "uri": format!("embargo-feed-snapshot:sha256:{manifest_sha256}"),
        "digest": {"sha256": manifest_sha256},
    })];
    if let Some(b) = &manifest.base {
        dependencies.push(json!({
            "uri": format!("embargo-feed-snapshot:sha256:{}", b.manifest_sha256),
            "digest": {"sha256": b.manifest_sha256},
            "annotations": {"role": "base"},
        }));
    }
    let built = ts_text(built_at);
    let statement = json!({
        "_type": STATEMENT_TYPE,
        "subject": subjects,
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "buildDefinition": {
                "buildType": BUILD_TYPE,
                "externalParameters": {
                    "kind": kind,
                    "manifest_sha256": manifest_sha256,
                    "base_manifest_sha256": manifest.base.as_ref().map(|b| b.manifest_sha256.clone()),
                },
                "resolvedDependencies": dependencies,
            },
            "runDetails": {
                "builder": {
                    "id": "urn:embargo:kit-build",
                    "version": {"embargo": env!("CARGO_PKG_VERSION")},
                },
                "metadata": {"startedOn": built, "finishedOn": built},
            },
        },
    });
    let payload = serde_json::to_vec(&statement)
        .map_err(|e| KitError::Statement(format!("cannot serialise: {e}")))?;
    let sig = sign(&pae(PAYLOAD_TYPE, &payload)).map_err(KitError::Signature)?;
    let envelope = Envelope {
        payload_type: PAYLOAD_TYPE.to_owned(),
        payload: B64.encode(&payload),
        signatures: vec![EnvelopeSignature {
            keyid: key_id.to_owned(),
            sig: B64.encode(sig.as_bytes()),
        }],
    };
    let mut envelope_bytes = serde_json::to_vec_pretty(&envelope)
        .map_err(|e| KitError::Statement(format!("cannot serialise: {e}")))?;
    envelope_bytes.push(b'\n');

    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tar_file = tempfile::NamedTempFile::new_in(parent).map_err(io(parent))?;
    {
        let mut tar = tar::Builder::new(std::io::BufWriter::new(tar_file.as_file()));
        let mut add = |name: &str, size: u64, data: &mut dyn Read| {
            let mut h = tar::Header::new_gnu();
            h.set_size(size);
            h.set_mode(0o644);
            h.set_mtime(0);
            h.set_uid(0);
            h.set_gid(0);
            h.set_entry_type(tar::EntryType::Regular);
            tar.append_data(&mut h, name, data).map_err(io(out))
        };
        add(
            PROVENANCE,
            envelope_bytes.len() as u64,
            &mut envelope_bytes.as_slice(),
        )?;
        for n in &names {
            let p = snapshot_dir.join(n);
            let size = std::fs::metadata(&p).map_err(io(&p))?.len();
            let mut f = std::fs::File::open(&p).map_err(io(&p))?;
            add(&format!("{SNAPSHOT_DIR}/{n}"), size, &mut f)?;
        }
        tar.into_inner()
            .and_then(|mut w| w.flush())
            .map_err(io(out))?;
    }
    let zst = tempfile::NamedTempFile::new_in(parent).map_err(io(parent))?;
    let mut source = Guarded {
        inner: BufReader::new(std::fs::File::open(tar_file.path()).map_err(io(tar_file.path()))?),
        error: None,
    };
    let mut drain = Guarded {
        inner: std::io::BufWriter::new(zst.as_file()),
        error: None,
    };
    ruzstd::encoding::compress(
        &mut source,
        &mut drain,
        ruzstd::encoding::CompressionLevel::Fastest,
    );
    drain.flush().map_err(io(out))?;
    if let Some(e) = source.error.take() {
        return Err(io(tar_file.path())(e));
    }
    if let Some(e) = drain.error.take() {
        return Err(io(out)(e));
    }
    drop(drain);
    zst.as_file().sync_all().map_err(io(out))?;
    zst.persist(out).map_err(|e| io(out)(e.error))?;
    let kit_sha256 = sha256_file(out)?;
    let size = std::fs::metadata(out).map_err(io(out))?.len();
    Ok(Built {
        kit_sha256,
        size,
        kind,
        manifest_sha256,
        files: names.len(),
        built_at: built,
    })
}

/// A kit that verified, unpacked into a temporary directory (removed on drop).
#[derive(Debug)]
pub struct VerifiedKit {
    pub dir: tempfile::TempDir,
    pub manifest: Manifest,
    pub manifest_sha256: String,
    pub built_at: Ts,
    pub kit_sha256: String,
}

impl VerifiedKit {
    pub fn snapshot_dir(&self) -> PathBuf {
        self.dir.path().join(SNAPSHOT_DIR)
    }
}

/// Only `provenance.dsse.json` and relative paths under `snapshot/`.
fn entry_path(raw: &Path) -> Result<String, KitError> {
    let text = raw.to_string_lossy().into_owned();
    let normal = raw.components().all(|c| matches!(c, Component::Normal(_)));
    let first = raw.components().next();
    let allowed = text == PROVENANCE
        || (first == Some(Component::Normal(SNAPSHOT_DIR.as_ref()))
            && raw.components().count() > 1);
    if !normal || !allowed {
        return Err(KitError::Entry(
            text,
            "only provenance.dsse.json and files under snapshot/ may be in a kit".into(),
        ));
    }
    Ok(text)
}

fn unpack(kit: &Path, into: &Path) -> Result<BTreeSet<String>, KitError> {
    let f = std::fs::File::open(kit).map_err(io(kit))?;
    let decoder = ruzstd::decoding::StreamingDecoder::new(BufReader::new(f))
        .map_err(|e| KitError::NotAKit(e.to_string()))?;
    let mut archive = tar::Archive::new(decoder);
    let mut seen = BTreeSet::new();
    for entry in archive
        .entries()
        .map_err(|e| KitError::NotAKit(e.to_string()))?
    {
        let mut entry = entry.map_err(|e| KitError::NotAKit(e.to_string()))?;
        let raw = entry
            .path()
            .map_err(|e| KitError::NotAKit(e.to_string()))?
            .into_owned();
        let kind = entry.header().entry_type();
        if kind.is_dir() {
            continue;
        }
        let name = entry_path(&raw)?;
        if !kind.is_file() {
            return Err(KitError::Entry(
                name,
                format!("a {kind:?} entry; only regular files are allowed"),
            ));
        }
        if !seen.insert(name.clone()) {
            return Err(KitError::Entry(name, "appears twice".into()));
        }
        let dest = into.join(&name);
        if let Some(p) = dest.parent() {
            std::fs::create_dir_all(p).map_err(io(p))?;
        }
        let mut out = std::fs::File::create(&dest).map_err(io(&dest))?;
        std::io::copy(&mut entry, &mut out)
            .map_err(|e| KitError::NotAKit(format!("{name}: {e}")))?;
    }
    Ok(seen)
}

#[derive(Deserialize)]
struct Statement {
    #[serde(rename = "_type")]
    kind: String,
    subject: Vec<Subject>,
    #[serde(rename = "predicateType")]
    predicate_type: String,
    predicate: serde_json::Value,
}

#[derive(Deserialize)]
struct Subject {
    name: String,
    digest: std::collections::BTreeMap<String, String>,
}

/// Verifies a kit with `check(data, minisig_text)` (the trusted key) at `now`; `max_age`
/// bounds how old the kit may be.
pub fn verify(
    kit: &Path,
    check: impl Fn(&[u8], &str) -> Result<(), String>,
    now: Ts,
    max_age: chrono::Duration,
) -> Result<VerifiedKit, KitError> {
    let kit_sha256 = sha256_file(kit)?;
    let dir = tempfile::tempdir().map_err(io(Path::new("temporary directory")))?;
    let present = unpack(kit, dir.path())?;

    let prov = dir.path().join(PROVENANCE);
    if !present.contains(PROVENANCE) {
        return Err(KitError::Missing(PROVENANCE.to_owned()));
    }
    let envelope: Envelope = serde_json::from_slice(&std::fs::read(&prov).map_err(io(&prov))?)
        .map_err(|e| KitError::Statement(format!("{PROVENANCE}: {e}")))?;
    if envelope.payload_type != PAYLOAD_TYPE {
        return Err(KitError::Statement(format!(
            "payloadType `{}` (expected `{PAYLOAD_TYPE}`)",
            envelope.payload_type
        )));
    }
    let payload = B64
        .decode(envelope.payload.as_bytes())
        .map_err(|e| KitError::Statement(format!("payload: {e}")))?;
    let signed = pae(PAYLOAD_TYPE, &payload);
    let mut last = "no signature".to_owned();
    let good = envelope.signatures.iter().any(|s| {
        let text = B64
            .decode(s.sig.as_bytes())
            .map_err(|e| e.to_string())
            .and_then(|b| String::from_utf8(b).map_err(|e| e.to_string()));
        match text.and_then(|t| check(&signed, &t)) {
            Ok(()) => true,
            Err(e) => {
                last = e;
                false
            }
        }
    });
    if !good {
        return Err(KitError::Signature(last));
    }
    let statement: Statement = serde_json::from_slice(&payload)
        .map_err(|e| KitError::Statement(format!("payload: {e}")))?;
    if statement.kind != STATEMENT_TYPE || statement.predicate_type != PREDICATE_TYPE {
        return Err(KitError::Statement(format!(
            "`{}` / `{}` (expected an in-toto {STATEMENT_TYPE} with {PREDICATE_TYPE})",
            statement.kind, statement.predicate_type
        )));
    }
    let mut listed = BTreeSet::from([PROVENANCE.to_owned()]);
    for s in &statement.subject {
        let name = entry_path(Path::new(&s.name))?;
        let want = s
            .digest
            .get("sha256")
            .ok_or_else(|| KitError::Statement(format!("subject {name} has no sha256 digest")))?;
        if !present.contains(&name) {
            return Err(KitError::Missing(name));
        }
        let got = sha256_file(&dir.path().join(&name))?;
        if &got != want {
            return Err(KitError::Tampered {
                path: name,
                message: format!("sha256 {got}, the provenance says {want}"),
            });
        }
        listed.insert(name);
    }
    if let Some(extra) = present.iter().find(|p| !listed.contains(*p)) {
        return Err(KitError::Unlisted(extra.clone()));
    }

    let snap = dir.path().join(SNAPSHOT_DIR);
    let manifest = snapshot::verify(&snap, |m, s| check(m, s))?;
    let manifest_path = snap.join(snapshot::MANIFEST);
    let manifest_sha256 = sha256_file(&manifest_path)?;

    let finished = statement
        .predicate
        .pointer("/runDetails/metadata/finishedOn")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| KitError::Statement("no runDetails.metadata.finishedOn".into()))?;
    let built_at: Ts = finished
        .parse()
        .map_err(|e| KitError::Statement(format!("finishedOn `{finished}`: {e}")))?;
    if built_at > now + MAX_SKEW {
        return Err(KitError::FromTheFuture(finished.to_owned()));
    }
    if now - built_at > max_age {
        return Err(KitError::Expired {
            built: finished.to_owned(),
            max_age_days: max_age.num_days(),
        });
    }
    Ok(VerifiedKit {
        dir,
        manifest,
        manifest_sha256,
        built_at,
        kit_sha256,
    })
}

/// What an import did.
#[derive(Debug, Clone, Serialize)]
pub struct Imported {
    pub kind: SnapshotKind,
    pub manifest_sha256: String,
    pub kit_sha256: String,
    /// The kit was the installed snapshot already: nothing written.
    pub already_installed: bool,
    pub summary: Summary,
}

#[derive(Deserialize)]
struct RecordLine {
    source: String,
    origin: String,
    record: Vulnerability,
}

/// Verifies a kit, checks it against the installed snapshot (base of a delta, rollback),
/// then writes its records and the installation in one transaction.
pub async fn import(
    store: &Store,
    kit: &Path,
    check: impl Fn(&[u8], &str) -> Result<(), String>,
    now: Ts,
    max_age: chrono::Duration,
) -> Result<Imported, KitError> {
    let v = verify(kit, check, now, max_age)?;
    let installed = feed::installed(store.conn()).await?;
    let mut out = Imported {
        kind: v.manifest.kind,
        manifest_sha256: v.manifest_sha256.clone(),
        kit_sha256: v.kit_sha256.clone(),
        already_installed: false,
        summary: Summary::default(),
    };
    if let Some(i) = &installed {
        if i.manifest_sha256 == v.manifest_sha256 {
            out.already_installed = true;
            return Ok(out);
        }
        let before: Option<Ts> = i.kit_built_at.parse().ok();
        if before.is_some_and(|b| v.built_at < b) {
            return Err(KitError::Rollback(format!(
                "this kit was built {}, before the installed one ({})",
                ts_text(v.built_at),
                i.kit_built_at
            )));
        }
        let newest = |s: &Option<String>| s.as_deref().and_then(|t| t.parse::<Ts>().ok());
        if let (Some(have), Some(new)) = (
            newest(&i.high_water),
            newest(&v.manifest.high_water.updated_at),
        ) && new < have
        {
            return Err(KitError::Rollback(format!(
                "this kit's feed reaches {}, the installed one {}",
                ts_text(new),
                ts_text(have)
            )));
        }
    }
    if v.manifest.kind == SnapshotKind::Delta {
        let base = v
            .manifest
            .base
            .as_ref()
            .map(|b| b.manifest_sha256.clone())
            .unwrap_or_default();
        let have = installed
            .as_ref()
            .map_or_else(|| "none".to_owned(), |i| i.manifest_sha256.clone());
        if base != have {
            return Err(KitError::WrongBase {
                base,
                installed: have,
            });
        }
    }

    let records = v.snapshot_dir().join(snapshot::RECORDS);
    let f = std::fs::File::open(&records).map_err(io(&records))?;
    let short = &v.kit_sha256[..12.min(v.kit_sha256.len())];
    let txn = store.begin().await?;
    let mut batch = Vec::with_capacity(IMPORT_BATCH);
    for (n, line) in std::io::BufRead::lines(BufReader::new(f)).enumerate() {
        let line = line.map_err(io(&records))?;
        let rec: RecordLine = serde_json::from_str(&line).map_err(|e| KitError::Record {
            line: n + 1,
            message: e.to_string(),
        })?;
        let origin = format!("kit:{short}!{}", rec.origin);
        let prepared = prepare(rec.source, &rec.record, &origin).map_err(|e| KitError::Record {
            line: n + 1,
            message: e.to_string(),
        })?;
        out.summary.read += 1;
        batch.push(prepared);
        if batch.len() >= IMPORT_BATCH {
            write_batch_in(&txn, &mut batch, &mut out.summary, now).await?;
        }
    }
    write_batch_in(&txn, &mut batch, &mut out.summary, now).await?;
    feed::record_install(
        &txn,
        &feed::Install {
            manifest_sha256: v.manifest_sha256.clone(),
            kind: match v.manifest.kind {
                SnapshotKind::Full => "full",
                SnapshotKind::Delta => "delta",
            }
            .to_owned(),
            high_water: v.manifest.high_water.updated_at.clone(),
            kit_built_at: ts_text(v.built_at),
            kit_sha256: v.kit_sha256.clone(),
            installed_at: now,
        },
    )
    .await?;
    txn.commit().await.map_err(StoreError::from)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn pae_matches_the_dsse_spec_example() {
        // From the DSSE protocol document: PAE("http://example.com/HelloWorld", "hello world").
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world".to_vec()
        );
    }

    #[test]
    fn entry_paths_stay_inside_the_kit() {
        assert!(entry_path(Path::new("provenance.dsse.json")).is_ok());
        assert!(entry_path(Path::new("snapshot/osv/PyPI/all.zip")).is_ok());
        for bad in [
            "snapshot",
            "../x",
            "/etc/passwd",
            "other/file",
            "snapshot/../../x",
        ] {
            assert!(entry_path(Path::new(bad)).is_err(), "{bad}");
        }
    }
}

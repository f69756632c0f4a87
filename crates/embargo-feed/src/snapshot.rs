//! Signed, deterministic snapshots of the feed (`embargo feed export DIR [--since BASE]`).
//!
//! A snapshot directory holds:
//! * `vulns.jsonl` — one merged vulnerability ([`Merged`]) per line, in the order of the alias
//!   group's key (its CVE id when it has one, else its smallest id); in a delta, only the
//!   groups that are new or changed since the base;
//! * `records.jsonl` — the source records of those groups, one per line:
//!   `{"source", "origin", "record": OSV}` — what `embargo kit import` writes into a feed;
//! * `index.tsv` — `key<TAB>sha256 of the line` for every group of the feed (full and delta),
//!   so that the next delta can be computed from this snapshot alone;
//! * `removed.txt` — in a delta, the keys of the base that are gone;
//! * `osv/{ecosystem}/all.zip` — the source records (canonical OSV JSON, `{id}.json`) of the
//!   written groups per ecosystem, the layout offline OSV scanners read;
//! * `manifest.json` — format, kind, base manifest digest (delta), the feed's high-water
//!   marks, counts per source, and the sha256 and size of every file;
//! * `manifest.json.minisig` — a minisign signature over the manifest.
//!
//! Same feed, same bytes: no wall-clock time is written (the high-water mark is the newest
//! `updated_at` of the records), zip entries carry the DOS epoch, every list is sorted.
//! Memory holds the alias graph (ids only) and one batch of groups, plus in a delta the base's
//! index; bodies are streamed.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io::{BufRead, BufWriter, Read, Write};
use std::path::{Component, Path, PathBuf};

use embargo_store::feed;
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::merge::{self, AliasGraph};
use crate::query::{QueryError, merge_inputs};

pub const FORMAT: &str = "embargo-feed-snapshot";
pub const VERSION: u32 = 1;
pub const MANIFEST: &str = "manifest.json";
pub const SIGNATURE: &str = "manifest.json.minisig";
/// The signer's public key, written for convenience: verification uses the key the user
/// trusts (`--key`), never this file.
pub const PUBLIC_KEY: &str = "minisign.pub";
const VULNS: &str = "vulns.jsonl";
pub const RECORDS: &str = "records.jsonl";
const INDEX: &str = "index.tsv";
const REMOVED: &str = "removed.txt";
/// Alias groups fetched and merged per database round trip.
const GROUPS_PER_BATCH: usize = 256;

#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0} exists and is not empty: export into a new directory")]
    NotEmpty(String),
    #[error(transparent)]
    Query(#[from] QueryError),
    #[error("{path}: {message}")]
    Zip { path: String, message: String },
    #[error("the manifest is not valid: {0}")]
    Manifest(String),
    #[error("the manifest's signature does not verify with the given key: {0}")]
    Signature(String),
    #[error("signing the manifest failed: {0}")]
    Signing(String),
    #[error("{path} does not match the manifest: {message}")]
    Tampered { path: String, message: String },
    #[error("{0} is listed in the manifest but missing")]
    Missing(String),
    #[error("{0} is in the snapshot but not in its manifest")]
    Unlisted(String),
    #[error("base snapshot {path}: {message}")]
    Base { path: String, message: String },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> SnapshotError + '_ {
    move |source| SnapshotError::Io {
        path: path.display().to_string(),
        source,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SnapshotKind {
    Full,
    Delta,
}

/// The snapshot a delta applies to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Base {
    pub manifest_sha256: String,
    pub high_water: HighWater,
}

/// How far the feed had got: the newest record update, and per source the newest `modified`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HighWater {
    pub updated_at: Option<String>,
    pub modified: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Alias groups in the feed (lines of `index.tsv`).
    pub vulnerabilities: u64,
    /// Lines of `vulns.jsonl` (every group in a full snapshot).
    pub written: u64,
    /// Keys of the base gone since (delta).
    pub removed: u64,
    /// Source records in the feed.
    pub records: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceCount {
    pub records: i64,
    pub withdrawn: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub path: String,
    pub sha256: String,
    pub size: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub version: u32,
    pub kind: SnapshotKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<Base>,
    pub high_water: HighWater,
    pub counts: Counts,
    pub sources: BTreeMap<String, SourceCount>,
    pub files: Vec<FileEntry>,
}

impl Manifest {
    /// The manifest as written (pretty JSON and a newline): what the signature covers.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut b = serde_json::to_vec_pretty(self).unwrap_or_default();
        b.push(b'\n');
        b
    }
}

/// What an export wrote.
#[derive(Debug, Clone, Serialize)]
pub struct Exported {
    pub manifest: Manifest,
    pub manifest_sha256: String,
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A writer that hashes and counts what goes through it.
struct Hashing<W> {
    inner: W,
    hasher: Sha256,
    size: u64,
}

impl<W: Write> Hashing<W> {
    fn new(inner: W) -> Self {
        Hashing {
            inner,
            hasher: Sha256::new(),
            size: 0,
        }
    }

    fn finish(mut self, path: &str) -> std::io::Result<FileEntry> {
        self.inner.flush()?;
        Ok(FileEntry {
            path: path.to_owned(),
            sha256: hex::encode(self.hasher.finalize()),
            size: self.size,
        })
    }
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn hash_file(path: &Path) -> std::io::Result<(String, u64)> {
    let mut f = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut size = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok((hex::encode(hasher.finalize()), size))
}

fn create(path: &Path) -> Result<Hashing<BufWriter<std::fs::File>>, SnapshotError> {
    let f = std::fs::File::create(path).map_err(io(path))?;
    Ok(Hashing::new(BufWriter::with_capacity(1 << 20, f)))
}

/// The directory name of an OSV ecosystem: the part before `:` (`Debian:12` → `Debian`),
/// with anything that is not safe in a path replaced.
fn ecosystem_dir(ecosystem: &str) -> String {
    let base = ecosystem.split(':').next().unwrap_or(ecosystem);
    let s: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() || s.starts_with('.') {
        format!("_{s}")
    } else {
        s
    }
}

/// The base snapshot of a delta: its manifest digest, high-water marks, and index.
struct BaseState {
    base: Base,
    index: HashMap<String, String>,
}

fn read_base(dir: &Path) -> Result<BaseState, SnapshotError> {
    let err = |message: String| SnapshotError::Base {
        path: dir.display().to_string(),
        message,
    };
    let manifest_path = dir.join(MANIFEST);
    let bytes = std::fs::read(&manifest_path).map_err(|e| err(format!("{MANIFEST}: {e}")))?;
    let manifest: Manifest =
        serde_json::from_slice(&bytes).map_err(|e| err(format!("{MANIFEST}: {e}")))?;
    let index_path = dir.join(INDEX);
    let f = std::fs::File::open(&index_path).map_err(|e| err(format!("{INDEX}: {e}")))?;
    let mut index = HashMap::new();
    for (n, line) in std::io::BufReader::new(f).lines().enumerate() {
        let line = line.map_err(|e| err(format!("{INDEX}: {e}")))?;
        let Some((key, digest)) = line.split_once('\t') else {
            return Err(err(format!("{INDEX} line {}: no tab", n + 1)));
        };
        index.insert(key.to_owned(), digest.to_owned());
    }
    Ok(BaseState {
        base: Base {
            manifest_sha256: sha256_hex(&bytes),
            high_water: manifest.high_water,
        },
        index,
    })
}

/// The key of an alias group (sorted ids): its first CVE id, else its first id.
fn group_key(group: &[String]) -> &str {
    merge::cve_of(group.iter().map(String::as_str))
        .or_else(|| group.first().map(String::as_str))
        .unwrap_or("")
}

/// Writes a snapshot of the feed into `dir` (created; must be empty), a delta against the
/// snapshot in `since` when given. `sign(manifest, trusted_comment)` returns the `.minisig`
/// text; `public_key` is written next to it. `progress(groups_done, groups_total)`.
pub async fn export(
    db: &impl ConnectionTrait,
    dir: &Path,
    since: Option<&Path>,
    sign: impl FnOnce(&[u8], &str) -> Result<String, String>,
    public_key: &str,
    mut progress: impl FnMut(u64, u64),
) -> Result<Exported, SnapshotError> {
    if dir.exists() {
        let mut entries = std::fs::read_dir(dir).map_err(io(dir))?;
        if entries.next().is_some() {
            return Err(SnapshotError::NotEmpty(dir.display().to_string()));
        }
    }
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let mut base = since.map(read_base).transpose()?;

    // The whole alias graph, from ids and alias edges only.
    let (ids, newest) = feed::record_ids(db).await.map_err(QueryError::from)?;
    let edges = feed::alias_edges(db).await.map_err(QueryError::from)?;
    let mut graph = AliasGraph::new();
    for id in &ids {
        graph.add(id, &[]);
    }
    for (id, alias) in &edges {
        graph.union(id, alias);
    }
    drop(edges);
    let records_total = ids.len() as u64;
    drop(ids);
    let mut groups = graph.groups();
    drop(graph);
    groups.sort_by(|a, b| group_key(a).cmp(group_key(b)));
    let total = groups.len() as u64;

    let vulns_path = dir.join(VULNS);
    let index_path = dir.join(INDEX);
    let mut vulns = create(&vulns_path)?;
    let records_path = dir.join(RECORDS);
    let mut record_lines = create(&records_path)?;
    let mut index = create(&index_path)?;
    let mut zips: BTreeMap<String, zip::ZipWriter<std::fs::File>> = BTreeMap::new();
    let mut zip_names: HashMap<String, HashSet<String>> = HashMap::new();
    let zip_opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    let mut counts = Counts {
        vulnerabilities: total,
        records: records_total,
        ..Counts::default()
    };

    let mut done = 0u64;
    for batch in groups.chunks(GROUPS_PER_BATCH) {
        let mut slot: HashMap<&str, usize> = HashMap::new();
        let mut wanted: Vec<String> = Vec::new();
        for (i, g) in batch.iter().enumerate() {
            for id in g {
                slot.insert(id.as_str(), i);
                wanted.push(id.clone());
            }
        }
        let mut per_group: Vec<Vec<feed::FeedRecord>> = vec![Vec::new(); batch.len()];
        for r in feed::by_ids_or_aliases(db, &wanted)
            .await
            .map_err(QueryError::from)?
        {
            if let Some(&i) = slot.get(r.record_id.as_str()) {
                per_group[i].push(r);
            }
        }
        for (group, mut records) in batch.iter().zip(per_group) {
            records.sort_by(|a, b| (&a.record_id, &a.source).cmp(&(&b.record_id, &b.source)));
            let inputs = merge_inputs(&records)?;
            let ecosystems: Vec<BTreeSet<String>> = inputs
                .iter()
                .map(|i| {
                    i.vuln
                        .affected
                        .iter()
                        .filter_map(|a| a.package.as_ref())
                        .map(|p| ecosystem_dir(&p.ecosystem))
                        .collect()
                })
                .collect();
            let Some(merged) = merge::merge(inputs) else {
                continue;
            };
            let key = group_key(group);
            let line = serde_json::to_string(&merged).map_err(|e| SnapshotError::Io {
                path: VULNS.to_owned(),
                source: e.into(),
            })?;
            let digest = sha256_hex(line.as_bytes());
            writeln!(index, "{key}\t{digest}").map_err(io(&index_path))?;
            if let Some(b) = &mut base
                && b.index.remove(key).as_deref() == Some(digest.as_str())
            {
                continue;
            }
            writeln!(vulns, "{line}").map_err(io(&vulns_path))?;
            counts.written += 1;
            for (r, ecos) in records.iter().zip(ecosystems) {
                // The body is canonical OSV JSON already: embedded as is.
                let quoted = |v: &str| {
                    serde_json::to_string(v).map_err(|e| SnapshotError::Io {
                        path: RECORDS.to_owned(),
                        source: e.into(),
                    })
                };
                let (source, origin) = (quoted(&r.source)?, quoted(&r.origin)?);
                writeln!(
                    record_lines,
                    "{{\"source\":{source},\"origin\":{origin},\"record\":{}}}",
                    r.body
                )
                .map_err(io(&records_path))?;
                for eco in ecos {
                    let names = zip_names.entry(eco.clone()).or_default();
                    let mut name = format!("{}.json", r.record_id);
                    if !names.insert(name.clone()) {
                        name = format!("{}~{}.json", r.record_id, r.source);
                        names.insert(name.clone());
                    }
                    let zip = match zips.entry(eco.clone()) {
                        std::collections::btree_map::Entry::Occupied(o) => o.into_mut(),
                        std::collections::btree_map::Entry::Vacant(v) => {
                            let zdir = dir.join("osv").join(&eco);
                            std::fs::create_dir_all(&zdir).map_err(io(&zdir))?;
                            let p = zdir.join("all.zip");
                            let f = std::fs::File::create(&p).map_err(io(&p))?;
                            v.insert(zip::ZipWriter::new(f))
                        }
                    };
                    let zerr = |e: zip::result::ZipError| SnapshotError::Zip {
                        path: format!("osv/{eco}/all.zip"),
                        message: e.to_string(),
                    };
                    zip.start_file(name, zip_opts).map_err(zerr)?;
                    zip.write_all(r.body.as_bytes())
                        .map_err(|e| SnapshotError::Zip {
                            path: format!("osv/{eco}/all.zip"),
                            message: e.to_string(),
                        })?;
                }
            }
        }
        done += batch.len() as u64;
        progress(done, total);
    }

    let mut files = vec![
        vulns.finish(VULNS).map_err(io(&vulns_path))?,
        record_lines.finish(RECORDS).map_err(io(&records_path))?,
        index.finish(INDEX).map_err(io(&index_path))?,
    ];
    if let Some(b) = &base {
        let removed_path = dir.join(REMOVED);
        let mut removed = create(&removed_path)?;
        let mut gone: Vec<&String> = b.index.keys().collect();
        gone.sort();
        for k in &gone {
            writeln!(removed, "{k}").map_err(io(&removed_path))?;
        }
        counts.removed = gone.len() as u64;
        files.push(removed.finish(REMOVED).map_err(io(&removed_path))?);
    }
    for (eco, zip) in zips {
        let rel = format!("osv/{eco}/all.zip");
        zip.finish().map_err(|e| SnapshotError::Zip {
            path: rel.clone(),
            message: e.to_string(),
        })?;
        let p = dir.join(&rel);
        let (sha256, size) = hash_file(&p).map_err(io(&p))?;
        files.push(FileEntry {
            path: rel,
            sha256,
            size,
        });
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));

    let stats = feed::source_stats(db).await.map_err(QueryError::from)?;
    let mut sources = BTreeMap::new();
    let mut high_water = HighWater {
        updated_at: newest.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)),
        modified: BTreeMap::new(),
    };
    for (source, records, withdrawn, modified) in stats {
        high_water.modified.insert(source.clone(), modified);
        sources.insert(source, SourceCount { records, withdrawn });
    }
    let manifest = Manifest {
        format: FORMAT.to_owned(),
        version: VERSION,
        kind: if base.is_some() {
            SnapshotKind::Delta
        } else {
            SnapshotKind::Full
        },
        base: base.map(|b| b.base),
        high_water,
        counts,
        sources,
        files,
    };
    let bytes = manifest.to_bytes();
    let manifest_sha256 = sha256_hex(&bytes);
    let signature = sign(
        &bytes,
        &format!("{FORMAT} manifest sha256:{manifest_sha256}"),
    )
    .map_err(SnapshotError::Signing)?;
    for (name, content) in [
        (MANIFEST, bytes.as_slice()),
        (SIGNATURE, signature.as_bytes()),
        (PUBLIC_KEY, public_key.as_bytes()),
    ] {
        let p = dir.join(name);
        std::fs::write(&p, content).map_err(io(&p))?;
    }
    Ok(Exported {
        manifest,
        manifest_sha256,
    })
}

/// A path from a manifest, refused unless it is relative and stays inside the snapshot.
fn safe_path(dir: &Path, rel: &str) -> Result<PathBuf, SnapshotError> {
    let p = Path::new(rel);
    if rel.is_empty() || !p.components().all(|c| matches!(c, Component::Normal(_))) {
        return Err(SnapshotError::Manifest(format!(
            "file path `{rel}` leaves the snapshot directory"
        )));
    }
    Ok(dir.join(p))
}

fn walk(dir: &Path, rel: &str, out: &mut Vec<String>) -> Result<(), SnapshotError> {
    let here = if rel.is_empty() {
        dir.to_path_buf()
    } else {
        dir.join(rel)
    };
    for e in std::fs::read_dir(&here).map_err(io(&here))? {
        let e = e.map_err(io(&here))?;
        let name = e.file_name().to_string_lossy().into_owned();
        let child = if rel.is_empty() {
            name
        } else {
            format!("{rel}/{name}")
        };
        if e.file_type().map_err(io(&here))?.is_dir() {
            walk(dir, &child, out)?;
        } else {
            out.push(child);
        }
    }
    Ok(())
}

/// Checks a snapshot directory: the manifest's signature with `check(manifest, signature)`
/// (the caller holds the trusted key), then every listed file's size and sha256, and that no
/// file is there that the manifest does not list.
pub fn verify(
    dir: &Path,
    check: impl FnOnce(&[u8], &str) -> Result<(), String>,
) -> Result<Manifest, SnapshotError> {
    let manifest_path = dir.join(MANIFEST);
    let bytes = std::fs::read(&manifest_path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => SnapshotError::Missing(MANIFEST.to_owned()),
        _ => io(&manifest_path)(e),
    })?;
    let sig_path = dir.join(SIGNATURE);
    let signature = std::fs::read_to_string(&sig_path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => SnapshotError::Missing(SIGNATURE.to_owned()),
        _ => io(&sig_path)(e),
    })?;
    check(&bytes, &signature).map_err(SnapshotError::Signature)?;
    let manifest: Manifest =
        serde_json::from_slice(&bytes).map_err(|e| SnapshotError::Manifest(e.to_string()))?;
    if manifest.format != FORMAT || manifest.version != VERSION {
        return Err(SnapshotError::Manifest(format!(
            "format `{}` version {} (expected `{FORMAT}` version {VERSION})",
            manifest.format, manifest.version
        )));
    }
    let mut listed: BTreeSet<&str> = [MANIFEST, SIGNATURE, PUBLIC_KEY].into_iter().collect();
    for f in &manifest.files {
        let p = safe_path(dir, &f.path)?;
        let (sha256, size) = hash_file(&p).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => SnapshotError::Missing(f.path.clone()),
            _ => io(&p)(e),
        })?;
        if size != f.size {
            return Err(SnapshotError::Tampered {
                path: f.path.clone(),
                message: format!("{size} bytes, the manifest says {}", f.size),
            });
        }
        if sha256 != f.sha256 {
            return Err(SnapshotError::Tampered {
                path: f.path.clone(),
                message: format!("sha256 {sha256}, the manifest says {}", f.sha256),
            });
        }
        listed.insert(&f.path);
    }
    let mut present = Vec::new();
    walk(dir, "", &mut present)?;
    present.sort();
    if let Some(extra) = present.iter().find(|p| !listed.contains(p.as_str())) {
        return Err(SnapshotError::Unlisted(extra.clone()));
    }
    Ok(manifest)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn group_keys_prefer_cves() {
        let g = |ids: &[&str]| ids.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            group_key(&g(&["CVE-2021-1", "GHSA-x", "PYSEC-1"])),
            "CVE-2021-1"
        );
        assert_eq!(group_key(&g(&["GHSA-x", "PYSEC-1"])), "GHSA-x");
    }

    #[test]
    fn ecosystem_dirs_are_safe() {
        assert_eq!(ecosystem_dir("Debian:12"), "Debian");
        assert_eq!(ecosystem_dir("crates.io"), "crates.io");
        assert_eq!(ecosystem_dir("../x"), "_.._x");
        assert_eq!(ecosystem_dir("GitHub Actions"), "GitHub_Actions");
    }

    #[test]
    fn manifest_paths_stay_inside() {
        let d = Path::new("/snap");
        assert!(safe_path(d, "osv/PyPI/all.zip").is_ok());
        assert!(safe_path(d, "../etc/passwd").is_err());
        assert!(safe_path(d, "/etc/passwd").is_err());
        assert!(safe_path(d, "").is_err());
    }
}

//! `feedgen`: a deterministic osv.dev-layout `all.zip` of N OSV records for `bench/feed.py`,
//! made by varying the 300 real advisories of `fixtures/advisories/` (PyPA YAML, Go and
//! RustSec JSON), and optionally a CycloneDX 1.5 SBOM whose components are drawn from the
//! corpus's packages.
//!
//! ```text
//! feedgen --records N --out all.zip [--fixtures DIR] [--seed S] [--packages P]
//!         [--level L] [--threads T] [--sbom FILE --components C]
//! ```
//!
//! Record `i` is template `t = i % 300` in copy `c = i / 300`. Copy 0 is the fixtures as they
//! are. In copy `c > 0`:
//!
//! * every id, alias, `related` and `upstream` id is renamed for the copy (`CVE-2021-43816` →
//!   `CVE-2021-{c}0043816`, `GHSA-…` → a GHSA id hashed from the old one and `c`, other ids
//!   with a numeric tail the same way as CVEs). Templates that alias each other in the
//!   fixtures (a PYSEC and its GO twin of one CVE) still do within a copy, so alias groups
//!   have the fixtures' shapes, never spanning copies;
//! * each package name gets a variant suffix `-b{k}`, `k` drawn (seeded) from `0..P/300` with
//!   a skew towards small `k` (popular packages have many records, most have few); `k = 0`
//!   keeps the original name. A Go package's `ecosystem_specific.imports[].path` and a
//!   `package.purl` follow the new name;
//! * the leading number of every SEMVER / ECOSYSTEM event (except `introduced: "0"`) and of
//!   every listed version is raised by `1 + c % 6`, so ranges keep their order and validity.
//!
//! Entries are `{id}.json`, pretty-printed (indent 2) like osv.dev's, deflated, with the DOS
//! epoch as their time: the same arguments give the same bytes. Every record is read back by
//! the feed's own OSV types before it is written. A JSON summary goes to stdout.

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use embargo_formats::osv::{self, OsvEvent, RangeKind, Vulnerability};
use serde_json::{Value, json};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, PreparedZipFile, ZipWriter};

/// splitmix64: seeds per record, so any record can be rebuilt on its own.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

struct Rng(u64);

impl Rng {
    fn new(seed: u64, stream: u64, i: u64) -> Rng {
        Rng(mix(seed ^ mix(stream ^ mix(i))))
    }
    fn next(&mut self) -> u64 {
        self.0 = mix(self.0);
        self.0
    }
    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

fn fnv(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// An id (record id, alias, related) as it is called in copy `c`.
fn remap(id: &str, c: usize) -> String {
    if c == 0 {
        return id.to_owned();
    }
    if id.starts_with("GHSA-") {
        const ALPHABET: &[u8] = b"23456789cfghjmpqrvwx";
        let mut h = mix(fnv(id) ^ mix(c as u64));
        let mut s = String::from("GHSA-");
        for k in 0..12 {
            if k > 0 && k % 4 == 0 {
                s.push('-');
            }
            s.push(char::from(ALPHABET[(h % 20) as usize]));
            h /= 20;
        }
        return s;
    }
    if let Some((head, tail)) = id.rsplit_once('-')
        && !tail.is_empty()
        && tail.len() <= 7
        && tail.bytes().all(|b| b.is_ascii_digit())
    {
        // The tail is padded to 7 digits, so `{c}{tail}` is unique for every (c, tail).
        return format!("{head}-{c}{tail:0>7}");
    }
    format!("{id}-b{c}")
}

/// Raises the leading number of a version (after an optional `v`) by `k`.
fn shift_version(v: &str, k: u64) -> String {
    let (prefix, rest) = match v.strip_prefix('v') {
        Some(r) => ("v", r),
        None => ("", v),
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 18 {
        return v.to_owned();
    }
    let Ok(n) = rest[..digits].parse::<u64>() else {
        return v.to_owned();
    };
    format!("{prefix}{}{}", n + k, &rest[digits..])
}

fn with_variant(name: &str, k: usize) -> String {
    if k == 0 {
        name.to_owned()
    } else {
        format!("{name}-b{k}")
    }
}

struct Templates {
    records: Vec<Vulnerability>,
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let mut entries = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<Vec<_>, _>>()?;
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out)?;
        } else if p
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e, "json" | "yaml" | "yml"))
        {
            out.push(p);
        }
    }
    Ok(())
}

impl Templates {
    fn load(dir: &Path) -> Result<Templates> {
        let mut files = Vec::new();
        walk(dir, &mut files)?;
        let mut records = Vec::new();
        for f in files {
            let text = std::fs::read_to_string(&f)?;
            let v = if f.extension().is_some_and(|e| e == "json") {
                osv::from_json(&text)
            } else {
                osv::from_yaml(&text)
            }
            .with_context(|| format!("template {}", f.display()))?;
            records.push(v);
        }
        if records.is_empty() {
            bail!("no OSV advisories under {}", dir.display());
        }
        Ok(Templates { records })
    }
}

struct Gen {
    templates: Templates,
    seed: u64,
    /// Package variants per template.
    variants: usize,
}

impl Gen {
    /// The package variant of record `i`: 0 in copy 0, else skewed towards small variants
    /// (density ~ 1/sqrt(k)), so a few packages have many records and most have few.
    fn variant(&self, i: usize) -> usize {
        if i < self.templates.records.len() {
            return 0;
        }
        let u = Rng::new(self.seed, 1, i as u64).unit();
        ((self.variants as f64) * u * u) as usize
    }

    fn record(&self, i: usize) -> Vulnerability {
        let n = self.templates.records.len();
        let (t, c) = (i % n, i / n);
        let mut v = self.templates.records[t].clone();
        if c == 0 {
            return v;
        }
        v.id = remap(&v.id, c);
        for list in [&mut v.aliases, &mut v.related, &mut v.upstream] {
            for a in list.iter_mut() {
                *a = remap(a, c);
            }
        }
        let k = self.variant(i);
        let shift = 1 + (c % 6) as u64;
        for a in &mut v.affected {
            if let Some(p) = &mut a.package {
                let old = p.name.clone();
                p.name = with_variant(&old, k);
                if let Some(purl) = &mut p.purl {
                    let cut = purl.find(['@', '?', '#']).unwrap_or(purl.len());
                    if k > 0 {
                        purl.insert_str(cut, &format!("-b{k}"));
                    }
                }
                if let Some(Value::Array(imports)) = a
                    .ecosystem_specific
                    .as_mut()
                    .and_then(|e| e.get_mut("imports"))
                {
                    for imp in imports {
                        if let Some(Value::String(path)) = imp.get_mut("path")
                            && let Some(rest) = path.strip_prefix(old.as_str())
                        {
                            *path = format!("{}{rest}", p.name);
                        }
                    }
                }
            }
            for r in &mut a.ranges {
                if r.kind == RangeKind::Git {
                    continue;
                }
                for e in &mut r.events {
                    let (OsvEvent::Introduced(s)
                    | OsvEvent::Fixed(s)
                    | OsvEvent::LastAffected(s)
                    | OsvEvent::Limit(s)) = e;
                    if s != "0" {
                        *s = shift_version(s, shift);
                    }
                }
            }
            for ver in &mut a.versions {
                *ver = shift_version(ver, shift);
            }
        }
        v
    }
}

struct Args {
    records: usize,
    out: PathBuf,
    fixtures: PathBuf,
    seed: u64,
    packages: Option<usize>,
    level: i64,
    threads: usize,
    sbom: Option<PathBuf>,
    components: usize,
}

fn parse_args() -> Result<Args> {
    let mut a = Args {
        records: 1_000_000,
        out: PathBuf::from("all.zip"),
        fixtures: PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../fixtures/advisories"
        )),
        seed: 1,
        packages: None,
        level: 6,
        threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        sbom: None,
        components: 5000,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut val = || it.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--records" => a.records = val()?.parse()?,
            "--out" => a.out = val()?.into(),
            "--fixtures" => a.fixtures = val()?.into(),
            "--seed" => a.seed = val()?.parse()?,
            "--packages" => a.packages = Some(val()?.parse()?),
            "--level" => a.level = val()?.parse()?,
            "--threads" => a.threads = val()?.parse::<usize>()?.max(1),
            "--sbom" => a.sbom = Some(val()?.into()),
            "--components" => a.components = val()?.parse()?,
            "-h" | "--help" => {
                println!(
                    "feedgen --records N --out all.zip [--fixtures DIR] [--seed S] [--packages P] \
                     [--level L] [--threads T] [--sbom FILE --components C]"
                );
                std::process::exit(0);
            }
            other => bail!("unknown argument {other}"),
        }
    }
    Ok(a)
}

/// One chunk of records, built and compressed on one thread.
struct Chunk {
    files: Vec<PreparedZipFile>,
    packages: Vec<String>,
    bytes: u64,
}

fn build_chunk(g: &Gen, range: std::ops::Range<usize>, opts: SimpleFileOptions) -> Result<Chunk> {
    let mut chunk = Chunk {
        files: Vec::with_capacity(range.len()),
        packages: Vec::new(),
        bytes: 0,
    };
    let mut buf = Vec::with_capacity(16 * 1024);
    for i in range {
        let v = g.record(i);
        buf.clear();
        serde_json::to_writer_pretty(&mut buf, &v)?;
        // Read back with the feed's OSV types: a generated record must stay valid OSV.
        let back: Vulnerability =
            serde_json::from_slice(&buf).with_context(|| format!("record {i} ({})", v.id))?;
        if back != v {
            bail!("record {i} ({}) does not round-trip", v.id);
        }
        for a in &v.affected {
            if let Some(p) = &a.package {
                chunk
                    .packages
                    .push(format!("{}\u{0}{}", p.ecosystem, p.name));
            }
        }
        chunk.bytes += buf.len() as u64;
        chunk.files.push(PreparedZipFile::from_data(
            format!("{}.json", v.id),
            opts,
            &buf,
        )?);
    }
    Ok(chunk)
}

fn purl_type(ecosystem: &str) -> Option<&'static str> {
    Some(match ecosystem {
        "PyPI" => "pypi",
        "Go" => "golang",
        "crates.io" => "cargo",
        "npm" => "npm",
        "Maven" => "maven",
        "RubyGems" => "gem",
        "NuGet" => "nuget",
        "Packagist" => "composer",
        _ => return None,
    })
}

fn pct(s: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric()
            || matches!(b, b'.' | b'-' | b'_' | b'~')
            || (keep_slash && b == b'/')
        {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A component for record `i`: the package of its first usable `affected[]` entry with an
/// affected version (`want_affected`) or a version outside the entry's ranges (its `fixed`
/// version, or `9999.0.0` when the entry states none).
fn component(
    g: &Gen,
    i: usize,
    want_affected: bool,
    rng: &mut Rng,
) -> Option<(String, String, String)> {
    let v = g.record(i);
    for a in &v.affected {
        let Some(p) = &a.package else { continue };
        let Some(ty) = purl_type(&p.ecosystem) else {
            continue;
        };
        // `stdlib`, `toolchain` and module paths without a `/` (`gitea.dev`) have no golang
        // purl (the type needs a namespace); the feed keys them `osv:Go/…`.
        if p.ecosystem == "Go" && !p.name.contains('/') {
            continue;
        }
        let mut introduced = None;
        let mut fixed = None;
        let mut last = None;
        for r in a.ranges.iter().filter(|r| r.kind != RangeKind::Git) {
            for e in &r.events {
                match e {
                    OsvEvent::Introduced(s) if introduced.is_none() && s != "0" => {
                        introduced = Some(s.clone())
                    }
                    OsvEvent::Fixed(s) if fixed.is_none() => fixed = Some(s.clone()),
                    OsvEvent::LastAffected(s) if last.is_none() => last = Some(s.clone()),
                    _ => {}
                }
            }
        }
        let has_numeric =
            !a.versions.is_empty() || a.ranges.iter().any(|r| r.kind != RangeKind::Git);
        if !has_numeric {
            continue;
        }
        let version = if want_affected {
            if !a.versions.is_empty() {
                a.versions[rng.below(a.versions.len())].clone()
            } else if let Some(s) = introduced.or(last) {
                s
            } else {
                "0.0.1".to_owned()
            }
        } else {
            fixed.unwrap_or_else(|| "9999.0.0".to_owned())
        };
        let (name, ver) = match ty {
            "pypi" => (p.name.to_lowercase().replace('_', "-"), version),
            "golang" => {
                let ver = if version.starts_with('v') {
                    version
                } else {
                    format!("v{version}")
                };
                (p.name.clone(), ver)
            }
            "maven" => (p.name.replacen(':', "/", 1), version),
            _ => (p.name.clone(), version),
        };
        let purl = format!("pkg:{ty}/{}@{}", pct(&name, true), pct(&ver, false));
        return Some((p.name.clone(), ver, purl));
    }
    None
}

fn write_sbom(g: &Gen, records: usize, count: usize, path: &Path) -> Result<Value> {
    let mut components = Vec::with_capacity(count);
    let mut affected_wanted = 0usize;
    for j in 0..count {
        let mut rng = Rng::new(g.seed, 2, j as u64);
        let want_affected = j % 2 == 0;
        // A package drawn uniformly among the corpus's (template, variant) packages, not in
        // proportion to its records: an application does not pick its dependencies by how
        // many advisories they have. Then one of that package's records gives the version.
        let n = g.templates.records.len();
        let mut found = None;
        for _ in 0..100_000 {
            let t = rng.below(n);
            let k = rng.below(g.variants);
            let copies: Vec<usize> = (t..records)
                .step_by(n)
                .filter(|&i| g.variant(i) == k)
                .collect();
            if copies.is_empty() {
                continue;
            }
            let i = copies[rng.below(copies.len())];
            if let Some(c) = component(g, i, want_affected, &mut rng) {
                found = Some(c);
                break;
            }
        }
        let Some((name, version, purl)) = found else {
            bail!("no record with a usable package for component {j}");
        };
        if want_affected {
            affected_wanted += 1;
        }
        components.push(json!({
            "type": "library",
            "bom-ref": format!("c{j}"),
            "name": name,
            "version": version,
            "purl": purl,
        }));
    }
    let distinct: HashSet<&str> = components
        .iter()
        .filter_map(|c| c.get("purl").and_then(Value::as_str))
        .collect();
    let distinct = distinct.len();
    let doc = json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
        "version": 1,
        "metadata": {
            "timestamp": "2025-01-01T00:00:00Z",
            "component": {"type": "application", "name": "feed-bench-app", "version": "1.0.0", "bom-ref": "app"},
        },
        "components": components,
    });
    let mut w = BufWriter::new(File::create(path)?);
    serde_json::to_writer_pretty(&mut w, &doc)?;
    w.flush()?;
    Ok(json!({
        "path": path.display().to_string(),
        "components": count,
        "distinct_purls": distinct,
        "drawn_as_affected": affected_wanted,
        "drawn_as_unaffected": count - affected_wanted,
    }))
}

fn main() -> Result<()> {
    let args = parse_args()?;
    let t0 = Instant::now();
    let templates = Templates::load(&args.fixtures)?;
    let n_templates = templates.records.len();
    let packages = args.packages.unwrap_or((args.records / 4).max(n_templates));
    let g = Gen {
        templates,
        seed: args.seed,
        variants: (packages / n_templates).max(1),
    };
    let opts = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(args.level))
        .last_modified_time(DateTime::default());
    let file =
        File::create(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    let mut zip = ZipWriter::new(BufWriter::with_capacity(1 << 20, file));
    let mut distinct: HashSet<String> = HashSet::new();
    let mut uncompressed = 0u64;
    const CHUNK: usize = 4096;
    let mut start = 0;
    while start < args.records {
        let end = (start + CHUNK * args.threads).min(args.records);
        let per = (end - start).div_ceil(args.threads);
        let chunks: Vec<Result<Chunk>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..args.threads)
                .map(|k| {
                    let lo = (start + k * per).min(end);
                    let hi = (lo + per).min(end);
                    let g = &g;
                    s.spawn(move || build_chunk(g, lo..hi, opts))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(anyhow::anyhow!("a worker panicked")))
                })
                .collect()
        });
        for c in chunks {
            let c = c?;
            uncompressed += c.bytes;
            distinct.extend(c.packages);
            zip.add_prepared_files(c.files)?;
        }
        start = end;
    }
    let mut w = zip.finish()?;
    w.flush()?;
    drop(w);
    let zip_bytes = std::fs::metadata(&args.out)?.len();
    let zip_seconds = t0.elapsed().as_secs_f64();
    let sbom = match &args.sbom {
        Some(p) => Some(write_sbom(&g, args.records, args.components, p)?),
        None => None,
    };
    let summary = json!({
        "records": args.records,
        "templates": n_templates,
        "copies": args.records.div_ceil(n_templates),
        "seed": args.seed,
        "package_variants_per_template": g.variants,
        "distinct_packages": distinct.len(),
        "zip": args.out.display().to_string(),
        "zip_bytes": zip_bytes,
        "uncompressed_json_bytes": uncompressed,
        "deflate_level": args.level,
        "threads": args.threads,
        "seconds": zip_seconds,
        "sbom": sbom,
    });
    println!("{}", serde_json::to_string_pretty(&summary)?);
    Ok(())
}

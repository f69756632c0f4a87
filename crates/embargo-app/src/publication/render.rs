//! Every public file of a publication, built in memory from the published records: the
//! advisory's own files (page, OSV, CVE 5, CSAF with `.sha256`/`.sha512`/`.asc`) and the
//! indexes rebuilt from every published advisory (`/advisories`, `index.json`, the Atom feed,
//! the CSAF provider layout, the OSV per-ecosystem export with `all.zip`, the hall of thanks).
//! No I/O: the service writes the result in one transaction.

use std::collections::BTreeMap;
use std::io::Write;

use askama::Template;
use embargo_domain::advisory::{Advisory, Status};
use embargo_formats::publisher::Publisher;
use embargo_formats::{atom, csaf, cve5, markdown, osv};
use embargo_store::advisory::NewFile;
use jiff::Timestamp;
use sha2::{Digest, Sha256, Sha512};

use crate::error::{AppError, AppResult};
use crate::page::Chrome;

pub const HTML: &str = "text/html; charset=utf-8";
pub const JSON: &str = "application/json";
pub const TEXT: &str = "text/plain; charset=utf-8";

/// A published advisory with what the pages need besides the record.
#[derive(Debug, Clone)]
pub struct Published {
    pub record: Advisory,
    pub row_id: i64,
    pub program_slug: String,
    pub program_name: String,
    pub publisher: Publisher,
}

pub fn file(
    path: impl Into<String>,
    advisory_id: Option<i64>,
    content_type: &str,
    body: Vec<u8>,
) -> NewFile {
    let sha256 = hex::encode(Sha256::digest(&body));
    NewFile {
        path: path.into(),
        advisory_id,
        content_type: content_type.to_owned(),
        body,
        sha256,
    }
}

fn json_bytes(v: &impl serde::Serialize) -> AppResult<Vec<u8>> {
    let mut out = serde_json::to_vec_pretty(v).map_err(AppError::internal)?;
    out.push(b'\n');
    Ok(out)
}

/// Signs bytes with the program's OpenPGP key (detached, armoured).
pub type Signer<'a> = &'a dyn Fn(&[u8]) -> AppResult<String>;

/// The CSAF path under `.well-known/csaf/white/`: `2026/obs-sa-2026-0001.json`.
pub fn csaf_rel(p: &Published) -> String {
    format!(
        "{}/{}",
        p.record.id.year(),
        Publisher::csaf_file_name(&p.record.id)
    )
}

/// The OSV ecosystem folders an advisory appears in (one per distinct ecosystem; products
/// outside any ecosystem are not in the OSV export).
fn ecosystems(a: &Advisory) -> Vec<String> {
    let mut e: Vec<String> = a
        .affected
        .iter()
        .map(|x| x.ecosystem.clone())
        .filter(|e| !e.is_empty())
        .collect();
    e.sort();
    e.dedup();
    e
}

pub struct SeverityBadge {
    pub label: String,
    pub class: String,
    pub score: String,
    pub vector: String,
}

fn badge(a: &Advisory) -> SeverityBadge {
    match a.primary_cvss() {
        Some(c) => {
            let label = c.severity.map_or("None", |s| s.label()).to_owned();
            SeverityBadge {
                class: label.to_lowercase(),
                label,
                score: format!("{:.1}", c.base_score),
                vector: c.vector,
            }
        }
        None => SeverityBadge {
            label: String::from("Unscored"),
            class: String::from("none"),
            score: String::new(),
            vector: String::new(),
        },
    }
}

#[derive(Template)]
#[template(path = "publication/advisory.html")]
struct AdvisoryPage<'a> {
    chrome: Chrome,
    a: &'a Advisory,
    program_slug: &'a str,
    program_name: &'a str,
    badge: SeverityBadge,
    details_html: String,
    workarounds_html: String,
    /// (product, affected ranges, fixed versions)
    table: Vec<(String, String, String)>,
    credits: Vec<(String, String, Option<String>)>,
    csaf_url: String,
    withdrawn: bool,
    published: String,
    modified: String,
}

fn day(t: Option<Timestamp>) -> String {
    t.map(|t| t.strftime("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// The advisory's own files.
pub fn advisory_files(p: &Published, sign: Signer<'_>, now: Timestamp) -> AppResult<Vec<NewFile>> {
    let a = &p.record;
    let id = a.id.as_str();
    let rid = Some(p.row_id);
    let mut out = Vec::new();

    let page = AdvisoryPage {
        chrome: Chrome::new(format!("{id}: {}", a.title), ""),
        a,
        program_slug: &p.program_slug,
        program_name: &p.program_name,
        badge: badge(a),
        details_html: markdown::to_html(&a.details),
        workarounds_html: markdown::to_html(&a.workarounds),
        table: a
            .affected
            .iter()
            .map(|x| {
                let name = if x.ecosystem.is_empty() {
                    x.name.clone()
                } else {
                    format!("{} ({})", x.name, x.ecosystem)
                };
                (
                    name,
                    x.describe_ranges().join("; "),
                    x.fixed_versions().join(", "),
                )
            })
            .collect(),
        credits: a
            .public_credits()
            .map(|c| (c.name.clone(), c.kind.cve_name(), c.contact.clone()))
            .collect(),
        csaf_url: format!("/.well-known/csaf/white/{}", csaf_rel(p)),
        withdrawn: a.status == Status::Withdrawn,
        published: day(a.published),
        modified: day(Some(a.modified)),
    };
    out.push(file(
        format!("advisories/{id}"),
        rid,
        HTML,
        page.render().map_err(AppError::internal)?.into_bytes(),
    ));

    let osv_doc = osv::from_advisory(a, &p.publisher);
    let osv_bytes = json_bytes(&osv_doc)?;
    out.push(file(
        format!("advisories/{id}.json"),
        rid,
        JSON,
        osv_bytes.clone(),
    ));
    for eco in ecosystems(a) {
        out.push(file(
            format!("osv/{eco}/{id}.json"),
            rid,
            JSON,
            osv_bytes.clone(),
        ));
    }

    if let Some(cve) = a.cve_id() {
        let rec = cve5::record(a, &p.publisher, cve, a.published.unwrap_or(now));
        out.push(file(
            format!("advisories/{id}.cve.json"),
            rid,
            JSON,
            json_bytes(&rec)?,
        ));
    }

    let doc = csaf::render(a, &p.publisher, now);
    // A trusted provider must not serve a document that fails the mandatory tests (§6.1):
    // publication stops here, with the failures, rather than publishing it.
    let failures = csaf::validate::validate(&doc);
    if !failures.is_empty() {
        let list: Vec<String> = failures.iter().map(ToString::to_string).collect();
        return Err(AppError::Unprocessable {
            field: None,
            message: format!(
                "the CSAF document of {id} fails the CSAF 2.0 mandatory tests: {}",
                list.join("; ")
            ),
        });
    }
    let bytes = json_bytes(&doc)?;
    let rel = csaf_rel(p);
    let base = format!(".well-known/csaf/white/{rel}");
    out.push(file(
        format!("{base}.sha256"),
        rid,
        TEXT,
        format!(
            "{}  {}\n",
            hex::encode(Sha256::digest(&bytes)),
            Publisher::csaf_file_name(&a.id)
        )
        .into_bytes(),
    ));
    out.push(file(
        format!("{base}.sha512"),
        rid,
        TEXT,
        format!(
            "{}  {}\n",
            hex::encode(Sha512::digest(&bytes)),
            Publisher::csaf_file_name(&a.id)
        )
        .into_bytes(),
    ));
    out.push(file(
        format!("{base}.asc"),
        rid,
        TEXT,
        sign(&bytes)?.into_bytes(),
    ));
    out.push(file(
        format!("advisories/{id}.csaf.json"),
        rid,
        JSON,
        bytes.clone(),
    ));
    out.push(file(base, rid, JSON, bytes));
    Ok(out)
}

#[derive(Template)]
#[template(path = "publication/index.html")]
struct IndexPage {
    chrome: Chrome,
    heading: String,
    rows: Vec<IndexRow>,
}

pub struct IndexRow {
    pub id: String,
    pub title: String,
    pub program: String,
    pub badge: SeverityBadge,
    pub published: String,
    pub withdrawn: bool,
    pub aliases: String,
}

fn index_rows(all: &[&Published]) -> Vec<IndexRow> {
    all.iter()
        .map(|p| IndexRow {
            id: p.record.id.to_string(),
            title: p.record.title.clone(),
            program: p.program_name.clone(),
            badge: badge(&p.record),
            published: day(p.record.published),
            withdrawn: p.record.status == Status::Withdrawn,
            aliases: p.record.aliases.join(", "),
        })
        .collect()
}

/// (name, contact, advisory id, what they did).
type Thanked = (String, Option<String>, String, String);

#[derive(Template)]
#[template(path = "publication/thanks.html")]
struct ThanksPage {
    chrome: Chrome,
    /// (year, [(name, contact, advisory id, kind)])
    years: Vec<(String, Vec<Thanked>)>,
}

#[derive(serde::Serialize)]
struct IndexEntry<'a> {
    id: &'a str,
    title: &'a str,
    program: &'a str,
    aliases: &'a [String],
    severity: Option<String>,
    published: Option<Timestamp>,
    modified: Timestamp,
    withdrawn: Option<Timestamp>,
    url: String,
    osv: String,
    csaf: String,
}

/// The indexes, rebuilt from every published advisory (`all`, newest first). `main` is the
/// instance's publisher (the default program's), which the CSAF provider metadata names.
pub fn index_files(
    all: &[Published],
    main: &Publisher,
    pgp_keys: &[(String, String)],
    now: Timestamp,
) -> AppResult<Vec<NewFile>> {
    let mut out = Vec::new();
    let refs: Vec<&Published> = all.iter().collect();
    let page = IndexPage {
        chrome: Chrome::new("Security advisories", ""),
        heading: String::from("Security advisories"),
        rows: index_rows(&refs),
    };
    out.push(file(
        "advisories",
        None,
        HTML,
        page.render().map_err(AppError::internal)?.into_bytes(),
    ));

    let mut by_program: BTreeMap<&str, Vec<&Published>> = BTreeMap::new();
    for p in all {
        by_program
            .entry(p.program_slug.as_str())
            .or_default()
            .push(p);
    }
    for (slug, list) in &by_program {
        let name = list
            .first()
            .map(|p| p.program_name.clone())
            .unwrap_or_default();
        let page = IndexPage {
            chrome: Chrome::new(format!("Security advisories · {name}"), ""),
            heading: format!("Security advisories of {name}"),
            rows: index_rows(list),
        };
        out.push(file(
            format!("p/{slug}/advisories"),
            None,
            HTML,
            page.render().map_err(AppError::internal)?.into_bytes(),
        ));
    }

    let entries: Vec<IndexEntry<'_>> = all
        .iter()
        .map(|p| IndexEntry {
            id: p.record.id.as_str(),
            title: &p.record.title,
            program: &p.program_slug,
            aliases: &p.record.aliases,
            severity: p
                .record
                .primary_cvss()
                .and_then(|c| c.severity)
                .map(|s| s.label().to_owned()),
            published: p.record.published,
            modified: p.record.modified,
            withdrawn: p.record.withdrawn,
            url: p.publisher.advisory_url(&p.record.id),
            osv: format!("{}.json", p.publisher.advisory_url(&p.record.id)),
            csaf: p.publisher.csaf_url(&p.record.id),
        })
        .collect();
    out.push(file(
        "advisories/index.json",
        None,
        JSON,
        json_bytes(&serde_json::json!({ "advisories": entries }))?,
    ));

    let feed = atom::Feed {
        id: format!("{}/advisories/feed.atom", main.base_url),
        title: format!("{} security advisories", main.name),
        link: format!("{}/advisories", main.base_url),
        updated: all.iter().map(|p| p.record.modified).max().unwrap_or(now),
        author: atom::Person {
            name: main.name.clone(),
            uri: Some(main.base_url.clone()),
            email: None,
        },
        entries: all
            .iter()
            .map(|p| atom::Entry {
                id: p.publisher.advisory_url(&p.record.id),
                title: format!(
                    "{}: {}{}",
                    p.record.id,
                    p.record.title,
                    if p.record.status == Status::Withdrawn {
                        " (withdrawn)"
                    } else {
                        ""
                    }
                ),
                link: p.publisher.advisory_url(&p.record.id),
                updated: p.record.modified,
                published: p.record.published,
                summary: p.record.summary.clone(),
                severity: p
                    .record
                    .primary_cvss()
                    .and_then(|c| c.severity)
                    .map(|s| s.label().to_owned()),
            })
            .collect(),
    };
    out.push(file(
        "advisories/feed.atom",
        None,
        "application/atom+xml",
        feed.render().into_bytes(),
    ));

    // CSAF trusted provider (CSAF 2.0 §7.1).
    let dist: Vec<csaf::distribution::DistEntry> = all
        .iter()
        .map(|p| csaf::distribution::DistEntry {
            id: p.record.id.clone(),
            title: p.record.title.clone(),
            path_in_white: csaf_rel(p),
            initial: p.record.published.unwrap_or(p.record.modified),
            current: p.record.modified,
        })
        .collect();
    let last = all.iter().map(|p| p.record.modified).max().unwrap_or(now);
    out.push(file(
        ".well-known/csaf/provider-metadata.json",
        None,
        JSON,
        json_bytes(&csaf::distribution::provider_metadata(main, last, pgp_keys))?,
    ));
    out.push(file(
        ".well-known/csaf/white/index.txt",
        None,
        TEXT,
        csaf::distribution::index_txt(&dist).into_bytes(),
    ));
    out.push(file(
        ".well-known/csaf/white/changes.csv",
        None,
        "text/csv; charset=utf-8",
        csaf::distribution::changes_csv(&dist).into_bytes(),
    ));
    out.push(file(
        ".well-known/csaf/white/feed-tlp-white.json",
        None,
        JSON,
        json_bytes(&csaf::distribution::rolie_feed(main, &dist, now))?,
    ));

    // OSV export: {ecosystem}/{id}.json (written with each advisory) and all.zip per ecosystem.
    let mut per_eco: BTreeMap<String, Vec<&Published>> = BTreeMap::new();
    for p in all {
        for e in ecosystems(&p.record) {
            per_eco.entry(e).or_default().push(p);
        }
    }
    for (eco, list) in per_eco {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip::DateTime::default());
        let mut sorted = list;
        sorted.sort_by(|a, b| a.record.id.cmp(&b.record.id));
        for p in sorted {
            zip.start_file(format!("{}.json", p.record.id), opts)
                .map_err(AppError::internal)?;
            zip.write_all(&json_bytes(&osv::from_advisory(&p.record, &p.publisher))?)
                .map_err(AppError::internal)?;
        }
        let bytes = zip.finish().map_err(AppError::internal)?.into_inner();
        out.push(file(
            format!("osv/{eco}/all.zip"),
            None,
            "application/zip",
            bytes,
        ));
    }

    // Hall of thanks: consented credits, grouped by year of publication.
    let mut years: BTreeMap<String, Vec<Thanked>> = BTreeMap::new();
    for p in all.iter().filter(|p| p.record.status != Status::Withdrawn) {
        let year = day(p.record.published).chars().take(4).collect::<String>();
        for c in p.record.public_credits() {
            years.entry(year.clone()).or_default().push((
                c.name.clone(),
                c.contact.clone(),
                p.record.id.to_string(),
                c.kind.cve_name(),
            ));
        }
    }
    let thanks = ThanksPage {
        chrome: Chrome::new("Hall of thanks", ""),
        years: years.into_iter().rev().collect(),
    };
    out.push(file(
        "thanks",
        None,
        HTML,
        thanks.render().map_err(AppError::internal)?.into_bytes(),
    ));
    Ok(out)
}

/// The signed manifest: every published file with its sha256 and size (`manifest.json`,
/// `manifest.json.minisig`).
pub fn manifest(list: &[(String, String, String, i64)], now: Timestamp) -> AppResult<Vec<u8>> {
    let files: Vec<serde_json::Value> = list
        .iter()
        .filter(|(path, ..)| !path.starts_with("advisories/manifest.json"))
        .map(|(path, ty, sha, size)| serde_json::json!({ "path": format!("/{path}"), "content_type": ty, "sha256": sha, "size": size }))
        .collect();
    json_bytes(&serde_json::json!({ "generated": now, "files": files }))
}

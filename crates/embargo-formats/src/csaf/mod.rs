//! The canonical advisory as a CSAF 2.0 `csaf_security_advisory` (OASIS CSAF 2.0 §4.3), and
//! the trusted-provider distribution files (§7.1): provider metadata, `index.txt`,
//! `changes.csv` and the ROLIE feed.
//!
//! Mapping: `tracking.version` is the number of the latest revision (integer versioning,
//! §3.1.11.2); a withdrawn advisory stays `final` with a "Withdrawn: …" revision and a
//! general note (CSAF 2.0 has no withdrawn status). CVSS 4.0 vectors have no slot in CSAF 2.0
//! and go into a vulnerability note. Only consented credits become acknowledgments.
//!
//! Submodules: [`validate`] runs the §6.1 mandatory tests over any CSAF document, [`vex`]
//! exports a `csaf_vex` document (§4.5) from an advisory and product status statements, and
//! [`ingest`] reads third-party CSAF documents into OSV records for the feed.

pub mod ingest;
pub mod validate;
pub mod vex;

use embargo_domain::advisory::{Advisory, RangeEvent, Status};
use serde_json::{Value, json};

use crate::publisher::Publisher;

pub(crate) fn ts(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// A few CWE names (the CSAF `cwe` object needs one); others are named by their id.
fn cwe_name(id: &str) -> String {
    known_cwe_name(id).unwrap_or(id).to_owned()
}

/// The name of a CWE from the small table Embargo carries (CWE list 4.x), used by the export
/// and by the §6.1.11 test; `None` for ids outside the table.
pub(crate) fn known_cwe_name(id: &str) -> Option<&'static str> {
    Some(match id {
        "CWE-20" => "Improper Input Validation",
        "CWE-22" => {
            "Improper Limitation of a Pathname to a Restricted Directory ('Path Traversal')"
        }
        "CWE-78" => {
            "Improper Neutralization of Special Elements used in an OS Command ('OS Command Injection')"
        }
        "CWE-79" => {
            "Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')"
        }
        "CWE-89" => {
            "Improper Neutralization of Special Elements used in an SQL Command ('SQL Injection')"
        }
        "CWE-125" => "Out-of-bounds Read",
        "CWE-287" => "Improper Authentication",
        "CWE-352" => "Cross-Site Request Forgery (CSRF)",
        "CWE-416" => "Use After Free",
        "CWE-434" => "Unrestricted Upload of File with Dangerous Type",
        "CWE-502" => "Deserialization of Untrusted Data",
        "CWE-787" => "Out-of-bounds Write",
        "CWE-862" => "Missing Authorization",
        "CWE-918" => "Server-Side Request Forgery (SSRF)",
        "CWE-611" => "Improper Restriction of XML External Entity Reference",
        "CWE-863" => "Incorrect Authorization",
        "CWE-200" => "Exposure of Sensitive Information to an Unauthorized Actor",
        "CWE-400" => "Uncontrolled Resource Consumption",
        "CWE-476" => "NULL Pointer Dereference",
        "CWE-94" => "Improper Control of Generation of Code ('Code Injection')",
        _ => return None,
    })
}

fn cvss3(c: &embargo_domain::cvss::Cvss) -> Value {
    let sev = c.severity.map_or("NONE", |s| match s {
        embargo_domain::policy::Severity::Low => "LOW",
        embargo_domain::policy::Severity::Medium => "MEDIUM",
        embargo_domain::policy::Severity::High => "HIGH",
        embargo_domain::policy::Severity::Critical => "CRITICAL",
    });
    json!({ "version": c.version.as_str(), "vectorString": c.vector, "baseScore": c.base_score, "baseSeverity": sev })
}

/// The `document` object of an advisory's CSAF documents (§3.2.1), shared by the security
/// advisory and the VEX export ([`vex`]), which changes the category and the references.
pub(crate) fn document(a: &Advisory, p: &Publisher, now: jiff::Timestamp) -> Value {
    let draft = a.status == Status::Draft || a.revisions.is_empty();
    let revisions: Vec<Value> = if a.revisions.is_empty() {
        vec![json!({ "number": "0", "date": ts(a.modified), "summary": "Draft" })]
    } else {
        a.revisions.iter().map(|r| json!({ "number": r.number.to_string(), "date": ts(r.date), "summary": r.summary })).collect()
    };
    let version = a
        .revisions
        .last()
        .map_or(String::from("0"), |r| r.number.to_string());
    let mut notes = vec![
        json!({ "category": "summary", "title": "Summary", "text": if a.summary.is_empty() { &a.title } else { &a.summary } }),
    ];
    if !a.details.is_empty() {
        notes.push(json!({ "category": "description", "title": "Details", "text": a.details }));
    }
    if !a.workarounds.is_empty() {
        notes.push(json!({ "category": "general", "title": "Workarounds", "text": a.workarounds }));
    }
    if a.status == Status::Withdrawn {
        notes.push(json!({ "category": "general", "title": "Withdrawn", "text": "This advisory has been withdrawn." }));
    }
    let mut publisher = json!({ "category": "vendor", "name": p.name, "namespace": p.base_url });
    if let Some(c) = &p.contact {
        publisher["contact_details"] = json!(c);
    }
    let mut document = json!({
        "category": "csaf_security_advisory",
        "csaf_version": "2.0",
        "lang": "en",
        "title": a.title,
        "publisher": publisher,
        "distribution": { "tlp": { "label": "WHITE" } },
        "notes": notes,
        "references": [
            { "category": "self", "summary": "This CSAF document", "url": p.csaf_url(&a.id) },
            { "category": "external", "summary": "The advisory page", "url": p.advisory_url(&a.id) },
        ],
        "tracking": {
            "id": a.id.as_str(),
            "status": if draft { "draft" } else { "final" },
            "version": version,
            "initial_release_date": ts(a.published.unwrap_or(a.modified)),
            "current_release_date": ts(a.modified),
            "revision_history": revisions,
            "generator": { "engine": { "name": "Embargo", "version": env!("CARGO_PKG_VERSION") }, "date": ts(now) },
        },
    });
    let acks: Vec<Value> = a
        .public_credits()
        .map(|c| {
            let mut o = json!({ "names": [c.name], "summary": c.kind.cve_name() });
            if let Some(u) = c
                .contact
                .as_ref()
                .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
            {
                o["urls"] = json!([u]);
            }
            o
        })
        .collect();
    if !acks.is_empty() {
        document["acknowledgments"] = json!(acks);
    }
    document
}

/// The CSAF document of an advisory.
pub fn render(a: &Advisory, p: &Publisher, now: jiff::Timestamp) -> Value {
    let document = document(a, p, now);

    // Product tree: vendor → product → version ranges (affected) and versions (fixed).
    let mut next = 0;
    let mut pid = || {
        next += 1;
        format!("CSAFPID-{next:04}")
    };
    let (mut affected_ids, mut fixed_ids, mut products) = (Vec::new(), Vec::new(), Vec::new());
    for x in &a.affected {
        let mut branches = Vec::new();
        for r in &x.ranges {
            let mut lo: Option<&str> = None;
            for e in &r.events {
                let range = match e {
                    RangeEvent::Introduced(v) => {
                        lo = Some(v);
                        continue;
                    }
                    RangeEvent::Fixed(v) | RangeEvent::Limit(v) => bound(lo.take(), "<", v),
                    RangeEvent::LastAffected(v) => bound(lo.take(), "<=", v),
                };
                let id = pid();
                affected_ids.push(id.clone());
                branches.push(json!({ "category": "product_version_range", "name": range, "product": { "product_id": id, "name": format!("{} {range}", x.name) } }));
            }
            if let Some(l) = lo {
                let range = if l == "0" {
                    String::from("vers:all/*")
                } else {
                    format!(">={l}")
                };
                let id = pid();
                affected_ids.push(id.clone());
                branches.push(json!({ "category": "product_version_range", "name": range, "product": { "product_id": id, "name": format!("{} {range}", x.name) } }));
            }
        }
        for v in &x.versions {
            let id = pid();
            affected_ids.push(id.clone());
            branches.push(json!({ "category": "product_version", "name": v, "product": { "product_id": id, "name": format!("{} {v}", x.name) } }));
        }
        for v in x.fixed_versions() {
            let id = pid();
            fixed_ids.push(id.clone());
            let mut product = json!({ "product_id": id, "name": format!("{} {v}", x.name) });
            if let Some(purl) = &x.purl {
                product["product_identification_helper"] = json!({ "purl": format!("{purl}@{v}") });
            }
            branches.push(json!({ "category": "product_version", "name": v, "product": product }));
        }
        if !branches.is_empty() {
            products
                .push(json!({ "category": "product_name", "name": x.name, "branches": branches }));
        }
    }
    let mut out = json!({ "document": document });
    if !products.is_empty() {
        out["product_tree"] =
            json!({ "branches": [{ "category": "vendor", "name": p.name, "branches": products }] });
    }

    let mut v = json!({ "title": a.title, "notes": [{ "category": "description", "title": "Summary", "text": if a.summary.is_empty() { &a.title } else { &a.summary } }] });
    if let Some(cve) = a.cve_id() {
        v["cve"] = json!(cve);
    }
    let ghsa: Vec<Value> = a
        .aliases
        .iter()
        .filter(|x| x.starts_with("GHSA-"))
        .map(|x| json!({ "system_name": "GitHub Security Advisory", "text": x }))
        .collect();
    if !ghsa.is_empty() {
        v["ids"] = json!(ghsa);
    }
    if let Some(c) = a.cwes.first() {
        v["cwe"] = json!({ "id": c, "name": cwe_name(c) });
    }
    let mut status = json!({});
    if !affected_ids.is_empty() {
        status["known_affected"] = json!(affected_ids);
    }
    if !fixed_ids.is_empty() {
        status["fixed"] = json!(fixed_ids);
    }
    if status.as_object().is_some_and(|o| !o.is_empty()) {
        v["product_status"] = status;
    }
    let parsed: Vec<_> = a
        .cvss
        .iter()
        .filter_map(|x| embargo_domain::cvss::parse(x).ok())
        .collect();
    if let Some(c) = parsed.iter().find(|c| {
        c.version == embargo_domain::cvss::Version::V3_1
            || c.version == embargo_domain::cvss::Version::V3_0
    }) && !affected_ids.is_empty()
    {
        v["scores"] = json!([{ "products": affected_ids, "cvss_v3": cvss3(c) }]);
    }
    for c in parsed
        .iter()
        .filter(|c| c.version == embargo_domain::cvss::Version::V4_0)
    {
        if let Some(n) = v["notes"].as_array_mut() {
            n.push(json!({ "category": "other", "title": "CVSS 4.0", "text": format!("{} (base score {:.1})", c.vector, c.base_score) }));
        }
    }
    if !affected_ids.is_empty() && !fixed_ids.is_empty() {
        let fixes: Vec<String> = a.affected.iter().flat_map(|x| x.fixed_versions()).collect();
        v["remediations"] = json!([{ "category": "vendor_fix", "details": format!("Upgrade to a fixed version: {}.", fixes.join(", ")), "product_ids": affected_ids, "url": p.advisory_url(&a.id) }]);
    }
    let refs: Vec<Value> = a
        .references
        .iter()
        .map(|r| json!({ "category": "external", "summary": r.kind.as_str(), "url": r.url }))
        .collect();
    if !refs.is_empty() {
        v["references"] = json!(refs);
    }
    if let Some(pu) = a.published {
        v["release_date"] = json!(ts(pu));
    }
    out["vulnerabilities"] = json!([v]);
    out
}

fn bound(lo: Option<&str>, op: &str, hi: &str) -> String {
    match lo {
        None | Some("0") => format!("{op}{hi}"),
        Some(l) => format!(">={l}|{op}{hi}"),
    }
}

/// The distribution files of a CSAF trusted provider (CSAF 2.0 §7.1).
pub mod distribution {
    use embargo_domain::advisory::AdvisoryId;
    use jiff::Timestamp;
    use serde_json::{Value, json};

    use super::ts;
    use crate::publisher::Publisher;

    /// One published document.
    #[derive(Debug, Clone)]
    pub struct DistEntry {
        pub id: AdvisoryId,
        pub title: String,
        /// Relative to the `white` folder: `2026/obs-sa-2026-0001.json`.
        pub path_in_white: String,
        pub initial: Timestamp,
        pub current: Timestamp,
    }

    /// `provider-metadata.json` (§7.1.7) for a trusted provider with one TLP:WHITE ROLIE feed.
    pub fn provider_metadata(
        p: &Publisher,
        last_updated: Timestamp,
        keys: &[(String, String)],
    ) -> Value {
        let mut publisher =
            json!({ "category": "vendor", "name": p.name, "namespace": p.base_url });
        if let Some(c) = &p.contact {
            publisher["contact_details"] = json!(c);
        }
        let mut o = json!({
            "canonical_url": p.provider_metadata_url(),
            "distributions": [{ "rolie": { "feeds": [{
                "summary": "WHITE advisories",
                "tlp_label": "WHITE",
                "url": format!("{}/.well-known/csaf/white/feed-tlp-white.json", p.base_url),
            }] } }],
            "last_updated": ts(last_updated),
            "list_on_CSAF_aggregators": true,
            "metadata_version": "2.0",
            "mirror_on_CSAF_aggregators": true,
            "publisher": publisher,
            "role": "csaf_trusted_provider",
        });
        if !keys.is_empty() {
            o["public_openpgp_keys"] = json!(
                keys.iter()
                    .map(|(f, u)| json!({ "fingerprint": f, "url": u }))
                    .collect::<Vec<_>>()
            );
        }
        o
    }

    /// `index.txt` (§7.1.13): every document path, one per line.
    pub fn index_txt(entries: &[DistEntry]) -> String {
        let mut paths: Vec<&str> = entries.iter().map(|e| e.path_in_white.as_str()).collect();
        paths.sort_unstable();
        paths.iter().map(|p| format!("{p}\n")).collect()
    }

    /// `changes.csv` (§7.1.14): path and current release date, newest first.
    pub fn changes_csv(entries: &[DistEntry]) -> String {
        let mut e: Vec<&DistEntry> = entries.iter().collect();
        e.sort_by(|a, b| {
            b.current
                .cmp(&a.current)
                .then(a.path_in_white.cmp(&b.path_in_white))
        });
        e.iter()
            .map(|e| format!("\"{}\",\"{}\"\n", e.path_in_white, ts(e.current)))
            .collect()
    }

    /// The ROLIE feed (§7.1.20) of the TLP:WHITE documents.
    pub fn rolie_feed(p: &Publisher, entries: &[DistEntry], now: Timestamp) -> Value {
        let base = format!("{}/.well-known/csaf/white", p.base_url);
        json!({ "feed": {
            "id": format!("{}-csaf-feed-tlp-white", p.name.to_lowercase().replace(' ', "-")),
            "title": format!("{} CSAF feed (TLP:WHITE)", p.name),
            "link": [{ "rel": "self", "href": format!("{base}/feed-tlp-white.json") }],
            "category": [{ "scheme": "urn:ietf:params:rolie:category:information-type", "term": "csaf" }],
            "updated": ts(entries.iter().map(|e| e.current).max().unwrap_or(now)),
            "entry": entries.iter().map(|e| json!({
                "id": e.id.as_str(),
                "title": e.title,
                "link": [{ "rel": "self", "href": format!("{base}/{}", e.path_in_white) }],
                "published": ts(e.initial),
                "updated": ts(e.current),
                "content": { "type": "application/json", "src": format!("{base}/{}", e.path_in_white) },
                "format": { "schema": "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json", "version": "2.0" },
            })).collect::<Vec<_>>(),
        } })
    }
}

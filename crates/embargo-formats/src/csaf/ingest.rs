//! Third-party CSAF 2.0 documents (any category) read into OSV records for the feed: one
//! record per `vulnerabilities[]` item that has a `cve` or an `ids` entry.
//!
//! Mapping: the id is the CVE (else the first `ids[].text`), the other identifiers are
//! aliases; `summary` is the first note of category `summary` (else the title), `details` the
//! notes of category description/details/general; CVSS v2/v3 vectors become `severity`;
//! `modified` is the document's `current_release_date`, `published` the vulnerability's
//! `release_date` (else the document's `initial_release_date`).
//!
//! Products (§3.1.2.3, §3.2.3.9): a product with a `product_identification_helper.purl` whose
//! type has an OSV ecosystem becomes `affected[].package` (one entry per package). Its version
//! comes from the purl, else from its `product_version` branch. Affected products
//! (`known_affected`, `first_affected`, `last_affected`) add `versions`; a
//! `product_version_range` branch written in `vers:` (§3.1.2.3 recommends it) becomes a range;
//! an affected product with neither is affected in every version. Fixed products (`fixed`,
//! `first_fixed`) add `fixed` events to one range starting at `0`: CSAF does not say where each
//! release line's problem began, so the OSV range is only as precise as the document.
//! Everything that cannot be a package (no purl, or a purl type without OSV ecosystem) is kept
//! under `database_specific.csaf.products` with its status; so are `vers:` ranges OSV events
//! cannot express (`>`, `!=`).

use std::collections::BTreeMap;

use embargo_domain::purl::Purl;
use embargo_domain::version::scheme_for_osv_ecosystem;
use serde_json::{Value, json};

use super::validate::{Tree, arr, strs, text};
use crate::osv::{
    Affected, Credit, OsvEvent, OsvRange, Package, RangeKind, Reference, Severity, Vulnerability,
};

/// Why a CSAF document could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CsafIngestError {
    #[error("not valid JSON: {0}")]
    Json(#[source] serde_json::Error),
    #[error("CSAF document {document}: {message} at `{path}`")]
    Document {
        /// `/document/tracking/id`, or `<unknown id>`.
        document: String,
        /// JSON pointer of the problem, e.g. `/vulnerabilities/0/product_status/fixed/2`.
        path: String,
        message: String,
    },
}

/// Reads a CSAF document from JSON text; see [`to_osv`].
pub fn from_json(text: &str) -> Result<Vec<Vulnerability>, CsafIngestError> {
    let doc: Value = serde_json::from_str(text).map_err(CsafIngestError::Json)?;
    to_osv(&doc)
}

const AFFECTED: &[&str] = &["known_affected", "first_affected", "last_affected"];
const FIXED: &[&str] = &["fixed", "first_fixed"];

/// What the product tree says about one product id.
struct Product<'a> {
    name: &'a str,
    purl: Option<Purl>,
    /// The nearest `product_version` or `product_version_range` branch: (category, name).
    version_branch: Option<(&'a str, &'a str)>,
}

/// One package being assembled.
#[derive(Default)]
struct Pkg {
    purl: String,
    versions: Vec<String>,
    fixed: Vec<String>,
    all_versions: bool,
    ranges: Vec<OsvRange>,
}

/// The OSV records of a CSAF document (see the module documentation).
pub fn to_osv(doc: &Value) -> Result<Vec<Vulnerability>, CsafIngestError> {
    let id = doc
        .pointer("/document/tracking/id")
        .and_then(Value::as_str)
        .unwrap_or("<unknown id>")
        .to_owned();
    let err = |path: String, message: String| CsafIngestError::Document {
        document: id.clone(),
        path,
        message,
    };
    let required = |ptr: &str| {
        doc.pointer(ptr)
            .and_then(Value::as_str)
            .ok_or_else(|| err(ptr.to_owned(), "missing (a string is required)".to_owned()))
    };
    required("/document/tracking/id")?;
    let modified = required("/document/tracking/current_release_date")?;
    let initial = doc
        .pointer("/document/tracking/initial_release_date")
        .and_then(Value::as_str);
    let d = &doc["document"];

    let tree = Tree::of(doc);
    let mut products: BTreeMap<&str, Product<'_>> = BTreeMap::new();
    for p in &tree.products {
        let Some(pid) = p.id else { continue };
        let purl = match p
            .value
            .get("product_identification_helper")
            .and_then(|h| text(h, "purl"))
        {
            None => None,
            Some(s) => Some(Purl::parse_lenient(s).map_err(|e| {
                err(
                    format!("{}/product_identification_helper/purl", p.path),
                    format!("`{s}` is not a valid purl: {e}"),
                )
            })?),
        };
        let version_branch = p
            .branches
            .iter()
            .rev()
            .find(|(c, _)| matches!(*c, "product_version" | "product_version_range"))
            .copied();
        products.entry(pid).or_insert(Product {
            name: text(p.value, "name").unwrap_or(pid),
            purl,
            version_branch,
        });
    }

    let doc_refs: Vec<Reference> = arr(d, "references").iter().filter_map(reference).collect();
    let mut out = Vec::new();
    for (v, vuln) in arr(doc, "vulnerabilities").iter().enumerate() {
        let mut idents: Vec<String> = text(vuln, "cve").map(str::to_owned).into_iter().collect();
        idents.extend(
            arr(vuln, "ids")
                .iter()
                .filter_map(|x| text(x, "text"))
                .map(str::to_owned),
        );
        idents.dedup();
        let Some(osv_id) = idents.first().cloned() else {
            continue;
        };
        let notes = arr(vuln, "notes");
        let note = |cats: &[&str]| {
            notes
                .iter()
                .filter(|n| text(n, "category").is_some_and(|c| cats.contains(&c)))
                .filter_map(|n| text(n, "text"))
                .collect::<Vec<_>>()
        };
        let summary = note(&["summary"])
            .first()
            .copied()
            .or_else(|| text(vuln, "title"))
            .map(str::to_owned);
        let details = note(&["description", "details", "general"]).join("\n\n");

        let mut severity: Vec<Severity> = Vec::new();
        for s in arr(vuln, "scores") {
            for (key, kind) in [("cvss_v3", "CVSS_V3"), ("cvss_v2", "CVSS_V2")] {
                if let Some(vs) = s.get(key).and_then(|c| text(c, "vectorString")) {
                    let sev = Severity {
                        kind: kind.to_owned(),
                        score: vs.to_owned(),
                    };
                    if !severity.contains(&sev) {
                        severity.push(sev);
                    }
                }
            }
        }

        // Packages by (ecosystem, name), in order of appearance.
        let mut packages: Vec<((String, String), Pkg)> = Vec::new();
        let mut kept: Vec<Value> = Vec::new();
        if let Some(ps) = vuln.get("product_status") {
            for list in super::validate::STATUS_LISTS {
                for (j, pid) in strs(ps, list) {
                    let path = format!("/vulnerabilities/{v}/product_status/{list}/{j}");
                    let p = products.get(pid).ok_or_else(|| {
                        err(
                            path,
                            format!("the product id `{pid}` is not defined in the product tree"),
                        )
                    })?;
                    let affected = AFFECTED.contains(list);
                    let fixed = FIXED.contains(list);
                    let eco = p.purl.as_ref().and_then(ecosystem);
                    let (Some(purl), Some(key), true) = (&p.purl, eco, affected || fixed) else {
                        kept.push(kept_product(pid, p, list));
                        continue;
                    };
                    let pkg = match packages.iter_mut().position(|(k, _)| *k == key) {
                        Some(i) => &mut packages[i].1,
                        None => {
                            packages.push((
                                key,
                                Pkg {
                                    purl: purl.with_version(None).to_string(),
                                    ..Pkg::default()
                                },
                            ));
                            let last = packages.len() - 1;
                            &mut packages[last].1
                        }
                    };
                    let version = purl.version().map(str::to_owned).or_else(|| {
                        p.version_branch
                            .filter(|(c, _)| *c == "product_version")
                            .map(|(_, n)| n.to_owned())
                    });
                    let vers = p
                        .version_branch
                        .filter(|(c, n)| *c == "product_version_range" && n.starts_with("vers:"))
                        .map(|(_, n)| n);
                    match (affected, version, vers) {
                        (true, Some(ver), _) => pkg.versions.push(ver),
                        (true, None, Some(range)) => match vers_range(range) {
                            Some((r, versions)) => {
                                pkg.ranges.extend(r);
                                pkg.versions.extend(versions);
                            }
                            None => kept.push(kept_product(pid, p, list)),
                        },
                        (true, None, None) => pkg.all_versions = true,
                        (false, Some(ver), _) => pkg.fixed.push(ver),
                        (false, None, _) => kept.push(kept_product(pid, p, list)),
                    }
                }
            }
        }
        let affected = packages
            .into_iter()
            .map(|((ecosystem, name), pkg)| package(ecosystem, name, pkg))
            .collect();

        let mut references: Vec<Reference> = arr(vuln, "references")
            .iter()
            .filter_map(reference)
            .collect();
        for r in &doc_refs {
            if !references.iter().any(|x| x.url == r.url) {
                references.push(r.clone());
            }
        }
        let credits = arr(vuln, "acknowledgments")
            .iter()
            .chain(arr(d, "acknowledgments"))
            .flat_map(|a| {
                let urls: Vec<String> = strs(a, "urls").map(|(_, u)| u.to_owned()).collect();
                strs(a, "names")
                    .map(|(_, n)| Credit {
                        name: n.to_owned(),
                        contact: urls.clone(),
                        kind: None,
                    })
                    .collect::<Vec<_>>()
            })
            .fold(Vec::<Credit>::new(), |mut acc, c| {
                if !acc.iter().any(|x| x.name == c.name) {
                    acc.push(c);
                }
                acc
            });
        let mut csaf = json!({
            "document": id,
            "category": text(d, "category"),
            "publisher": d.get("publisher").and_then(|p| text(p, "name")),
            "version": d.pointer("/tracking/version"),
        });
        if !kept.is_empty() {
            csaf["products"] = json!(kept);
        }
        out.push(Vulnerability {
            schema_version: Some("1.7.0".to_owned()),
            id: osv_id.clone(),
            modified: modified.to_owned(),
            published: text(vuln, "release_date").or(initial).map(str::to_owned),
            withdrawn: None,
            aliases: idents.into_iter().filter(|x| *x != osv_id).collect(),
            upstream: Vec::new(),
            related: Vec::new(),
            summary,
            details: (!details.is_empty()).then_some(details),
            severity,
            affected,
            references,
            credits,
            database_specific: Some(json!({ "csaf": csaf })),
        });
    }
    Ok(out)
}

fn kept_product(pid: &str, p: &Product<'_>, list: &str) -> Value {
    let mut o = json!({ "product_id": pid, "name": p.name, "status": list });
    if let Some(purl) = &p.purl {
        o["purl"] = json!(purl.to_string());
    }
    if let Some((c, n)) = p.version_branch {
        o[c] = json!(n);
    }
    o
}

/// A CSAF reference (§3.1.8) as an OSV reference: the document itself is the advisory.
fn reference(r: &Value) -> Option<Reference> {
    let url = text(r, "url")?;
    let kind = if text(r, "category") == Some("self") {
        "ADVISORY"
    } else {
        "WEB"
    };
    Some(Reference {
        kind: kind.to_owned(),
        url: url.to_owned(),
    })
}

fn package(ecosystem: String, name: String, pkg: Pkg) -> Affected {
    let mut ranges = Vec::new();
    if pkg.all_versions || !pkg.fixed.is_empty() {
        let mut fixed = pkg.fixed;
        fixed.dedup();
        // OSV evaluates events in version order (schema "Evaluation"); sort when the
        // ecosystem's ordering is known, else keep the document's order.
        if let Some(scheme) = scheme_for_osv_ecosystem(&ecosystem) {
            fixed.sort_by(|a, b| scheme.compare(a, b).unwrap_or(std::cmp::Ordering::Equal));
        }
        let mut events = vec![OsvEvent::Introduced("0".to_owned())];
        if !pkg.all_versions {
            events.extend(fixed.into_iter().map(OsvEvent::Fixed));
        }
        ranges.push(OsvRange {
            kind: RangeKind::Ecosystem,
            repo: None,
            events,
            database_specific: None,
        });
    }
    ranges.extend(pkg.ranges);
    let mut versions = pkg.versions;
    versions.dedup();
    Affected {
        package: Some(Package {
            ecosystem,
            name,
            purl: Some(pkg.purl),
        }),
        severity: Vec::new(),
        ranges,
        versions,
        ecosystem_specific: None,
        database_specific: None,
    }
}

/// A `vers:` range as OSV events (and exact versions), or `None` when it uses comparators
/// OSV events cannot express (`>`, `!=`).
fn vers_range(vers: &str) -> Option<(Option<OsvRange>, Vec<String>)> {
    let (scheme, constraints) = vers.strip_prefix("vers:")?.split_once('/')?;
    let mut events: Vec<OsvEvent> = Vec::new();
    let mut versions = Vec::new();
    let open = |e: &[OsvEvent]| matches!(e.last(), Some(OsvEvent::Introduced(_)));
    for c in constraints.split('|').map(str::trim) {
        if c == "*" {
            events.push(OsvEvent::Introduced("0".to_owned()));
        } else if let Some(v) = c.strip_prefix(">=") {
            events.push(OsvEvent::Introduced(v.to_owned()));
        } else if let Some(v) = c.strip_prefix("<=") {
            if !open(&events) {
                events.push(OsvEvent::Introduced("0".to_owned()));
            }
            events.push(OsvEvent::LastAffected(v.to_owned()));
        } else if let Some(v) = c.strip_prefix('<') {
            if !open(&events) {
                events.push(OsvEvent::Introduced("0".to_owned()));
            }
            events.push(OsvEvent::Fixed(v.to_owned()));
        } else if c.starts_with('>') || c.starts_with("!=") {
            return None;
        } else {
            versions.push(c.strip_prefix('=').unwrap_or(c).to_owned());
        }
    }
    let range = (!events.is_empty()).then(|| OsvRange {
        kind: if scheme == "semver" {
            RangeKind::Semver
        } else {
            RangeKind::Ecosystem
        },
        repo: None,
        events,
        database_specific: None,
    });
    Some((range, versions))
}

/// The OSV ecosystem and package name of a purl (purl-spec types → `osv-schema`
/// `ecosystems.json`), or `None` when OSV has no ecosystem for it.
fn ecosystem(p: &Purl) -> Option<(String, String)> {
    let name = p.name();
    let ns = p.namespace();
    let joined = |sep: &str| match ns {
        Some(n) => format!("{n}{sep}{name}"),
        None => name.to_owned(),
    };
    let (eco, pkg) = match p.ty() {
        "cargo" => ("crates.io", name.to_owned()),
        "npm" => ("npm", joined("/")),
        "pypi" => ("PyPI", name.to_owned()),
        "golang" => ("Go", joined("/")),
        "maven" => ("Maven", joined(":")),
        "nuget" => ("NuGet", name.to_owned()),
        "gem" => ("RubyGems", name.to_owned()),
        "composer" => ("Packagist", joined("/")),
        "hex" => ("Hex", name.to_owned()),
        "pub" => ("Pub", name.to_owned()),
        "swift" => ("SwiftURL", joined("/")),
        "hackage" => ("Hackage", name.to_owned()),
        "cran" => ("CRAN", name.to_owned()),
        "conan" => ("ConanCenter", name.to_owned()),
        "bitnami" => ("Bitnami", name.to_owned()),
        // Distribution packages: the namespace names the distribution.
        "deb" | "rpm" | "apk" => {
            let eco = match ns? {
                "debian" => "Debian",
                "ubuntu" => "Ubuntu",
                "redhat" => "Red Hat",
                "almalinux" => "AlmaLinux",
                "rocky" => "Rocky Linux",
                "opensuse" => "openSUSE",
                "suse" => "SUSE",
                "mageia" => "Mageia",
                "openeuler" => "openEuler",
                "alpine" => "Alpine",
                "wolfi" => "Wolfi",
                "chainguard" => "Chainguard",
                _ => return None,
            };
            (eco, name.to_owned())
        }
        _ => return None,
    };
    Some((eco.to_owned(), pkg))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn vers_ranges_become_events() {
        let (r, v) = vers_range("vers:semver/>=1.0.0|<1.4.2|>=2.0.0|<=2.1.3|=3.0.0").unwrap();
        let r = r.unwrap();
        assert_eq!(r.kind, RangeKind::Semver);
        assert_eq!(
            r.events,
            vec![
                OsvEvent::Introduced("1.0.0".into()),
                OsvEvent::Fixed("1.4.2".into()),
                OsvEvent::Introduced("2.0.0".into()),
                OsvEvent::LastAffected("2.1.3".into()),
            ]
        );
        assert_eq!(v, vec!["3.0.0"]);
        let (r, _) = vers_range("vers:pypi/<2.0").unwrap();
        assert_eq!(r.unwrap().events[0], OsvEvent::Introduced("0".into()));
        assert!(vers_range("vers:npm/>1.0.0").is_none());
        assert!(vers_range("<1.0").is_none());
    }

    #[test]
    fn purl_types_map_to_osv_ecosystems() {
        let e = |s: &str| ecosystem(&Purl::parse(s).unwrap());
        assert_eq!(
            e("pkg:cargo/obserae@1.0.0"),
            Some(("crates.io".into(), "obserae".into()))
        );
        assert_eq!(
            e("pkg:maven/org.apache/log4j-core@2.0"),
            Some(("Maven".into(), "org.apache:log4j-core".into()))
        );
        assert_eq!(
            e("pkg:npm/%40scope/pkg"),
            Some(("npm".into(), "@scope/pkg".into()))
        );
        assert_eq!(
            e("pkg:deb/debian/openssl"),
            Some(("Debian".into(), "openssl".into()))
        );
        assert_eq!(e("pkg:github/org/repo"), None);
    }
}

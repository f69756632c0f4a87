//! The canonical advisory plus product status statements as a CSAF 2.0 `csaf_vex` document
//! (§4.5, "Vulnerability Exploitability eXchange"): which products are affected, not
//! affected (and why), fixed, or under investigation.
//!
//! Mapping (§3.2.3): every statement's product becomes a Full Product Name in the tree
//! (publisher → product name → product version, the purl as its identification helper); the
//! status becomes its `product_status` list. A `known_not_affected` product carries a flag
//! with its VEX justification (§3.2.3.5) and/or a threat of category `impact` with the impact
//! statement (§4.5, tested by §6.1.27.9); a `known_affected` product carries a remediation,
//! the action statement (§6.1.27.10). Statements on fixed or under-investigation products have
//! no slot of their own in CSAF and become vulnerability notes. The advisory's CVSS v3 score
//! applies to the affected products only (fixed ones are not vulnerable: §6.2.19).
//!
//! The document has its own tracking id (`<advisory id>-VEX`) and refers to the advisory's
//! CSAF document and page; status, versions and revision history are the advisory's.

use std::collections::HashMap;

use embargo_domain::advisory::Advisory;
use embargo_domain::purl::{Purl, PurlError};
use jiff::Timestamp;
use serde_json::{Value, json};

use super::ts;
use crate::publisher::Publisher;

/// A product's status with regard to the advisory's vulnerability (§3.2.3.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VexStatus {
    KnownAffected,
    KnownNotAffected,
    Fixed,
    UnderInvestigation,
}

impl VexStatus {
    /// The `product_status` list (`known_affected`…).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::KnownAffected => "known_affected",
            Self::KnownNotAffected => "known_not_affected",
            Self::Fixed => "fixed",
            Self::UnderInvestigation => "under_investigation",
        }
    }
}

/// Why a product is not affected: the VEX justification labels of `flags[].label` (§3.2.3.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Justification {
    ComponentNotPresent,
    InlineMitigationsAlreadyExist,
    VulnerableCodeCannotBeControlledByAdversary,
    VulnerableCodeNotInExecutePath,
    VulnerableCodeNotPresent,
}

impl Justification {
    /// The flag label, e.g. `component_not_present`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ComponentNotPresent => "component_not_present",
            Self::InlineMitigationsAlreadyExist => "inline_mitigations_already_exist",
            Self::VulnerableCodeCannotBeControlledByAdversary => {
                "vulnerable_code_cannot_be_controlled_by_adversary"
            }
            Self::VulnerableCodeNotInExecutePath => "vulnerable_code_not_in_execute_path",
            Self::VulnerableCodeNotPresent => "vulnerable_code_not_present",
        }
    }
}

/// The kind of action for an affected product: `remediations[].category` (§3.2.3.12.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActionCategory {
    Mitigation,
    NoFixPlanned,
    NoneAvailable,
    VendorFix,
    Workaround,
}

impl ActionCategory {
    /// The CSAF value, e.g. `vendor_fix`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mitigation => "mitigation",
            Self::NoFixPlanned => "no_fix_planned",
            Self::NoneAvailable => "none_available",
            Self::VendorFix => "vendor_fix",
            Self::Workaround => "workaround",
        }
    }
}

/// The product a statement is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum VexProduct {
    /// A product outside any package ecosystem, by name and version ("obserae appliance",
    /// "7.4.1"). The version is one version, not a range (§6.1.31).
    Named { name: String, version: String },
    /// A package by purl (`pkg:cargo/obserae@1.4.2`); its version is the purl's.
    Purl(String),
}

/// One product status statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VexStatement {
    pub product: VexProduct,
    pub status: VexStatus,
    /// For `KnownNotAffected`: why (a flag). It, or `statement`, is required there.
    pub justification: Option<Justification>,
    /// Free text: the impact statement (`KnownNotAffected`), the action statement
    /// (`KnownAffected`, required there), or a note (other statuses).
    pub statement: Option<String>,
    /// For `KnownAffected`: the kind of action the statement describes (required there).
    pub action: Option<ActionCategory>,
    /// When the statement was made (the flag's, threat's or remediation's `date`).
    pub date: Option<Timestamp>,
}

/// Why statements cannot make a VEX document. `index` counts statements from 0.
#[derive(Debug, thiserror::Error)]
pub enum VexError {
    #[error("no product status statements: a csaf_vex document needs at least one (CSAF 2.0 §4.5)")]
    NoStatements,
    #[error("statement {index}: `{purl}` is not a valid purl: {source}")]
    Purl {
        index: usize,
        purl: String,
        #[source]
        source: PurlError,
    },
    #[error("statement {index}: the product {field} is empty")]
    Empty { index: usize, field: &'static str },
    #[error(
        "statement {index}: `{version}` is a version range, not a version (CSAF 2.0 §6.1.31); make one statement per version"
    )]
    VersionRange { index: usize, version: String },
    #[error(
        "statement {index} ({product}): a known_not_affected product needs a justification or an impact statement (CSAF 2.0 §4.5, §6.1.27.9)"
    )]
    MissingImpact { index: usize, product: String },
    #[error(
        "statement {index} ({product}): a known_affected product needs an action statement and its category (CSAF 2.0 §4.5, §6.1.27.10)"
    )]
    MissingAction { index: usize, product: String },
    #[error("statements {first} and {index} are both about {product}: give one status per product")]
    Duplicate {
        first: usize,
        index: usize,
        product: String,
    },
}

/// A resolved product: its name in the tree, its version, its purl.
struct Product {
    name: String,
    version: Option<String>,
    purl: Option<String>,
}

impl Product {
    fn label(&self) -> String {
        match &self.version {
            Some(v) => format!("{} {v}", self.name),
            None => self.name.clone(),
        }
    }
}

/// §6.1.31's "deemed sufficient" markers of a version range.
fn looks_like_range(v: &str) -> bool {
    let l = v.to_lowercase();
    [
        "<", ">", "after", "all", "before", "earlier", "later", "prior", "versions",
    ]
    .iter()
    .any(|w| l.contains(w))
}

fn resolve(index: usize, p: &VexProduct) -> Result<Product, VexError> {
    match p {
        VexProduct::Named { name, version } => {
            if name.trim().is_empty() {
                return Err(VexError::Empty {
                    index,
                    field: "name",
                });
            }
            if version.trim().is_empty() {
                return Err(VexError::Empty {
                    index,
                    field: "version",
                });
            }
            if looks_like_range(version) {
                return Err(VexError::VersionRange {
                    index,
                    version: version.clone(),
                });
            }
            Ok(Product {
                name: name.clone(),
                version: Some(version.clone()),
                purl: None,
            })
        }
        VexProduct::Purl(s) => {
            let purl = Purl::parse(s).map_err(|source| VexError::Purl {
                index,
                purl: s.clone(),
                source,
            })?;
            let name = match purl.namespace() {
                Some(ns) => format!("{ns}/{}", purl.name()),
                None => purl.name().to_owned(),
            };
            Ok(Product {
                name,
                version: purl.version().map(str::to_owned),
                purl: Some(purl.to_string()),
            })
        }
    }
}

/// The VEX document of `a` with `statements` (see the module documentation). Every product
/// gets exactly one status; problems are reported by statement index.
pub fn render(
    a: &Advisory,
    p: &Publisher,
    statements: &[VexStatement],
    now: Timestamp,
) -> Result<Value, VexError> {
    if statements.is_empty() {
        return Err(VexError::NoStatements);
    }
    // Resolve and check every statement before building anything.
    let mut products = Vec::with_capacity(statements.len());
    let mut seen: HashMap<(String, Option<String>), usize> = HashMap::new();
    for (index, s) in statements.iter().enumerate() {
        let prod = resolve(index, &s.product)?;
        let has_text = s.statement.as_deref().is_some_and(|t| !t.trim().is_empty());
        match s.status {
            VexStatus::KnownNotAffected if s.justification.is_none() && !has_text => {
                return Err(VexError::MissingImpact {
                    index,
                    product: prod.label(),
                });
            }
            VexStatus::KnownAffected if s.action.is_none() || !has_text => {
                return Err(VexError::MissingAction {
                    index,
                    product: prod.label(),
                });
            }
            _ => {}
        }
        let key = (
            prod.purl.clone().unwrap_or_else(|| prod.name.clone()),
            prod.version.clone(),
        );
        if let Some(first) = seen.insert(key, index) {
            return Err(VexError::Duplicate {
                first,
                index,
                product: prod.label(),
            });
        }
        products.push(prod);
    }

    // Product tree: publisher → product name → version (or the product itself when a purl
    // has no version), in the order the statements name them.
    let ids: Vec<String> = (1..=products.len())
        .map(|n| format!("CSAFPID-{n:04}"))
        .collect();
    let mut names: Vec<(&str, Vec<Value>)> = Vec::new();
    for (prod, id) in products.iter().zip(&ids) {
        let mut full = json!({ "product_id": id, "name": prod.label() });
        if let Some(purl) = &prod.purl {
            full["product_identification_helper"] = json!({ "purl": purl });
        }
        let branch = match &prod.version {
            Some(v) => json!({ "category": "product_version", "name": v, "product": full }),
            None => json!({ "category": "product_name", "name": prod.name, "product": full }),
        };
        match names.iter_mut().find(|(n, _)| *n == prod.name) {
            Some((_, b)) => b.push(branch),
            None => names.push((&prod.name, vec![branch])),
        }
    }
    let product_branches: Vec<Value> = names
        .into_iter()
        .map(|(name, branches)| {
            // A versionless purl product is its own product_name branch; don't nest it.
            match branches.as_slice() {
                [one] if one["category"] == "product_name" => one.clone(),
                _ => json!({ "category": "product_name", "name": name, "branches": branches }),
            }
        })
        .collect();

    let mut status: HashMap<&str, Vec<&str>> = HashMap::new();
    let (mut flags, mut threats, mut remediations) = (Vec::new(), Vec::new(), Vec::new());
    let mut status_notes = Vec::new();
    for ((s, prod), id) in statements.iter().zip(&products).zip(&ids) {
        status.entry(s.status.as_str()).or_default().push(id);
        let date = s.date.map(ts);
        let with_date = |mut o: Value| {
            if let Some(d) = &date {
                o["date"] = json!(d);
            }
            o
        };
        let text = s.statement.as_deref().filter(|t| !t.trim().is_empty());
        match s.status {
            VexStatus::KnownNotAffected => {
                if let Some(j) = s.justification {
                    flags.push(with_date(
                        json!({ "label": j.as_str(), "product_ids": [id] }),
                    ));
                }
                if let Some(t) = text {
                    threats.push(with_date(
                        json!({ "category": "impact", "details": t, "product_ids": [id] }),
                    ));
                }
            }
            VexStatus::KnownAffected => {
                if let (Some(c), Some(t)) = (s.action, text) {
                    remediations.push(with_date(
                        json!({ "category": c.as_str(), "details": t, "product_ids": [id] }),
                    ));
                }
            }
            VexStatus::Fixed | VexStatus::UnderInvestigation => {
                if let Some(t) = text {
                    status_notes.push(json!({ "category": "other", "title": format!("{} ({})", prod.label(), s.status.as_str()), "text": t }));
                }
            }
        }
    }

    let mut document = super::document(a, p, now);
    document["category"] = json!("csaf_vex");
    document["tracking"]["id"] = json!(format!("{}-VEX", a.id.as_str()));
    document["references"] = json!([
        { "category": "external", "summary": "The CSAF security advisory", "url": p.csaf_url(&a.id) },
        { "category": "external", "summary": "The advisory page", "url": p.advisory_url(&a.id) },
    ]);

    let summary = if a.summary.is_empty() {
        &a.title
    } else {
        &a.summary
    };
    let mut notes = vec![json!({ "category": "summary", "title": "Summary", "text": summary })];
    if !a.details.is_empty() {
        notes.push(json!({ "category": "description", "title": "Details", "text": a.details }));
    }
    notes.extend(status_notes);
    // §4.5 needs a cve or ids: Embargo's own id is always one.
    let mut vids = vec![json!({ "system_name": p.name, "text": a.id.as_str() })];
    vids.extend(
        a.aliases
            .iter()
            .filter(|x| x.starts_with("GHSA-"))
            .map(|x| json!({ "system_name": "GitHub Security Advisory", "text": x })),
    );
    let mut v = json!({ "title": a.title, "notes": notes, "ids": vids });
    if let Some(cve) = a.cve_id() {
        v["cve"] = json!(cve);
    }
    if let Some(c) = a.cwes.first() {
        v["cwe"] = json!({ "id": c, "name": super::cwe_name(c) });
    }
    let mut ps = json!({});
    for list in [
        "fixed",
        "known_affected",
        "known_not_affected",
        "under_investigation",
    ] {
        if let Some(ids) = status.get(list) {
            ps[list] = json!(ids);
        }
    }
    v["product_status"] = ps;
    if let Some(affected) = status.get("known_affected")
        && let Some(c) = a
            .cvss
            .iter()
            .filter_map(|x| embargo_domain::cvss::parse(x).ok())
            .find(|c| {
                matches!(
                    c.version,
                    embargo_domain::cvss::Version::V3_0 | embargo_domain::cvss::Version::V3_1
                )
            })
    {
        v["scores"] = json!([{ "products": affected, "cvss_v3": super::cvss3(&c) }]);
    }
    for (key, items) in [
        ("flags", flags),
        ("threats", threats),
        ("remediations", remediations),
    ] {
        if !items.is_empty() {
            v[key] = json!(items);
        }
    }
    if let Some(pu) = a.published {
        v["release_date"] = json!(ts(pu));
    }
    Ok(json!({
        "document": document,
        "product_tree": { "branches": [{ "category": "vendor", "name": p.name, "branches": product_branches }] },
        "vulnerabilities": [v],
    }))
}

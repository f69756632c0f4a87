//! The CSAF 2.0 mandatory tests (§6.1) over a document given as JSON: every failure names its
//! test number, the JSON pointer (RFC 6901) of the offending value and what is wrong.
//!
//! The tests assume nothing about the shape of the input (a document that does not match the
//! schema is read as far as it goes), so they can run on third-party data before or without
//! JSON-schema validation. Files: [`product`] (the product tree: §6.1.1–6.1.5, 6.1.13, 6.1.25,
//! 6.1.31), [`status`] (per vulnerability: §6.1.6, 6.1.7, 6.1.23, 6.1.24, 6.1.29, 6.1.32,
//! 6.1.33), [`cvss`] (§6.1.8–6.1.10, scored by `embargo_domain::cvss`, i.e. the `cvss` crate),
//! [`document`] (§6.1.11, 6.1.12, 6.1.14–6.1.22, 6.1.26, 6.1.28, 6.1.30), [`profile`]
//! (§6.1.27.1–6.1.27.11).
//!
//! Every test of §6.1 is implemented; two with data Embargo does not carry in full:
//!
//! - §6.1.11 (CWE "exists and is valid") checks the id's syntax (`CWE-` and a number) and, for
//!   the CWEs in Embargo's own table, the exact name. The full CWE catalogue is not bundled,
//!   so the name of a CWE outside that table is not checked.
//! - §6.1.12 (language "valid and exists") checks the BCP 47 grammar (RFC 5646 §2.1, with the
//!   grandfathered tags) and that a two-letter primary language subtag is an ISO 639-1 code
//!   (which is what catches the spec's `EZ` example). The full IANA subtag registry is not
//!   bundled, so three-letter languages, scripts, regions and variants are checked for syntax
//!   only.
//!
//! §6.1.1 also checks `/vulnerabilities[]/flags[]/product_ids[]`, and §6.1.4 the flags'
//! `group_ids`: the spec's path lists omit them, but its text covers "all items of elements of
//! type `/$defs/products_t`" (and `product_groups_t`), which flags use.

mod cvss;
mod document;
mod lang;
mod product;
pub(crate) use product::STATUS_LISTS;
mod profile;
mod status;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::fmt;

use serde_json::Value;

/// The §6.1 tests this module runs, by number.
pub const TESTS: &[&str] = &[
    "6.1.1",
    "6.1.2",
    "6.1.3",
    "6.1.4",
    "6.1.5",
    "6.1.6",
    "6.1.7",
    "6.1.8",
    "6.1.9",
    "6.1.10",
    "6.1.11",
    "6.1.12",
    "6.1.13",
    "6.1.14",
    "6.1.15",
    "6.1.16",
    "6.1.17",
    "6.1.18",
    "6.1.19",
    "6.1.20",
    "6.1.21",
    "6.1.22",
    "6.1.23",
    "6.1.24",
    "6.1.25",
    "6.1.26",
    "6.1.27.1",
    "6.1.27.2",
    "6.1.27.3",
    "6.1.27.4",
    "6.1.27.5",
    "6.1.27.6",
    "6.1.27.7",
    "6.1.27.8",
    "6.1.27.9",
    "6.1.27.10",
    "6.1.27.11",
    "6.1.28",
    "6.1.29",
    "6.1.30",
    "6.1.31",
    "6.1.32",
    "6.1.33",
];

/// One failed mandatory test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The test's number in CSAF 2.0 §6.1, e.g. `6.1.27.9`.
    pub test: &'static str,
    /// JSON pointer of the offending (or missing) value, e.g.
    /// `/vulnerabilities/0/product_status/fixed/2`.
    pub path: String,
    /// What is wrong, in words.
    pub message: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "CSAF §{} at `{}`: {}",
            self.test, self.path, self.message
        )
    }
}

/// Runs every mandatory test (§6.1) on `doc`; the failures come ordered by test number,
/// then in document order. An empty list means the document passes all of them.
pub fn validate(doc: &Value) -> Vec<Failure> {
    let tree = Tree::of(doc);
    let mut out = Out::default();
    product::check(doc, &tree, &mut out);
    status::check(doc, &tree, &mut out);
    cvss::check(doc, &mut out);
    document::check(doc, &mut out);
    profile::check(doc, &tree, &mut out);
    let mut failures = out.0;
    failures.sort_by_key(|f| test_key(f.test));
    failures
}

/// Whether `doc` passes every mandatory test.
pub fn is_valid(doc: &Value) -> bool {
    validate(doc).is_empty()
}

fn test_key(test: &str) -> Vec<u32> {
    test.split('.').filter_map(|n| n.parse().ok()).collect()
}

/// Collects failures.
#[derive(Default)]
pub(crate) struct Out(Vec<Failure>);

impl Out {
    pub(crate) fn fail(&mut self, test: &'static str, path: impl Into<String>, message: String) {
        self.0.push(Failure {
            test,
            path: path.into(),
            message,
        });
    }
}

/// The items of the array at `key` (none when absent or not an array).
pub(crate) fn arr<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// The string at `key`.
pub(crate) fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// The strings of the array at `key`, with their indexes (non-strings skipped).
pub(crate) fn strs<'a>(v: &'a Value, key: &str) -> impl Iterator<Item = (usize, &'a str)> {
    arr(v, key)
        .iter()
        .enumerate()
        .filter_map(|(i, x)| x.as_str().map(|s| (i, s)))
}

/// A Full Product Name (`full_product_name_t`) and where it is.
pub(crate) struct FullProduct<'a> {
    pub(crate) id: Option<&'a str>,
    /// Pointer of the product object.
    pub(crate) path: String,
    pub(crate) value: &'a Value,
    /// The `(category, name)` of the branches leading to it (empty outside `branches`).
    pub(crate) branches: Vec<(&'a str, &'a str)>,
}

/// A branch (`branches_t` item) and where it is.
pub(crate) struct Branch<'a> {
    pub(crate) path: String,
    pub(crate) value: &'a Value,
}

/// The product tree, read once: every Full Product Name, every branch, every group.
pub(crate) struct Tree<'a> {
    pub(crate) products: Vec<FullProduct<'a>>,
    pub(crate) branches: Vec<Branch<'a>>,
    /// `group_id` → its product ids (the first definition wins; §6.1.5 reports the others).
    pub(crate) groups: HashMap<&'a str, Vec<&'a str>>,
}

impl<'a> Tree<'a> {
    pub(crate) fn of(doc: &'a Value) -> Self {
        let mut t = Tree {
            products: Vec::new(),
            branches: Vec::new(),
            groups: HashMap::new(),
        };
        let Some(pt) = doc.get("product_tree") else {
            return t;
        };
        t.walk(pt, "/product_tree", &mut Vec::new());
        for (i, p) in arr(pt, "full_product_names").iter().enumerate() {
            t.push(
                p,
                format!("/product_tree/full_product_names/{i}"),
                Vec::new(),
            );
        }
        for (i, r) in arr(pt, "relationships").iter().enumerate() {
            if let Some(p) = r.get("full_product_name") {
                t.push(
                    p,
                    format!("/product_tree/relationships/{i}/full_product_name"),
                    Vec::new(),
                );
            }
        }
        for g in arr(pt, "product_groups") {
            if let Some(id) = text(g, "group_id") {
                let ids = strs(g, "product_ids").map(|(_, s)| s).collect();
                t.groups.entry(id).or_insert(ids);
            }
        }
        t
    }

    fn push(&mut self, value: &'a Value, path: String, branches: Vec<(&'a str, &'a str)>) {
        self.products.push(FullProduct {
            id: text(value, "product_id"),
            path,
            value,
            branches,
        });
    }

    /// §3.1.2.3: branches nest to any depth; a leaf carries `product`.
    fn walk(&mut self, node: &'a Value, path: &str, chain: &mut Vec<(&'a str, &'a str)>) {
        for (i, b) in arr(node, "branches").iter().enumerate() {
            let here = format!("{path}/branches/{i}");
            chain.push((
                text(b, "category").unwrap_or(""),
                text(b, "name").unwrap_or(""),
            ));
            if let Some(p) = b.get("product") {
                self.push(p, format!("{here}/product"), chain.clone());
            }
            self.branches.push(Branch {
                path: here.clone(),
                value: b,
            });
            self.walk(b, &here, chain);
            chain.pop();
        }
    }

    /// The product ids an item (remediation, threat, flag, score) refers to, directly in
    /// `key` (`product_ids` or `products`) or through `group_ids`.
    pub(crate) fn expand(&self, item: &'a Value, key: &str) -> Vec<&'a str> {
        let mut ids: Vec<&'a str> = strs(item, key).map(|(_, s)| s).collect();
        for (_, g) in strs(item, "group_ids") {
            if let Some(members) = self.groups.get(g) {
                ids.extend(members.iter().copied());
            }
        }
        ids
    }
}

/// A `version_t` value (§3.1.11.2 integer or §3.1.11.3 semantic versioning).
#[derive(Debug, Clone)]
pub(crate) enum DocVersion {
    Int(u64),
    Sem(embargo_domain::version::semver::SemVer),
}

impl DocVersion {
    pub(crate) fn parse(s: &str) -> Option<Self> {
        use embargo_domain::version::VersionScheme as _;
        if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
            // §3.1.11.2: `^(0|[1-9][0-9]*)$`.
            if s.len() > 1 && s.starts_with('0') {
                return None;
            }
            return s.parse().ok().map(Self::Int);
        }
        embargo_domain::version::semver::SemVerScheme::parse(s)
            .ok()
            .map(Self::Sem)
    }

    /// The integer, or the major version of a semantic version.
    pub(crate) fn major(&self) -> u64 {
        match self {
            Self::Int(n) => *n,
            Self::Sem(v) => v.major,
        }
    }

    pub(crate) fn is_prerelease(&self) -> bool {
        matches!(self, Self::Sem(v) if !v.pre.is_empty())
    }

    /// Order between two versions of the same kind (build metadata ignored, SemVer §10).
    pub(crate) fn cmp_same_kind(&self, other: &Self) -> Option<std::cmp::Ordering> {
        match (self, other) {
            (Self::Int(a), Self::Int(b)) => Some(a.cmp(b)),
            (Self::Sem(a), Self::Sem(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }
}

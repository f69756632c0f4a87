//! Mandatory tests on product ids, groups and the product tree: §6.1.1–6.1.5 (definitions and
//! references), §6.1.13 (purl), §6.1.25 (hash algorithms), §6.1.31 (ranges in versions).

use std::collections::{HashMap, HashSet};

use embargo_domain::purl::Purl;
use serde_json::Value;

use super::{Out, Tree, arr, strs, text};

/// The `product_status` lists (§3.2.3.9), all of type `products_t`.
pub(crate) const STATUS_LISTS: &[&str] = &[
    "first_affected",
    "first_fixed",
    "fixed",
    "known_affected",
    "known_not_affected",
    "last_affected",
    "recommended",
    "under_investigation",
];

pub(super) fn check(doc: &Value, tree: &Tree<'_>, out: &mut Out) {
    definitions(tree, out);
    references(doc, tree, out);
    circles(doc, out);
    groups(doc, tree, out);
    for p in &tree.products {
        let helper = p.value.get("product_identification_helper");
        if let Some(purl) = helper.and_then(|h| text(h, "purl")) {
            // §6.1.13: the purl must be valid (ECMA-427).
            if let Err(e) = Purl::parse(purl) {
                out.fail(
                    "6.1.13",
                    format!("{}/product_identification_helper/purl", p.path),
                    format!("`{purl}` is not a valid purl: {e}"),
                );
            }
        }
        for (i, h) in helper
            .map(|h| arr(h, "hashes"))
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            // §6.1.25: one algorithm once per item of `hashes`.
            let mut seen = HashSet::new();
            for (j, fh) in arr(h, "file_hashes").iter().enumerate() {
                if let Some(alg) = text(fh, "algorithm")
                    && !seen.insert(alg)
                {
                    out.fail(
                        "6.1.25",
                        format!(
                            "{}/product_identification_helper/hashes/{i}/file_hashes/{j}/algorithm",
                            p.path
                        ),
                        format!("the hash algorithm `{alg}` is used more than once for one file"),
                    );
                }
            }
        }
    }
    for b in &tree.branches {
        // §6.1.31: "deemed sufficient" substring check on the lower-cased name.
        if text(b.value, "category") == Some("product_version")
            && let Some(name) = text(b.value, "name")
        {
            let lower = name.to_lowercase();
            let words = [
                "<", ">", "after", "all", "before", "earlier", "later", "prior", "versions",
            ];
            if let Some(w) = words.iter().find(|w| lower.contains(*w)) {
                out.fail(
                    "6.1.31",
                    format!("{}/name", b.path),
                    format!(
                        "the product_version `{name}` looks like a version range (contains `{w}`); use the category product_version_range"
                    ),
                );
            }
        }
    }
}

/// §6.1.2: a product id is defined once.
fn definitions(tree: &Tree<'_>, out: &mut Out) {
    let mut first: HashMap<&str, &str> = HashMap::new();
    for p in &tree.products {
        let Some(id) = p.id else { continue };
        if let Some(prev) = first.get(id) {
            out.fail(
                "6.1.2",
                format!("{}/product_id", p.path),
                format!("the product id `{id}` is already defined at `{prev}`"),
            );
        } else {
            first.insert(id, &p.path);
        }
    }
}

/// §6.1.1: every product id referenced outside a Full Product Name is defined.
fn references(doc: &Value, tree: &Tree<'_>, out: &mut Out) {
    let defined: HashSet<&str> = tree.products.iter().filter_map(|p| p.id).collect();
    let mut check = |id: &str, path: String| {
        if !defined.contains(id) {
            out.fail(
                "6.1.1",
                path,
                format!("the product id `{id}` is not defined in the product tree"),
            );
        }
    };
    if let Some(pt) = doc.get("product_tree") {
        for (i, g) in arr(pt, "product_groups").iter().enumerate() {
            for (j, id) in strs(g, "product_ids") {
                check(
                    id,
                    format!("/product_tree/product_groups/{i}/product_ids/{j}"),
                );
            }
        }
        for (i, r) in arr(pt, "relationships").iter().enumerate() {
            for key in ["product_reference", "relates_to_product_reference"] {
                if let Some(id) = text(r, key) {
                    check(id, format!("/product_tree/relationships/{i}/{key}"));
                }
            }
        }
    }
    for (v, vuln) in arr(doc, "vulnerabilities").iter().enumerate() {
        if let Some(ps) = vuln.get("product_status") {
            for list in STATUS_LISTS {
                for (j, id) in strs(ps, list) {
                    check(
                        id,
                        format!("/vulnerabilities/{v}/product_status/{list}/{j}"),
                    );
                }
            }
        }
        for (section, key) in [
            ("remediations", "product_ids"),
            ("scores", "products"),
            ("threats", "product_ids"),
            ("flags", "product_ids"),
        ] {
            for (i, item) in arr(vuln, section).iter().enumerate() {
                for (j, id) in strs(item, key) {
                    check(id, format!("/vulnerabilities/{v}/{section}/{i}/{key}/{j}"));
                }
            }
        }
    }
}

/// §6.1.3: a product id defined by a relationship does not, through the references of
/// relationships, depend on itself.
fn circles(doc: &Value, out: &mut Out) {
    let rels = doc
        .get("product_tree")
        .map(|pt| arr(pt, "relationships"))
        .unwrap_or_default();
    // id defined by a relationship → the ids it is built from.
    let mut edges: HashMap<&str, Vec<&str>> = HashMap::new();
    for r in rels {
        if let Some(id) = r
            .get("full_product_name")
            .and_then(|f| text(f, "product_id"))
        {
            let e = edges.entry(id).or_default();
            e.extend(
                ["product_reference", "relates_to_product_reference"]
                    .map(|k| text(r, k))
                    .into_iter()
                    .flatten(),
            );
        }
    }
    for (i, r) in rels.iter().enumerate() {
        let Some(start) = r
            .get("full_product_name")
            .and_then(|f| text(f, "product_id"))
        else {
            continue;
        };
        let mut stack: Vec<&str> = edges.get(start).cloned().unwrap_or_default();
        let mut seen = HashSet::new();
        let mut circular = false;
        while let Some(id) = stack.pop() {
            if id == start {
                circular = true;
                break;
            }
            if seen.insert(id)
                && let Some(next) = edges.get(id)
            {
                stack.extend(next.iter().copied());
            }
        }
        if circular {
            out.fail(
                "6.1.3",
                format!("/product_tree/relationships/{i}/full_product_name/product_id"),
                format!("the product id `{start}` is defined in terms of itself (circular relationships)"),
            );
        }
    }
}

/// §6.1.4 (references to groups exist) and §6.1.5 (a group id is defined once).
fn groups(doc: &Value, tree: &Tree<'_>, out: &mut Out) {
    let mut first: HashMap<&str, usize> = HashMap::new();
    if let Some(pt) = doc.get("product_tree") {
        for (i, g) in arr(pt, "product_groups").iter().enumerate() {
            let Some(id) = text(g, "group_id") else {
                continue;
            };
            if let Some(prev) = first.get(id) {
                out.fail(
                    "6.1.5",
                    format!("/product_tree/product_groups/{i}/group_id"),
                    format!(
                        "the group id `{id}` is already defined at `/product_tree/product_groups/{prev}`"
                    ),
                );
            } else {
                first.insert(id, i);
            }
        }
    }
    for (v, vuln) in arr(doc, "vulnerabilities").iter().enumerate() {
        for section in ["remediations", "threats", "flags"] {
            for (i, item) in arr(vuln, section).iter().enumerate() {
                for (j, g) in strs(item, "group_ids") {
                    if !tree.groups.contains_key(g) {
                        out.fail(
                            "6.1.4",
                            format!("/vulnerabilities/{v}/{section}/{i}/group_ids/{j}"),
                            format!(
                                "the product group id `{g}` is not defined in the product tree"
                            ),
                        );
                    }
                }
            }
        }
    }
}

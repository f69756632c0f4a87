//! The profile tests (§6.1.27.1–6.1.27.11): what the informational advisory, security
//! incident response, security advisory and VEX profiles (§4.2–4.5) require beyond the schema.
//! Each runs only for the categories it names.

use std::collections::HashSet;

use serde_json::Value;

use super::{Out, Tree, arr, strs, text};

const INFORMATIONAL: &str = "csaf_informational_advisory";
const INCIDENT: &str = "csaf_security_incident_response";
const ADVISORY: &str = "csaf_security_advisory";
const VEX: &str = "csaf_vex";

pub(super) fn check(doc: &Value, tree: &Tree<'_>, out: &mut Out) {
    let Some(category) = doc.get("document").and_then(|d| text(d, "category")) else {
        return;
    };
    let d = &doc["document"];
    if [INFORMATIONAL, INCIDENT].contains(&category) {
        // §6.1.27.1.
        let has_note = arr(d, "notes").iter().any(|n| {
            matches!(
                text(n, "category"),
                Some("description" | "details" | "general" | "summary")
            )
        });
        if !has_note {
            out.fail(
                "6.1.27.1",
                "/document/notes",
                format!(
                    "a {category} needs a document note of category description, details, general or summary"
                ),
            );
        }
        // §6.1.27.2.
        if !arr(d, "references")
            .iter()
            .any(|r| text(r, "category") == Some("external"))
        {
            out.fail(
                "6.1.27.2",
                "/document/references",
                format!("a {category} needs a document reference of category external"),
            );
        }
    }
    // §6.1.27.3.
    if category == INFORMATIONAL && doc.get("vulnerabilities").is_some() {
        out.fail(
            "6.1.27.3",
            "/vulnerabilities",
            "an informational advisory must not have vulnerabilities; use another profile (e.g. csaf_security_advisory)".to_owned(),
        );
    }
    if ![ADVISORY, VEX].contains(&category) {
        return;
    }
    // §6.1.27.4 and §6.1.27.11.
    if doc.get("product_tree").is_none() {
        out.fail(
            "6.1.27.4",
            "/product_tree",
            format!("a {category} needs a product tree"),
        );
    }
    if doc.get("vulnerabilities").is_none() {
        out.fail(
            "6.1.27.11",
            "/vulnerabilities",
            format!("a {category} needs vulnerabilities"),
        );
    }
    for (v, vuln) in arr(doc, "vulnerabilities").iter().enumerate() {
        let base = format!("/vulnerabilities/{v}");
        // §6.1.27.5.
        if vuln.get("notes").is_none() {
            out.fail(
                "6.1.27.5",
                format!("{base}/notes"),
                format!("each vulnerability of a {category} needs notes"),
            );
        }
        let status = vuln.get("product_status");
        // §6.1.27.6.
        if category == ADVISORY && status.is_none() {
            out.fail(
                "6.1.27.6",
                format!("{base}/product_status"),
                "each vulnerability of a security advisory needs a product status".to_owned(),
            );
        }
        if category == VEX {
            vex(vuln, status, &base, tree, out);
        }
    }
}

fn vex(vuln: &Value, status: Option<&Value>, base: &str, tree: &Tree<'_>, out: &mut Out) {
    // §6.1.27.7.
    let lists = [
        "fixed",
        "known_affected",
        "known_not_affected",
        "under_investigation",
    ];
    if !status.is_some_and(|s| lists.iter().any(|l| s.get(*l).is_some())) {
        out.fail(
            "6.1.27.7",
            format!("{base}/product_status"),
            "a VEX vulnerability needs fixed, known_affected, known_not_affected or under_investigation".to_owned(),
        );
    }
    // §6.1.27.8.
    if vuln.get("cve").is_none() && vuln.get("ids").is_none() {
        out.fail(
            "6.1.27.8",
            format!("{base}/cve"),
            "a VEX vulnerability needs a cve or ids".to_owned(),
        );
    }
    let Some(status) = status else { return };
    // §6.1.27.9: an impact statement is a flag, or a threat of category impact, naming the
    // product directly or through a group.
    let mut impact: HashSet<&str> = HashSet::new();
    for f in arr(vuln, "flags") {
        impact.extend(tree.expand(f, "product_ids"));
    }
    for t in arr(vuln, "threats") {
        if text(t, "category") == Some("impact") {
            impact.extend(tree.expand(t, "product_ids"));
        }
    }
    for (j, id) in strs(status, "known_not_affected") {
        if !impact.contains(id) {
            out.fail(
                "6.1.27.9",
                format!("{base}/product_status/known_not_affected/{j}"),
                format!(
                    "the product `{id}` is known_not_affected but has no impact statement (a flag, or a threat of category impact)"
                ),
            );
        }
    }
    // §6.1.27.10: an action statement is a remediation naming the product.
    let mut action: HashSet<&str> = HashSet::new();
    for r in arr(vuln, "remediations") {
        action.extend(tree.expand(r, "product_ids"));
    }
    for (j, id) in strs(status, "known_affected") {
        if !action.contains(id) {
            out.fail(
                "6.1.27.10",
                format!("{base}/product_status/known_affected/{j}"),
                format!("the product `{id}` is known_affected but has no action statement (a remediation)"),
            );
        }
    }
}

//! Mandatory tests within and across vulnerability items: §6.1.6 (contradicting status),
//! §6.1.7 (one score per CVSS version and product), §6.1.23 (a CVE in one item), §6.1.24
//! (involvements), §6.1.29 and §6.1.32 (remediations and flags name products), §6.1.33 (one
//! VEX justification per product).

use std::collections::HashMap;

use serde_json::Value;

use super::{Out, Tree, arr, strs, text};

/// The VEX justification labels of `flags[].label` (§3.2.3.5).
pub(crate) const VEX_JUSTIFICATIONS: &[&str] = &[
    "component_not_present",
    "inline_mitigations_already_exist",
    "vulnerable_code_cannot_be_controlled_by_adversary",
    "vulnerable_code_not_in_execute_path",
    "vulnerable_code_not_present",
];

/// §6.1.6's contradiction groups: which group each status list belongs to.
fn contradiction_group(list: &str) -> Option<&'static str> {
    Some(match list {
        "first_affected" | "known_affected" | "last_affected" => "Affected",
        "known_not_affected" => "Not affected",
        "first_fixed" | "fixed" => "Fixed",
        "under_investigation" => "Under investigation",
        // `recommended` may name a product of any group (§6.1.6 note).
        _ => return None,
    })
}

pub(super) fn check(doc: &Value, tree: &Tree<'_>, out: &mut Out) {
    let mut cves: HashMap<&str, usize> = HashMap::new();
    for (v, vuln) in arr(doc, "vulnerabilities").iter().enumerate() {
        let base = format!("/vulnerabilities/{v}");
        // §6.1.23.
        if let Some(cve) = text(vuln, "cve") {
            if let Some(prev) = cves.get(cve) {
                out.fail(
                    "6.1.23",
                    format!("{base}/cve"),
                    format!("the CVE `{cve}` is already used by `/vulnerabilities/{prev}`"),
                );
            } else {
                cves.insert(cve, v);
            }
        }
        contradictions(vuln, &base, out);
        scores(vuln, &base, out);
        involvements(vuln, &base, out);
        for (section, test) in [("remediations", "6.1.29"), ("flags", "6.1.32")] {
            for (i, item) in arr(vuln, section).iter().enumerate() {
                let names = |k: &str| !arr(item, k).is_empty();
                if !names("product_ids") && !names("group_ids") {
                    out.fail(
                        test,
                        format!("{base}/{section}/{i}"),
                        format!(
                            "this item of {section} names no product: give product_ids or group_ids"
                        ),
                    );
                }
            }
        }
        // §6.1.33, through groups too.
        let mut flagged: HashMap<&str, usize> = HashMap::new();
        for (i, flag) in arr(vuln, "flags").iter().enumerate() {
            if !text(flag, "label").is_some_and(|l| VEX_JUSTIFICATIONS.contains(&l)) {
                continue;
            }
            let mut ids = tree.expand(flag, "product_ids");
            ids.sort_unstable();
            ids.dedup();
            for id in ids {
                if let Some(prev) = flagged.get(id) {
                    out.fail(
                        "6.1.33",
                        format!("{base}/flags/{i}"),
                        format!(
                            "the product `{id}` already has a VEX justification flag at `{base}/flags/{prev}`"
                        ),
                    );
                } else {
                    flagged.insert(id, i);
                }
            }
        }
    }
}

/// §6.1.6: the contradiction groups are pairwise disjoint.
fn contradictions(vuln: &Value, base: &str, out: &mut Out) {
    let Some(ps) = vuln.get("product_status") else {
        return;
    };
    let mut seen: HashMap<&str, (&str, String)> = HashMap::new();
    for list in super::product::STATUS_LISTS {
        let Some(group) = contradiction_group(list) else {
            continue;
        };
        for (j, id) in strs(ps, list) {
            let here = format!("{base}/product_status/{list}/{j}");
            match seen.get(id) {
                Some((g, at)) if *g != group => out.fail(
                    "6.1.6",
                    here,
                    format!(
                        "the product `{id}` is in the contradicting groups \"{g}\" (at `{at}`) and \"{group}\""
                    ),
                ),
                Some(_) => {}
                None => {
                    seen.insert(id, (group, here));
                }
            }
        }
    }
}

/// §6.1.7: per product, at most one score per CVSS version.
fn scores(vuln: &Value, base: &str, out: &mut Out) {
    let mut seen: HashMap<(&str, &str), usize> = HashMap::new();
    for (i, score) in arr(vuln, "scores").iter().enumerate() {
        let versions = [
            score
                .get("cvss_v2")
                .map(|c| text(c, "version").unwrap_or("2.0")),
            score.get("cvss_v3").and_then(|c| text(c, "version")),
        ];
        for version in versions.into_iter().flatten() {
            for (j, id) in strs(score, "products") {
                if let Some(prev) = seen.get(&(id, version)) {
                    if *prev != i {
                        out.fail(
                            "6.1.7",
                            format!("{base}/scores/{i}/products/{j}"),
                            format!(
                                "the product `{id}` already has a CVSS {version} score at `{base}/scores/{prev}`"
                            ),
                        );
                    }
                } else {
                    seen.insert((id, version), i);
                }
            }
        }
    }
}

/// §6.1.24: a party appears once per date in the involvements.
fn involvements(vuln: &Value, base: &str, out: &mut Out) {
    let mut seen: HashMap<(&str, Option<String>), usize> = HashMap::new();
    for (i, inv) in arr(vuln, "involvements").iter().enumerate() {
        let Some(party) = text(inv, "party") else {
            continue;
        };
        // Dates compare as instants, so `…Z` and `…+00:00` are the same date.
        let date = text(inv, "date").map(|d| {
            d.parse::<jiff::Timestamp>()
                .map_or_else(|_| d.to_owned(), |t| t.to_string())
        });
        let shown = date.clone().unwrap_or_else(|| "no date".to_owned());
        if let Some(prev) = seen.get(&(party, date.clone())) {
            out.fail(
                "6.1.24",
                format!("{base}/involvements/{i}"),
                format!(
                    "the party `{party}` already has an involvement at {shown} (`{base}/involvements/{prev}`)"
                ),
            );
        } else {
            seen.insert((party, date), i);
        }
    }
}

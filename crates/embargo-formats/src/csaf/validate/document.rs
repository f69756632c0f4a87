//! Mandatory tests on `/document` and CWE: §6.1.11 (CWE), §6.1.12 (language), §6.1.14–6.1.22
//! (versions, status and revision history), §6.1.26 (category name), §6.1.28 (translation),
//! §6.1.30 (integer vs semantic versioning).

use std::collections::HashMap;

use serde_json::Value;

use super::{DocVersion, Out, arr, lang, text};

const TRACKING: &str = "/document/tracking";

/// The categories of the profiles other than "CSAF Base" (§4.2–4.5), for which §6.1.26 is
/// skipped.
const PROFILE_CATEGORIES: &[&str] = &[
    "csaf_base",
    "csaf_security_incident_response",
    "csaf_informational_advisory",
    "csaf_security_advisory",
    "csaf_vex",
];

pub(super) fn check(doc: &Value, out: &mut Out) {
    cwe(doc, out);
    let Some(d) = doc.get("document") else {
        return;
    };
    // §6.1.12.
    for key in ["lang", "source_lang"] {
        if let Some(tag) = text(d, key)
            && let Some(msg) = lang::problem(tag)
        {
            out.fail("6.1.12", format!("/document/{key}"), msg);
        }
    }
    // §6.1.15.
    let translator = d
        .get("publisher")
        .and_then(|p| text(p, "category"))
        .is_some_and(|c| c == "translator");
    if translator && text(d, "source_lang").is_none_or(str::is_empty) {
        out.fail(
            "6.1.15",
            "/document/source_lang",
            "the publisher is a translator, so `source_lang` must be given".to_owned(),
        );
    }
    // §6.1.28.
    if let (Some(l), Some(s)) = (text(d, "lang"), text(d, "source_lang"))
        && l.eq_ignore_ascii_case(s)
    {
        out.fail(
            "6.1.28",
            "/document/source_lang",
            format!("the document language and the source language are both `{l}`"),
        );
    }
    if let Some(c) = text(d, "category") {
        category(c, out);
    }
    if let Some(t) = d.get("tracking") {
        tracking(t, out);
    }
}

/// §6.1.11: syntax always; the name for the CWEs Embargo knows (see the parent module).
fn cwe(doc: &Value, out: &mut Out) {
    for (v, vuln) in arr(doc, "vulnerabilities").iter().enumerate() {
        let Some(c) = vuln.get("cwe") else { continue };
        let path = format!("/vulnerabilities/{v}/cwe");
        let Some(id) = text(c, "id") else { continue };
        let digits = id.strip_prefix("CWE-").unwrap_or("");
        if digits.is_empty()
            || digits.len() > 6
            || digits.starts_with('0')
            || !digits.bytes().all(|b| b.is_ascii_digit())
        {
            out.fail(
                "6.1.11",
                format!("{path}/id"),
                format!("`{id}` is not a CWE id (`CWE-` and a number)"),
            );
            continue;
        }
        if let Some(want) = crate::csaf::known_cwe_name(id)
            && text(c, "name").is_some_and(|n| n != want)
        {
            out.fail(
                "6.1.11",
                format!("{path}/name"),
                format!(
                    "`{id}` is named \"{want}\", not \"{}\"",
                    text(c, "name").unwrap_or_default()
                ),
            );
        }
    }
}

/// §6.1.26: a "CSAF Base" category must not be (a spelling of) another profile's name or
/// value, nor start with the reserved `csaf_`.
fn category(c: &str, out: &mut Out) {
    if PROFILE_CATEGORIES.contains(&c) {
        return;
    }
    let norm = |s: &str| {
        s.chars()
            .filter(|ch| !matches!(ch, '-' | '_') && !ch.is_whitespace())
            .flat_map(char::to_lowercase)
            .collect::<String>()
    };
    let given = norm(c);
    let prohibited = PROFILE_CATEGORIES[1..].iter().flat_map(|v| {
        let value = norm(v);
        let name = value.strip_prefix("csaf").unwrap_or(&value).to_owned();
        [value, name]
    });
    let reserved = c.to_lowercase().starts_with("csaf_");
    if reserved || prohibited.into_iter().any(|p| p == given) {
        out.fail(
            "6.1.26",
            "/document/category",
            format!(
                "`{c}` is reserved: it names another profile or uses the prefix `csaf_`; use `csaf_base` or a name of your own"
            ),
        );
    }
}

struct Rev<'a> {
    index: usize,
    number: &'a str,
    version: Option<DocVersion>,
    date: Option<jiff::Timestamp>,
}

fn tracking(t: &Value, out: &mut Out) {
    let status = text(t, "status");
    let released = matches!(status, Some("final" | "interim"));
    let version_text = text(t, "version");
    let version = version_text.and_then(DocVersion::parse);
    let revs: Vec<Rev<'_>> = arr(t, "revision_history")
        .iter()
        .enumerate()
        .filter_map(|(index, r)| {
            let number = text(r, "number")?;
            Some(Rev {
                index,
                number,
                version: DocVersion::parse(number),
                date: text(r, "date").and_then(|d| d.parse().ok()),
            })
        })
        .collect();
    let num_path = |r: &Rev<'_>| format!("{TRACKING}/revision_history/{}/number", r.index);

    // §6.1.17.
    if let Some(v) = &version
        && (v.major() == 0 || v.is_prerelease())
        && status != Some("draft")
    {
        out.fail(
            "6.1.17",
            format!("{TRACKING}/status"),
            format!(
                "the document version is `{}`, so the status must be `draft`, not `{}`",
                version_text.unwrap_or_default(),
                status.unwrap_or_default()
            ),
        );
    }
    // §6.1.20.
    if released && version.as_ref().is_some_and(DocVersion::is_prerelease) {
        out.fail(
            "6.1.20",
            format!("{TRACKING}/version"),
            format!(
                "the document is `{}` but its version `{}` is a pre-release",
                status.unwrap_or_default(),
                version_text.unwrap_or_default()
            ),
        );
    }
    for r in &revs {
        let Some(v) = &r.version else { continue };
        // §6.1.18.
        if released && v.major() == 0 {
            out.fail(
                "6.1.18",
                num_path(r),
                format!(
                    "the document is `{}` but the revision history has the version `{}`",
                    status.unwrap_or_default(),
                    r.number
                ),
            );
        }
        // §6.1.19.
        if v.is_prerelease() {
            out.fail(
                "6.1.19",
                num_path(r),
                format!(
                    "the revision history has the pre-release version `{}`",
                    r.number
                ),
            );
        }
    }
    // §6.1.22 (same text; build metadata makes a different number).
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for r in &revs {
        if let Some(prev) = seen.get(r.number) {
            out.fail(
                "6.1.22",
                format!("{TRACKING}/revision_history/{}", r.index),
                format!(
                    "the version `{}` is already in the revision history at index {prev}",
                    r.number
                ),
            );
        } else {
            seen.insert(r.number, r.index);
        }
    }
    // §6.1.30: every version_t of the document follows one scheme.
    let kinds = revs
        .iter()
        .filter_map(|r| r.version.as_ref().map(|v| (num_path(r), r.number, v)))
        .chain(version.as_ref().map(|v| {
            (
                format!("{TRACKING}/version"),
                version_text.unwrap_or_default(),
                v,
            )
        }));
    let mut first: Option<(String, bool)> = None;
    for (path, number, v) in kinds {
        let int = matches!(v, DocVersion::Int(_));
        match &first {
            None => first = Some((number.to_owned(), int)),
            Some((f, fint)) if *fint != int => {
                let scheme = |i: bool| if i { "integer" } else { "semantic" };
                out.fail(
                    "6.1.30",
                    path,
                    format!(
                        "`{number}` uses {} versioning but `{f}` uses {} versioning",
                        scheme(int),
                        scheme(*fint)
                    ),
                );
            }
            Some(_) => {}
        }
    }

    // The tests on the history sorted by date need every date and number readable.
    if revs.iter().any(|r| r.date.is_none() || r.version.is_none()) || revs.is_empty() {
        return;
    }
    let mut sorted: Vec<&Rev<'_>> = revs.iter().collect();
    sorted.sort_by(|a, b| {
        a.date.cmp(&b.date).then_with(|| {
            a.version
                .as_ref()
                .zip(b.version.as_ref())
                .and_then(|(x, y)| x.cmp_same_kind(y))
                .unwrap_or(std::cmp::Ordering::Equal)
        })
    });
    // §6.1.14.
    for w in sorted.windows(2) {
        let (a, b) = (w[0], w[1]);
        if let (Some(x), Some(y)) = (&a.version, &b.version)
            && x.cmp_same_kind(y) == Some(std::cmp::Ordering::Greater)
        {
            out.fail(
                "6.1.14",
                format!("{TRACKING}/revision_history/{}", b.index),
                format!(
                    "sorted by date, the version `{}` comes after `{}`, which is higher",
                    b.number, a.number
                ),
            );
        }
    }
    // §6.1.16: build metadata ignored; the pre-release part too for drafts.
    if let (Some(last), Some(v)) = (sorted.last(), &version)
        && let Some(lv) = &last.version
    {
        let same = match (lv, v) {
            (DocVersion::Int(a), DocVersion::Int(b)) => a == b,
            (DocVersion::Sem(a), DocVersion::Sem(b)) => {
                (a.major, a.minor, a.patch) == (b.major, b.minor, b.patch)
                    && (status == Some("draft") || a.pre == b.pre)
            }
            _ => false,
        };
        if !same {
            out.fail(
                "6.1.16",
                format!("{TRACKING}/version"),
                format!(
                    "the document version is `{}` but the latest revision (by date) is `{}`",
                    version_text.unwrap_or_default(),
                    last.number
                ),
            );
        }
    }
    // §6.1.21: the history starts at 0 or 1 and no (major) version is skipped.
    if let Some(first) = sorted.first()
        && let Some(v) = &first.version
        && v.major() > 1
    {
        out.fail(
            "6.1.21",
            format!("{TRACKING}/revision_history/{}", first.index),
            format!(
                "the first revision (by date) is `{}`; it must be 0 or 1 (major version 0 or 1)",
                first.number
            ),
        );
    }
    for w in sorted.windows(2) {
        if let (Some(x), Some(y)) = (&w[0].version, &w[1].version)
            && y.major() > x.major() + 1
        {
            out.fail(
                "6.1.21",
                format!("{TRACKING}/revision_history/{}", w[1].index),
                format!(
                    "the revision history goes from `{}` to `{}`: version {} is missing",
                    w[0].number,
                    w[1].number,
                    x.major() + 1
                ),
            );
        }
    }
}

//! The versions of a CVE 5 product (`#/definitions/product`: `collectionURL`, `versions[]`,
//! `defaultStatus`) as OSV packages and ranges, for [`super::ingest`].

use crate::osv::{OsvEvent, OsvRange, RangeKind};

use super::ingest::{Product, VersionEntry, VersionStatus};

/// The OSV ecosystem of a package index named by `collectionURL` (the schema's examples and
/// the URLs CNAs use), or `None` when the URL names no index known to OSV. Compared without
/// scheme, `www.` and trailing `/`; any other repository whose URL mentions `maven` is a Maven
/// repository, written `Maven:<url>` as OSV does for repositories other than Central.
pub fn ecosystem_for(collection_url: &str) -> Option<String> {
    let url = collection_url.trim().trim_end_matches('/');
    let bare = url
        .split_once("://")
        .map_or(url, |(_, r)| r)
        .trim_start_matches("www.")
        .to_ascii_lowercase();
    let host = bare.split('/').next().unwrap_or("");
    let eco = match host {
        "pypi.org" | "pypi.python.org" | "files.pythonhosted.org" => "PyPI",
        "crates.io" | "static.crates.io" | "index.crates.io" => "crates.io",
        "npmjs.com" | "npmjs.org" | "registry.npmjs.org" => "npm",
        "pkg.go.dev" | "go.dev" | "golang.org" | "proxy.golang.org" => "Go",
        "repo.maven.apache.org"
        | "repo1.maven.org"
        | "search.maven.org"
        | "central.sonatype.com"
        | "mvnrepository.com" => "Maven",
        "nuget.org" | "api.nuget.org" => "NuGet",
        "rubygems.org" => "RubyGems",
        "packagist.org" | "repo.packagist.org" => "Packagist",
        "hex.pm" | "repo.hex.pm" => "Hex",
        "pub.dev" => "Pub",
        "hackage.haskell.org" => "Hackage",
        "cran.r-project.org" => "CRAN",
        _ if bare.contains("maven") => return Some(format!("Maven:{url}")),
        _ => return None,
    };
    Some(eco.to_owned())
}

/// The OSV range type for versions of `versionType` in `ecosystem`: `SEMVER` for the
/// ecosystems whose versions are SemVer (OSV §"affected[].ranges[].type"), `ECOSYSTEM`
/// otherwise, so the ecosystem's own ordering applies.
pub(crate) fn range_kind(version_type: Option<&str>, ecosystem: &str) -> RangeKind {
    let semver_ecosystem = matches!(ecosystem, "Go" | "crates.io" | "npm" | "Hex" | "Pub");
    if version_type == Some("semver") && semver_ecosystem {
        RangeKind::Semver
    } else {
        RangeKind::Ecosystem
    }
}

/// OSV spells Go versions without the `v` the Go toolchain writes.
pub(crate) fn osv_version(ecosystem: &str, v: &str) -> String {
    match v.strip_prefix('v') {
        Some(rest) if ecosystem == "Go" && rest.starts_with(|c: char| c.is_ascii_digit()) => {
            rest.to_owned()
        }
        _ => v.to_owned(),
    }
}

/// The OSV events of one version range entry, walking its status from `version` through
/// `changes` (listed in version order) to the upper bound: entering `affected` is
/// `introduced`, leaving it `fixed`, and still affected at the end `fixed: lessThan` or
/// `last_affected: lessThanOrEqual` (nothing for `*`, the schema's "no upper bound").
/// `unknown` counts as not affected: OSV lists what is known to be affected.
pub(crate) fn span_events(e: &VersionEntry, eco: &str) -> Vec<OsvEvent> {
    let v = |s: &str| osv_version(eco, s);
    let mut out = Vec::new();
    let mut affected = false;
    let mut set = |status: VersionStatus, at: &str, out: &mut Vec<OsvEvent>| {
        let now = status == VersionStatus::Affected;
        if now && !affected {
            out.push(OsvEvent::Introduced(v(at)));
        } else if !now && affected {
            out.push(OsvEvent::Fixed(v(at)));
        }
        affected = now;
    };
    set(e.status, &e.version, &mut out);
    for c in &e.changes {
        set(c.status, &c.at, &mut out);
    }
    if affected {
        match (&e.less_than, &e.less_than_or_equal) {
            (Some(hi), _) if hi != "*" => out.push(OsvEvent::Fixed(v(hi))),
            (None, Some(hi)) if hi != "*" => out.push(OsvEvent::LastAffected(v(hi))),
            _ => {}
        }
    }
    out
}

/// A bound with a wildcard other than a lone `*` (`2.1.*`) cannot be written as an OSV
/// event.
fn has_wildcard(e: &VersionEntry) -> bool {
    [&e.less_than, &e.less_than_or_equal]
        .into_iter()
        .flatten()
        .any(|b| b != "*" && b.contains('*'))
}

/// The converted versions of a product: OSV ranges, enumerated affected versions, and notes
/// on what could not be converted.
pub(crate) struct Converted {
    pub(crate) ranges: Vec<OsvRange>,
    pub(crate) versions: Vec<String>,
    pub(crate) notes: Vec<String>,
}

/// Converts `versions[]` and `defaultStatus` of a product (`#/definitions/product`) in
/// `ecosystem` (empty for a GIT-only product).
///
/// * A range entry becomes one OSV range ([`span_events`]); `git` ones a `GIT` range on
///   `repo`.
/// * A single `affected` version is listed in `versions`.
/// * `defaultStatus: affected` (everything not listed is affected) with no range entries
///   becomes `introduced: 0`, cut at `fixed: X` by one open unaffected range `X … *`; other
///   combinations (unaffected islands inside an affected default, wildcards) need an
///   ordering the record does not give and are noted, not guessed.
pub(crate) fn ranges(p: &Product, eco: &str) -> Converted {
    let mut c = Converted {
        ranges: Vec::new(),
        versions: Vec::new(),
        notes: Vec::new(),
    };
    let is_range = |e: &VersionEntry| e.less_than.is_some() || e.less_than_or_equal.is_some();
    for e in &p.versions {
        if !is_range(e) {
            if e.status == VersionStatus::Affected {
                let v = osv_version(eco, &e.version);
                if !c.versions.contains(&v) {
                    c.versions.push(v);
                }
            }
            continue;
        }
        if has_wildcard(e) && e.changes.is_empty() {
            c.notes.push(format!(
                "range from `{}` with a wildcard bound not converted",
                e.version
            ));
            continue;
        }
        let events = span_events(e, eco);
        if events.is_empty() {
            continue;
        }
        let git = e.version_type.as_deref() == Some("git");
        let range = OsvRange {
            kind: if git {
                RangeKind::Git
            } else {
                range_kind(e.version_type.as_deref(), eco)
            },
            repo: if git { p.repo.clone() } else { None },
            events,
            database_specific: None,
        };
        if git && range.repo.is_none() {
            c.notes
                .push(format!("git range from `{}` without `repo`", e.version));
        } else if !c.ranges.contains(&range) {
            c.ranges.push(range);
        }
    }
    if p.default_status == Some(VersionStatus::Affected) {
        let others: Vec<&VersionEntry> = p
            .versions
            .iter()
            .filter(|e| e.status != VersionStatus::Affected)
            .collect();
        let open_unaffected = |e: &&VersionEntry| {
            e.status == VersionStatus::Unaffected
                && e.changes.is_empty()
                && (e.less_than.as_deref() == Some("*")
                    || e.less_than_or_equal.as_deref() == Some("*"))
        };
        let kind = range_kind(
            p.versions.iter().find_map(|e| e.version_type.as_deref()),
            eco,
        );
        let mut events = vec![OsvEvent::Introduced("0".into())];
        match others.as_slice() {
            [] => {}
            [one] if open_unaffected(one) => {
                events.push(OsvEvent::Fixed(osv_version(eco, &one.version)));
            }
            _ => {
                c.notes.push(
                    "defaultStatus `affected` with unaffected versions other than one open range not converted"
                        .into(),
                );
                events.clear();
            }
        }
        if !events.is_empty() && !eco.is_empty() {
            c.ranges.push(OsvRange {
                kind,
                repo: None,
                events,
                database_specific: None,
            });
        }
    }
    c
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::cve5::ingest::Change;

    #[test]
    fn collection_urls() {
        let e = |u: &str| ecosystem_for(u);
        assert_eq!(e("https://pypi.org/").as_deref(), Some("PyPI"));
        assert_eq!(e("https://pypi.python.org").as_deref(), Some("PyPI"));
        assert_eq!(e("https://crates.io").as_deref(), Some("crates.io"));
        assert_eq!(e("https://www.npmjs.com").as_deref(), Some("npm"));
        assert_eq!(e("https://registry.npmjs.org").as_deref(), Some("npm"));
        assert_eq!(e("https://pkg.go.dev").as_deref(), Some("Go"));
        assert_eq!(
            e("https://repo.maven.apache.org/maven2").as_deref(),
            Some("Maven")
        );
        assert_eq!(
            e("https://maven.example.org/releases").as_deref(),
            Some("Maven:https://maven.example.org/releases")
        );
        assert_eq!(e("https://example.org/packages"), None);
    }

    fn entry(
        version: &str,
        status: VersionStatus,
        lt: Option<&str>,
        changes: &[(&str, VersionStatus)],
    ) -> VersionEntry {
        VersionEntry {
            version: version.into(),
            status,
            version_type: Some("semver".into()),
            less_than: lt.map(Into::into),
            less_than_or_equal: None,
            changes: changes
                .iter()
                .map(|(at, status)| Change {
                    at: (*at).into(),
                    status: *status,
                })
                .collect(),
        }
    }

    #[test]
    fn spans_walk_their_changes() {
        use OsvEvent::{Fixed, Introduced};
        use VersionStatus::{Affected as A, Unaffected as U};
        assert_eq!(
            span_events(&entry("1.0.0", A, Some("1.0.6"), &[]), "npm"),
            vec![Introduced("1.0.0".into()), Fixed("1.0.6".into())]
        );
        assert_eq!(
            span_events(&entry("3.0.0", U, Some("*"), &[]), "npm"),
            vec![]
        );
        assert_eq!(
            span_events(
                &entry("2.1.0", U, Some("2.1.*"), &[("2.1.6", A), ("2.1.9", U)]),
                "npm"
            ),
            vec![Introduced("2.1.6".into()), Fixed("2.1.9".into())]
        );
        assert_eq!(
            span_events(&entry("v0", A, Some("v1.2.3"), &[]), "Go"),
            vec![Introduced("0".into()), Fixed("1.2.3".into())]
        );
        assert_eq!(
            span_events(&entry("1.0", A, Some("*"), &[("1.5", U)]), "PyPI"),
            vec![Introduced("1.0".into()), Fixed("1.5".into())]
        );
    }
}

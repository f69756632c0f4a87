//! The real-advisory test (issue 6, item 3): the 300 OSV advisories in `fixtures/advisories/`
//! (PyPA YAML, Go vulndb and RustSec JSON) parse, and their enumerated `versions` agree with
//! their ranges: every listed version is inside the ranges, and neighbours outside (each `fixed`
//! version, the version just before `introduced`, the one just after `last_affected`) are not.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use embargo_domain::version::range::Verdict;
use embargo_formats::osv::{self, Affected, OsvEvent, RangeKind, Vulnerability};

fn advisories_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/advisories")
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_under(&path, out);
        } else if path.extension().is_some_and(|e| e == "json" || e == "yaml") {
            out.push(path);
        }
    }
}

fn load_all() -> Vec<(PathBuf, Vulnerability)> {
    let mut files = Vec::new();
    files_under(&advisories_dir(), &mut files);
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            let parsed = if path.extension().is_some_and(|e| e == "yaml") {
                osv::from_yaml(&text)
            } else {
                osv::from_json(&text)
            };
            let v = parsed.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (path, v)
        })
        .collect()
}

#[test]
fn all_300_advisories_parse() {
    let all = load_all();
    assert_eq!(all.len(), 300);
    let withdrawn = all.iter().filter(|(_, v)| v.is_withdrawn()).count();
    assert_eq!(withdrawn, 2, "the PyPA sample has 2 withdrawn records");
    for (path, v) in &all {
        let stem = path.file_stem().unwrap().to_string_lossy();
        assert_eq!(v.id, stem, "file name is the id");
    }
}

/// The version just before `v` when `v` is a plain dotted release ending in a number > 0
/// (`1.4.2` → `1.4.1`); `None` when there is no obvious predecessor.
fn predecessor(v: &str) -> Option<String> {
    let (head, last) = v.rsplit_once('.')?;
    if !head
        .split('.')
        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let n: u64 = last.parse().ok()?;
    Some(format!("{head}.{}", n.checked_sub(1)?))
}

/// The next plain release after `v` (`1.4.2` → `1.4.3`).
fn successor(v: &str) -> Option<String> {
    let (head, last) = v.rsplit_once('.')?;
    if !head
        .split('.')
        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let n: u64 = last.parse().ok()?;
    Some(format!("{head}.{}", n + 1))
}

#[derive(Default, Debug)]
struct Tally {
    advisories: usize,
    with_versions: usize,
    entries: usize,
    listed_versions: usize,
    neighbours: usize,
    git_only_entries: usize,
    git_only_versions: usize,
    disagreements: Vec<String>,
}

fn check_entry(id: &str, a: &Affected, t: &mut Tally) {
    let orderable = a.ranges.iter().any(|r| r.kind != RangeKind::Git);
    if !orderable {
        // GIT ranges only: the enumerated versions decide, everything else is not affected.
        t.git_only_entries += 1;
        for v in &a.versions {
            t.git_only_versions += 1;
            if a.affects(v).unwrap() != Verdict::Affected {
                t.disagreements
                    .push(format!("{id}: listed {v} not affected"));
            }
            if a.ranges_affect(v).unwrap() != Verdict::Unknown {
                t.disagreements
                    .push(format!("{id}: GIT range decided {v} without versions"));
            }
        }
        return;
    }
    t.entries += 1;
    // Judge by the orderable ranges alone: a GIT range next to them would answer "unknown"
    // for any version once the enumerated versions are set aside.
    let a = &Affected {
        ranges: a
            .ranges
            .iter()
            .filter(|r| r.kind != RangeKind::Git)
            .cloned()
            .collect(),
        ..a.clone()
    };
    for v in &a.versions {
        t.listed_versions += 1;
        match a.ranges_affect(v) {
            Ok(Verdict::Affected) => {}
            other => t
                .disagreements
                .push(format!("{id}: listed version {v} → {other:?}")),
        }
    }
    let outside = |v: String, why: &str, t: &mut Tally| {
        if a.versions.contains(&v) {
            return; // listed as affected (e.g. by another range): not a neighbour outside.
        }
        t.neighbours += 1;
        match a.ranges_affect(&v) {
            Ok(Verdict::NotAffected) => {}
            other => t.disagreements.push(format!("{id}: {why} {v} → {other:?}")),
        }
    };
    for r in a.ranges.iter().filter(|r| r.kind != RangeKind::Git) {
        // Only the first `introduced` of a range: the plain predecessor of a later one may lie
        // in an earlier interval (PYSEC-2010-16: introduced 1.8, fixed 1.8.8, introduced 1.9).
        let mut first_introduced = true;
        for e in &r.events {
            match e {
                OsvEvent::Fixed(f) => outside(f.clone(), "fixed version", t),
                OsvEvent::Introduced(i) if std::mem::take(&mut first_introduced) && i != "0" => {
                    if let Some(p) = predecessor(i) {
                        outside(p, "version before introduced", t);
                    }
                }
                OsvEvent::LastAffected(l) => {
                    if let Some(s) = successor(l) {
                        outside(s, "version after last_affected", t);
                    }
                }
                _ => {}
            }
        }
    }
}

#[test]
fn enumerated_versions_agree_with_ranges() {
    let mut t = Tally::default();
    for (_, v) in load_all() {
        if v.is_withdrawn() {
            continue;
        }
        if v.affected.iter().any(|a| !a.versions.is_empty()) {
            t.with_versions += 1;
        }
        let mut counted = false;
        for a in &v.affected {
            if a.versions.is_empty() && a.ranges.iter().all(|r| r.kind == RangeKind::Git) {
                continue;
            }
            if !counted {
                t.advisories += 1;
                counted = true;
            }
            check_entry(&v.id, a, &mut t);
        }
    }
    println!(
        "advisories checked: {} ({} with versions lists), affected entries with orderable ranges: {}, listed versions inside ranges: {}, neighbours outside: {}, GIT-only entries: {} ({} versions)",
        t.advisories,
        t.with_versions,
        t.entries,
        t.listed_versions,
        t.neighbours,
        t.git_only_entries,
        t.git_only_versions
    );
    assert!(
        t.disagreements.is_empty(),
        "{} disagreements:\n{}",
        t.disagreements.len(),
        t.disagreements.join("\n")
    );
    assert!(t.listed_versions > 1000, "{t:?}");
}

#[test]
fn ranges_without_versions_still_evaluate() {
    // Go and RustSec records mostly have no `versions` list; their ranges must evaluate on
    // their own event versions without errors.
    let mut evaluated = 0;
    for (_, v) in load_all() {
        for a in &v.affected {
            for r in a.ranges.iter().filter(|r| r.kind != RangeKind::Git) {
                for e in &r.events {
                    let (OsvEvent::Introduced(x)
                    | OsvEvent::Fixed(x)
                    | OsvEvent::LastAffected(x)
                    | OsvEvent::Limit(x)) = e;
                    if x == "0" {
                        continue;
                    }
                    a.ranges_affect(x)
                        .unwrap_or_else(|err| panic!("{}: {x}: {err}", v.id));
                    evaluated += 1;
                }
            }
        }
    }
    println!("event versions evaluated: {evaluated}");
    assert!(evaluated > 300);
}

/// The OSV export of the canonical advisory (`osv::from_advisory`): valid against the official
/// schema, carrying what it should (never a credit given without consent), and read back by
/// our own parser and range evaluation with the same verdicts. `sample()` and `publisher()`
/// are shared with the CVE 5 and Atom tests.
pub mod export {
    use embargo_domain::advisory::{
        Advisory, Affected, AffectedRange, Credit, CreditKind, IdFormat, RangeEvent, RangeKind,
        Reference, ReferenceKind,
    };
    use embargo_domain::version::range::Verdict;
    use embargo_formats::osv;
    use embargo_formats::publisher::Publisher;
    use serde_json::{Value, json};

    use crate::schema::assert_valid;

    pub const V31: &str = "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N";
    pub const V40: &str = "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N";
    pub const GIT_INTRODUCED: &str = "8d2c1e0f6b7a3c4d5e6f708192a3b4c5d6e7f809";
    pub const GIT_FIXED: &str = "f3a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1";

    pub fn t(s: &str) -> jiff::Timestamp {
        s.parse().unwrap()
    }

    pub fn publisher() -> Publisher {
        Publisher {
            name: "Spartan Conseil".into(),
            base_url: "https://security.example.org".into(),
            contact: Some("mailto:security@example.org".into()),
            product: "obserae".into(),
            cve_org_id: None,
            cve_short_name: None,
        }
    }

    fn range(kind: RangeKind, repo: Option<&str>, events: Vec<RangeEvent>) -> AffectedRange {
        AffectedRange {
            kind,
            repo: repo.map(Into::into),
            events,
        }
    }

    /// A published advisory with a crate (two SEMVER ranges), a product outside any ecosystem,
    /// a C library known by its repository (GIT range), a PyPI package (ECOSYSTEM range), two
    /// CVSS vectors, and a credit given without consent.
    pub fn sample() -> Advisory {
        use RangeEvent::{Fixed, Introduced, LastAffected};
        let mut a = Advisory::draft(
            IdFormat::new("OBS-SA", 4).unwrap().make(2026, 3),
            "Path traversal in export <archive> & \"restore\"".into(),
            t("2026-02-01T10:00:00Z"),
        );
        a.summary = "A crafted archive name escapes the export directory.".into();
        a.details =
            "The `name` field is joined to the export root without checks.\n\nSee <b>the fix</b>."
                .into();
        a.workarounds = "Disable exports (`export.enabled = false`).".into();
        a.aliases = vec!["CVE-2026-12345".into(), "GHSA-4c7x-2m9v-8fqh".into()];
        a.cwes = vec!["CWE-22".into()];
        a.cvss = vec![V31.into(), V40.into()];
        a.references = vec![
            Reference {
                kind: ReferenceKind::Fix,
                url: "https://git.example.org/obserae/commit/f3a9b8c".into(),
            },
            Reference {
                kind: ReferenceKind::Report,
                url: "https://issues.example.org/obserae/412".into(),
            },
            Reference {
                kind: ReferenceKind::Article,
                url: "https://blog.example.org/path-traversal".into(),
            },
            Reference {
                kind: ReferenceKind::Web,
                url: "https://example.org/notes".into(),
            },
            // The advisory's own page again: listed once.
            Reference {
                kind: ReferenceKind::Advisory,
                url: "https://security.example.org/advisories/OBS-SA-2026-0003".into(),
            },
        ];
        a.credits = vec![
            Credit {
                name: "Ana Lima".into(),
                contact: Some("https://ana.example".into()),
                kind: CreditKind::Finder,
                consent: true,
            },
            Credit {
                name: "Hidden Helper".into(),
                contact: Some("mailto:hidden@example.net".into()),
                kind: CreditKind::Analyst,
                consent: false,
            },
            Credit {
                name: "Bo Chen".into(),
                contact: None,
                kind: CreditKind::RemediationDeveloper,
                consent: true,
            },
        ];
        a.affected = vec![
            Affected {
                ecosystem: "crates.io".into(),
                name: "obserae".into(),
                purl: Some("pkg:cargo/obserae".into()),
                ranges: vec![range(
                    RangeKind::Semver,
                    None,
                    vec![
                        Introduced("0".into()),
                        Fixed("1.4.2".into()),
                        Introduced("2.0.0".into()),
                        Fixed("2.1.3".into()),
                    ],
                )],
                versions: vec![],
                patched: vec!["1.4.2".into(), "2.1.3".into()],
            },
            Affected {
                ecosystem: String::new(),
                name: "obserae appliance".into(),
                purl: None,
                ranges: vec![range(
                    RangeKind::Semver,
                    None,
                    vec![Introduced("7.0.0".into()), LastAffected("7.4.1".into())],
                )],
                versions: vec![],
                patched: vec![],
            },
            Affected {
                ecosystem: String::new(),
                name: "libobs".into(),
                purl: None,
                ranges: vec![range(
                    RangeKind::Git,
                    Some("https://git.example.org/libobs.git"),
                    vec![Introduced(GIT_INTRODUCED.into()), Fixed(GIT_FIXED.into())],
                )],
                versions: vec!["v1.0.0".into(), "v1.0.1".into()],
                patched: vec![],
            },
            Affected {
                ecosystem: "PyPI".into(),
                name: "obserae-client".into(),
                purl: Some("pkg:pypi/obserae-client".into()),
                ranges: vec![range(
                    RangeKind::Ecosystem,
                    None,
                    vec![Introduced("0".into()), Fixed("3.2.1".into())],
                )],
                versions: vec![],
                patched: vec![],
            },
        ];
        assert!(a.check().is_empty(), "{:?}", a.check());
        a.publish(t("2026-03-01T09:00:00Z"), "");
        a
    }

    fn export(a: &Advisory) -> Value {
        let v = serde_json::to_value(osv::from_advisory(a, &publisher())).unwrap();
        assert_valid("osv/schema.json", &v);
        v
    }

    #[test]
    fn top_level_fields() {
        let v = export(&sample());
        assert_eq!(v["schema_version"], "1.7.0");
        assert_eq!(v["id"], "x_OBS-SA-2026-0003");
        assert_eq!(v["published"], "2026-03-01T09:00:00Z");
        assert_eq!(v["modified"], "2026-03-01T09:00:00Z");
        assert!(v.get("withdrawn").is_none());
        assert_eq!(
            v["aliases"],
            json!(["CVE-2026-12345", "GHSA-4c7x-2m9v-8fqh"])
        );
        assert_eq!(
            v["summary"],
            "Path traversal in export <archive> & \"restore\""
        );
        let details = v["details"].as_str().unwrap();
        assert!(
            details.starts_with(
                "A crafted archive name escapes the export directory.\n\nThe `name` field"
            ),
            "{details}"
        );
        assert!(
            details.ends_with("## Workarounds\n\nDisable exports (`export.enabled = false`)."),
            "{details}"
        );
        assert_eq!(
            v["severity"],
            json!([{"type": "CVSS_V3", "score": V31}, {"type": "CVSS_V4", "score": V40}])
        );
    }

    #[test]
    fn ghsa_database_specific() {
        let mut a = sample();
        let v = export(&a);
        // The CVSS 4.0 vector scores higher (High) than the 3.1 one (Medium, 6.5).
        assert_eq!(
            v["database_specific"],
            json!({"cwe_ids": ["CWE-22"], "severity": "HIGH"})
        );
        a.cvss = vec![V31.into()];
        a.cwes.clear();
        let v = export(&a);
        assert_eq!(
            v["database_specific"],
            json!({"cwe_ids": [], "severity": "MODERATE"})
        );
        a.cvss.clear();
        assert_eq!(export(&a)["database_specific"], json!({"cwe_ids": []}));
    }

    #[test]
    fn affected_packages_ranges_and_events_in_order() {
        let v = export(&sample());
        let affected = v["affected"].as_array().unwrap();
        // The appliance has no ecosystem and no GIT range: nothing OSV can match.
        assert_eq!(affected.len(), 3, "{affected:#?}");
        assert!(!v.to_string().contains("obserae appliance"));
        assert_eq!(
            affected[0]["package"],
            json!({"ecosystem": "crates.io", "name": "obserae", "purl": "pkg:cargo/obserae"})
        );
        assert_eq!(
            affected[0]["ranges"],
            json!([{"type": "SEMVER", "events": [
                {"introduced": "0"}, {"fixed": "1.4.2"},
                {"introduced": "2.0.0"}, {"fixed": "2.1.3"}
            ]}])
        );
        // The C library: no `package`, its GIT range and tags.
        assert!(affected[1].get("package").is_none());
        assert_eq!(
            affected[1]["ranges"],
            json!([{"type": "GIT", "repo": "https://git.example.org/libobs.git", "events": [
                {"introduced": GIT_INTRODUCED}, {"fixed": GIT_FIXED}
            ]}])
        );
        assert_eq!(affected[1]["versions"], json!(["v1.0.0", "v1.0.1"]));
        assert_eq!(
            affected[1]["database_specific"],
            json!({"product": "libobs"})
        );
        assert_eq!(affected[2]["package"]["ecosystem"], "PyPI");
        assert_eq!(affected[2]["ranges"][0]["type"], "ECOSYSTEM");
    }

    #[test]
    fn references_and_consented_credits_only() {
        let v = export(&sample());
        assert_eq!(
            v["references"],
            json!([
                {"type": "ADVISORY", "url": "https://security.example.org/advisories/OBS-SA-2026-0003"},
                {"type": "FIX", "url": "https://git.example.org/obserae/commit/f3a9b8c"},
                {"type": "REPORT", "url": "https://issues.example.org/obserae/412"},
                {"type": "ARTICLE", "url": "https://blog.example.org/path-traversal"},
                {"type": "WEB", "url": "https://example.org/notes"},
            ])
        );
        assert_eq!(
            v["credits"],
            json!([
                {"name": "Ana Lima", "contact": ["https://ana.example"], "type": "FINDER"},
                {"name": "Bo Chen", "type": "REMEDIATION_DEVELOPER"},
            ])
        );
        let text = osv::to_json(&osv::from_advisory(&sample(), &publisher())).unwrap();
        assert!(!text.contains("Hidden Helper"), "{text}");
        assert!(!text.contains("hidden@example.net"), "{text}");
    }

    #[test]
    fn round_trip_through_parser_and_range_evaluation() {
        let text = osv::to_json(&osv::from_advisory(&sample(), &publisher())).unwrap();
        let back = osv::from_json(&text).unwrap();
        assert_eq!(back, osv::from_advisory(&sample(), &publisher()));
        let verdict =
            |eco: &str, name: &str, version: &str| back.affects(eco, name, version).unwrap();
        for inside in ["0.1.0", "1.4.1", "2.0.0", "2.1.2"] {
            assert_eq!(
                verdict("crates.io", "obserae", inside),
                Verdict::Affected,
                "{inside}"
            );
        }
        for outside in ["1.4.2", "1.9.9", "2.1.3", "3.0.0"] {
            assert_eq!(
                verdict("crates.io", "obserae", outside),
                Verdict::NotAffected,
                "{outside}"
            );
        }
        assert_eq!(
            verdict("PyPI", "obserae-client", "3.2.0"),
            Verdict::Affected
        );
        assert_eq!(
            verdict("PyPI", "obserae-client", "3.2.1"),
            Verdict::NotAffected
        );
        assert_eq!(verdict("npm", "obserae", "1.0.0"), Verdict::NotAffected);
    }

    #[test]
    fn withdrawn_draft_and_mixed_range_records_validate() {
        let mut a = sample();
        a.withdraw(t("2026-03-05T12:30:00Z"), "duplicate of OBS-SA-2026-0002");
        let v = export(&a);
        assert_eq!(v["withdrawn"], "2026-03-05T12:30:00Z");
        assert_eq!(v["modified"], "2026-03-05T12:30:00Z");
        assert_eq!(
            v["summary"],
            "Path traversal in export <archive> & \"restore\" (withdrawn: duplicate of OBS-SA-2026-0002)"
        );

        let draft = Advisory::draft(
            IdFormat::new("OBS-SA", 4).unwrap().make(2026, 4),
            "Draft".into(),
            t("2026-03-01T09:00:00Z"),
        );
        let v = export(&draft);
        assert!(v.get("published").is_none() && v.get("details").is_none());
        assert!(v.get("affected").is_none() && v.get("credits").is_none());

        // `fixed` and `last_affected` in one range (the schema forbids it): split in two.
        let mut a = sample();
        a.affected[0].ranges[0].events.extend([
            RangeEvent::Introduced("3.0.0".into()),
            RangeEvent::LastAffected("3.0.4".into()),
        ]);
        let v = export(&a);
        assert_eq!(v["affected"][0]["ranges"].as_array().unwrap().len(), 3);
        let back = osv::from_value(v).unwrap();
        for (version, expected) in [
            ("1.0.0", Verdict::Affected),
            ("2.1.3", Verdict::NotAffected),
            ("3.0.4", Verdict::Affected),
            ("3.0.5", Verdict::NotAffected),
        ] {
            assert_eq!(
                back.affects("crates.io", "obserae", version).unwrap(),
                expected,
                "{version}"
            );
        }
    }
}

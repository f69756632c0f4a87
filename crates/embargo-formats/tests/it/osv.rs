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

//! Merging records into vulnerabilities by the alias graph, keeping every per-source record.
//!
//! Records are nodes; a record's id and each of its `aliases[]` are joined (union-find with path
//! halving), so CVE ↔ GHSA ↔ PYSEC ↔ GO ↔ RUSTSEC chains merge transitively and cycles are
//! harmless (a union of two ids already joined is a no-op). The per-field rule of the merged
//! view is documented in `docs/FEED.md` and implemented in [`merge`].

use std::collections::{BTreeMap, BTreeSet, HashMap};

use embargo_formats::osv::{OsvEvent, OsvRange, Reference, Severity, Vulnerability};
use serde::Serialize;

use crate::package::key_of_package;

/// Union-find over record ids and aliases.
#[derive(Debug, Default, Clone)]
pub struct AliasGraph {
    index: HashMap<String, usize>,
    names: Vec<String>,
    parent: Vec<usize>,
}

impl AliasGraph {
    pub fn new() -> Self {
        Self::default()
    }

    fn node(&mut self, id: &str) -> usize {
        if let Some(&i) = self.index.get(id) {
            return i;
        }
        let i = self.names.len();
        self.names.push(id.to_owned());
        self.parent.push(i);
        self.index.insert(id.to_owned(), i);
        i
    }

    fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    /// Joins two ids (either may be new).
    pub fn union(&mut self, a: &str, b: &str) {
        let (a, b) = (self.node(a), self.node(b));
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            // The smaller root wins: deterministic whatever the insertion order.
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.parent[hi] = lo;
        }
    }

    /// Adds a record: its id joined with each alias.
    pub fn add(&mut self, id: &str, aliases: &[String]) {
        self.node(id);
        for a in aliases {
            self.union(id, a);
        }
    }

    /// Whether two ids are in one group.
    pub fn same(&mut self, a: &str, b: &str) -> bool {
        match (self.index.get(a).copied(), self.index.get(b).copied()) {
            (Some(a), Some(b)) => self.find(a) == self.find(b),
            _ => a == b,
        }
    }

    /// Every group, each sorted, the groups sorted by their first id.
    pub fn groups(&mut self) -> Vec<Vec<String>> {
        let mut by_root: BTreeMap<usize, Vec<String>> = BTreeMap::new();
        for i in 0..self.names.len() {
            let r = self.find(i);
            by_root.entry(r).or_default().push(self.names[i].clone());
        }
        let mut groups: Vec<Vec<String>> = by_root
            .into_values()
            .map(|mut g| {
                g.sort();
                g
            })
            .collect();
        groups.sort();
        groups
    }
}

/// The id an alias group goes by when it has a CVE: the smallest CVE id among `ids`.
pub fn cve_of<'a>(ids: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    ids.into_iter().filter(|i| i.starts_with("CVE-")).min()
}

/// Merge priority of a source: lower comes first. The ecosystem's own database knows its
/// package names and versions best; GHSA is curated per package; CVE records come from the CNA;
/// NVD and CSAF describe products rather than packages.
pub fn source_rank(source: &str) -> u8 {
    match source {
        "ghsa" => 1,
        "cve" | "cve5" => 2,
        "nvd" => 3,
        s if s.starts_with("csaf") => 4,
        _ => 0,
    }
}

/// A value and the record it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sourced<T> {
    pub source: String,
    pub id: String,
    pub value: T,
}

/// One input of the merge: a record and its provenance.
#[derive(Debug, Clone)]
pub struct Input {
    pub source: String,
    pub origin: String,
    pub digest: String,
    pub ingested_at: String,
    pub vuln: Vulnerability,
}

/// A per-source record in the merged view (provenance, without the body).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceRecord {
    pub source: String,
    pub id: String,
    pub modified: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<String>,
    pub origin: String,
    pub digest: String,
    pub ingested_at: String,
}

/// One package of the merged view: the union of every source's ranges and versions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MergedAffected {
    pub package_key: String,
    pub ecosystem: String,
    pub name: String,
    pub ranges: Vec<Sourced<OsvRange>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<String>,
    /// Per source record, the `fixed` events it gives for this package.
    pub fixed: Vec<Sourced<Vec<String>>>,
}

/// Two or more sources disagree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conflict {
    /// `fixed` or `severity.<TYPE>`.
    pub field: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    pub values: Vec<Sourced<String>>,
}

/// A vulnerability merged from every record of one alias group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Merged {
    pub id: String,
    pub aliases: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<Sourced<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<Sourced<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    pub modified: String,
    pub withdrawn: bool,
    pub severity: Vec<Sourced<Severity>>,
    pub affected: Vec<MergedAffected>,
    pub references: Vec<Reference>,
    pub records: Vec<SourceRecord>,
    pub conflicts: Vec<Conflict>,
}

fn fixed_events(ranges: &[OsvRange]) -> Vec<String> {
    let set: BTreeSet<String> = ranges
        .iter()
        .flat_map(|r| &r.events)
        .filter_map(|e| match e {
            OsvEvent::Fixed(v) => Some(v.clone()),
            _ => None,
        })
        .collect();
    set.into_iter().collect()
}

/// The merged view of the records of one alias group (see `docs/FEED.md`, "Merge rule").
/// Returns `None` for an empty group.
pub fn merge(mut inputs: Vec<Input>) -> Option<Merged> {
    // Priority order: live records before withdrawn ones, then source rank, then id.
    inputs.sort_by(|a, b| {
        (
            a.vuln.is_withdrawn(),
            source_rank(&a.source),
            &a.vuln.id,
            &a.source,
        )
            .cmp(&(
                b.vuln.is_withdrawn(),
                source_rank(&b.source),
                &b.vuln.id,
                &b.source,
            ))
    });
    let first = inputs.first()?;
    let all_withdrawn = first.vuln.is_withdrawn();
    // Withdrawn records stay listed but only speak when every record is withdrawn.
    let speaking: Vec<&Input> = inputs
        .iter()
        .filter(|i| all_withdrawn || !i.vuln.is_withdrawn())
        .collect();
    let mut ids: BTreeSet<String> = BTreeSet::new();
    for i in &inputs {
        ids.insert(i.vuln.id.clone());
        ids.extend(i.vuln.aliases.iter().cloned());
    }
    let id = cve_of(ids.iter().map(String::as_str))
        .unwrap_or(&first.vuln.id)
        .to_owned();
    let sourced = |i: &Input, value: String| Sourced {
        source: i.source.clone(),
        id: i.vuln.id.clone(),
        value,
    };
    let pick = |f: fn(&Vulnerability) -> &Option<String>| {
        speaking
            .iter()
            .find_map(|i| f(&i.vuln).clone().map(|v| sourced(i, v)))
    };
    let summary = pick(|v| &v.summary);
    let details = pick(|v| &v.details);
    let published = inputs.iter().filter_map(|i| i.vuln.published.clone()).min();
    let modified = inputs
        .iter()
        .map(|i| i.vuln.modified.clone())
        .max()
        .unwrap_or_default();

    let mut severity = Vec::new();
    let mut by_type: BTreeMap<String, Vec<Sourced<String>>> = BTreeMap::new();
    let mut affected: Vec<MergedAffected> = Vec::new();
    let mut references: Vec<Reference> = Vec::new();
    for i in &speaking {
        for s in &i.vuln.severity {
            severity.push(Sourced {
                source: i.source.clone(),
                id: i.vuln.id.clone(),
                value: s.clone(),
            });
            by_type
                .entry(s.kind.clone())
                .or_default()
                .push(sourced(i, s.score.clone()));
        }
        for r in &i.vuln.references {
            if !references.iter().any(|x| x.url == r.url) {
                references.push(r.clone());
            }
        }
        for a in &i.vuln.affected {
            let Some(p) = &a.package else { continue };
            let key = key_of_package(&p.ecosystem, &p.name, p.purl.as_deref());
            let pos = match affected.iter().position(|m| m.package_key == key) {
                Some(pos) => pos,
                None => {
                    affected.push(MergedAffected {
                        package_key: key,
                        ecosystem: p.ecosystem.clone(),
                        name: p.name.clone(),
                        ranges: Vec::new(),
                        versions: Vec::new(),
                        fixed: Vec::new(),
                    });
                    affected.len() - 1
                }
            };
            let m = &mut affected[pos];
            for r in &a.ranges {
                if !m.ranges.iter().any(|x| x.value == *r) {
                    m.ranges.push(Sourced {
                        source: i.source.clone(),
                        id: i.vuln.id.clone(),
                        value: r.clone(),
                    });
                }
            }
            for v in &a.versions {
                if !m.versions.contains(v) {
                    m.versions.push(v.clone());
                }
            }
            let fixed = fixed_events(&a.ranges);
            match m
                .fixed
                .iter_mut()
                .find(|f| f.source == i.source && f.id == i.vuln.id)
            {
                Some(f) => {
                    f.value.extend(fixed);
                    f.value.sort();
                    f.value.dedup();
                }
                None => m.fixed.push(Sourced {
                    source: i.source.clone(),
                    id: i.vuln.id.clone(),
                    value: fixed,
                }),
            }
        }
    }

    let mut conflicts = Vec::new();
    for m in &affected {
        let given: Vec<&Sourced<Vec<String>>> =
            m.fixed.iter().filter(|f| !f.value.is_empty()).collect();
        if given.windows(2).any(|w| w[0].value != w[1].value) {
            conflicts.push(Conflict {
                field: "fixed".into(),
                package: Some(m.package_key.clone()),
                values: given
                    .iter()
                    .map(|f| Sourced {
                        source: f.source.clone(),
                        id: f.id.clone(),
                        value: f.value.join(", "),
                    })
                    .collect(),
            });
        }
    }
    for (kind, scores) in by_type {
        if scores.windows(2).any(|w| w[0].value != w[1].value) {
            conflicts.push(Conflict {
                field: format!("severity.{kind}"),
                package: None,
                values: scores,
            });
        }
    }
    let records = inputs
        .iter()
        .map(|i| SourceRecord {
            source: i.source.clone(),
            id: i.vuln.id.clone(),
            modified: i.vuln.modified.clone(),
            withdrawn: i.vuln.withdrawn.clone(),
            origin: i.origin.clone(),
            digest: i.digest.clone(),
            ingested_at: i.ingested_at.clone(),
        })
        .collect();
    Some(Merged {
        aliases: ids.into_iter().filter(|a| *a != id).collect(),
        id,
        summary,
        details,
        published,
        modified,
        withdrawn: all_withdrawn,
        severity,
        affected,
        references,
        records,
        conflicts,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn input(source: &str, json: &str) -> Input {
        Input {
            source: source.into(),
            origin: "test".into(),
            digest: "d".into(),
            ingested_at: "t".into(),
            vuln: embargo_formats::osv::from_json(json).unwrap(),
        }
    }

    #[test]
    fn aliases_join_transitively_and_cycles_are_harmless() {
        let mut g = AliasGraph::new();
        g.add("PYSEC-1", &["CVE-1".into()]);
        g.add("GHSA-1", &["CVE-1".into(), "PYSEC-1".into()]);
        g.add("CVE-1", &["GHSA-1".into()]);
        g.add("GO-9", &[]);
        g.add("RUSTSEC-1", &["GHSA-2".into()]);
        g.add("GHSA-2", &["RUSTSEC-1".into()]);
        assert!(g.same("PYSEC-1", "GHSA-1"));
        assert!(!g.same("PYSEC-1", "GO-9"));
        assert_eq!(
            g.groups(),
            vec![
                vec!["CVE-1".to_owned(), "GHSA-1".into(), "PYSEC-1".into()],
                vec!["GHSA-2".to_owned(), "RUSTSEC-1".into()],
                vec!["GO-9".to_owned()],
            ]
        );
    }

    #[test]
    fn merged_view_follows_the_source_rule_and_shows_conflicts() {
        let pysec = input(
            "pysec",
            r#"{"id":"PYSEC-1","modified":"2024-01-02T00:00:00Z","aliases":["CVE-2024-1"],
               "details":"from pysec",
               "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
               "affected":[{"package":{"ecosystem":"PyPI","name":"Foo_Bar"},
                 "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.2"}]}]}]}"#,
        );
        let ghsa = input(
            "ghsa",
            r#"{"id":"GHSA-aaaa-bbbb-cccc","modified":"2024-02-01T00:00:00Z","aliases":["CVE-2024-1","PYSEC-1"],
               "summary":"from ghsa","details":"ghsa details",
               "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H"}],
               "affected":[{"package":{"ecosystem":"PyPI","name":"foo-bar"},
                 "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.3"}]}]}]}"#,
        );
        let m = merge(vec![ghsa, pysec]).unwrap();
        assert_eq!(m.id, "CVE-2024-1");
        assert_eq!(m.aliases, vec!["GHSA-aaaa-bbbb-cccc", "PYSEC-1"]);
        // The ecosystem database speaks first; GHSA fills what it lacks.
        assert_eq!(m.details.as_ref().unwrap().value, "from pysec");
        assert_eq!(m.summary.as_ref().unwrap().source, "ghsa");
        assert_eq!(m.modified, "2024-02-01T00:00:00Z");
        assert_eq!(m.affected.len(), 1, "one package under two spellings");
        assert_eq!(m.affected[0].ranges.len(), 2);
        assert_eq!(m.severity.len(), 2);
        let fields: Vec<&str> = m.conflicts.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, vec!["fixed", "severity.CVSS_V3"]);
        assert_eq!(m.records.len(), 2);
        assert!(!m.withdrawn);
    }

    #[test]
    fn withdrawn_records_are_listed_but_silent() {
        let live = input(
            "go",
            r#"{"id":"GO-1","modified":"2024-01-01T00:00:00Z","aliases":["GHSA-x"],"summary":"live"}"#,
        );
        let gone = input(
            "ghsa",
            r#"{"id":"GHSA-x","modified":"2024-01-01T00:00:00Z","withdrawn":"2024-01-03T00:00:00Z","summary":"gone",
               "severity":[{"type":"CVSS_V3","score":"x"}]}"#,
        );
        let m = merge(vec![gone.clone(), live]).unwrap();
        assert!(!m.withdrawn);
        assert_eq!(m.summary.unwrap().value, "live");
        assert!(m.severity.is_empty());
        assert_eq!(m.records.len(), 2);
        let only = merge(vec![gone]).unwrap();
        assert!(only.withdrawn);
        assert_eq!(only.summary.unwrap().value, "gone");
    }
}

//! OSV range evaluation (`osv-schema/docs/schema.md`, "Evaluation"): `SEMVER`, `ECOSYSTEM`
//! and `GIT` ranges with `introduced` / `fixed` / `last_affected` / `limit` events, plus the
//! enumerated `versions` list, answering affected / not affected / unknown.

use std::cmp::Ordering;

use super::{Scheme, Version, VersionError};

/// `ranges[].type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeType {
    /// SemVer 2.0.0 versions (Go and npm spellings accepted for those ecosystems).
    Semver,
    /// The ecosystem's own version scheme.
    Ecosystem,
    /// Git commit hashes: not orderable without the repository.
    Git,
}

/// One event of a range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Introduced(String),
    Fixed(String),
    LastAffected(String),
    Limit(String),
}

impl Event {
    fn version(&self) -> &str {
        match self {
            Self::Introduced(v) | Self::Fixed(v) | Self::LastAffected(v) | Self::Limit(v) => v,
        }
    }
    fn name(&self) -> &'static str {
        match self {
            Self::Introduced(_) => "introduced",
            Self::Fixed(_) => "fixed",
            Self::LastAffected(_) => "last_affected",
            Self::Limit(_) => "limit",
        }
    }
}

/// One OSV range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Range {
    pub kind: RangeType,
    pub events: Vec<Event>,
}

/// The answer to "is this version affected?".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Affected,
    NotAffected,
    /// The data cannot decide: only `GIT` ranges without an enumerated `versions` list, or an
    /// ecosystem without a known version scheme.
    Unknown,
}

/// Why a range could not be evaluated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RangeError {
    #[error("the queried version: {0}")]
    Query(#[source] VersionError),
    #[error("`{event}` event: {source}")]
    Event {
        event: &'static str,
        #[source]
        source: VersionError,
    },
}

/// A bound of an event after parsing: `introduced: "0"` is below every version and
/// `limit: "*"` above every version.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Bound {
    Min,
    At(Version),
    Max,
}

/// The scheme a range of `kind` is ordered by, for an ecosystem ordered by `ecosystem`.
/// The scheme that orders the events of a range of `kind` in an ecosystem of `ecosystem`.
pub fn range_scheme(kind: RangeType, ecosystem: Option<Scheme>) -> Option<Scheme> {
    match kind {
        RangeType::Git => None,
        // SEMVER ranges are SemVer 2.0.0; Go and npm spell the same versions their own way
        // (`v1.2.3`), with identical precedence.
        RangeType::Semver => Some(match ecosystem {
            Some(s @ (Scheme::Go | Scheme::Npm)) => s,
            _ => Scheme::SemVer,
        }),
        RangeType::Ecosystem => ecosystem,
    }
}

fn parse_event(scheme: Scheme, e: &Event) -> Result<Bound, RangeError> {
    match (e, e.version()) {
        (Event::Introduced(_), "0") => Ok(Bound::Min),
        (Event::Limit(_), "*") => Ok(Bound::Max),
        (_, v) => scheme
            .parse(v)
            .map(Bound::At)
            .map_err(|source| RangeError::Event {
                event: e.name(),
                source,
            }),
    }
}

/// A stable merge sort that never panics, whatever `cmp` answers.
///
/// `slice::sort_by` may panic when the comparison is not a total order (Rust ≥ 1.81 detects
/// some violations), and Maven's `ComparableVersion` order is not transitive on arbitrary
/// strings (see [`super::maven`]), so an advisory with a few dozen odd Maven versions in one
/// range made evaluation panic (found by `fuzz/fuzz_targets/version_parse.rs`). For a total
/// order the result is the same as a stable `sort_by`; otherwise it is some deterministic
/// permutation.
fn merge_sort_by<T>(mut v: Vec<T>, cmp: impl Fn(&T, &T) -> Ordering + Copy) -> Vec<T> {
    if v.len() <= 1 {
        return v;
    }
    let right = v.split_off(v.len() / 2);
    let mut left = merge_sort_by(v, cmp).into_iter().peekable();
    let mut right = merge_sort_by(right, cmp).into_iter().peekable();
    let mut out = Vec::with_capacity(left.len() + right.len());
    loop {
        // Take from the right only when strictly less, so equal elements keep their order.
        let take_right = match (left.peek(), right.peek()) {
            (Some(l), Some(r)) => cmp(r, l) == Ordering::Less,
            (None, Some(_)) => true,
            (_, None) => false,
        };
        let next = if take_right {
            right.next()
        } else {
            left.next()
        };
        match next {
            Some(x) => out.push(x),
            None => break,
        }
    }
    out
}

/// `IncludedInRanges` for one range whose scheme is known. Events are sorted by version as
/// the spec's `sorted(range.events)` requires; on equal versions the original order is kept.
pub fn range_includes(scheme: Scheme, range: &Range, v: &Version) -> Result<bool, RangeError> {
    let events = range
        .events
        .iter()
        .map(|e| parse_event(scheme, e).map(|b| (b, e)))
        .collect::<Result<Vec<_>, _>>()?;
    let target = Bound::At(v.clone());
    // BeforeLimits: no limit events means an implicit "*".
    let limits: Vec<&Bound> = events
        .iter()
        .filter(|(_, e)| matches!(e, Event::Limit(_)))
        .map(|(b, _)| b)
        .collect();
    if !limits.is_empty() && !limits.iter().any(|l| target < **l) {
        return Ok(false);
    }
    let events = merge_sort_by(events, |a, b| a.0.cmp(&b.0));
    let mut vulnerable = false;
    for (bound, event) in &events {
        let ord = target.cmp(bound);
        match event {
            Event::Introduced(_) if ord != Ordering::Less => vulnerable = true,
            Event::Fixed(_) if ord != Ordering::Less => vulnerable = false,
            Event::LastAffected(_) if ord == Ordering::Greater => vulnerable = false,
            _ => {}
        }
    }
    Ok(vulnerable)
}

/// `IsVulnerable` for one `affected[]` entry: `ecosystem` is the scheme of its package's
/// ecosystem (`None` if Embargo has none), `versions` its enumerated versions.
///
/// * exact membership in `versions` → affected;
/// * any `SEMVER`/`ECOSYSTEM` range including `version` → affected;
/// * a `GIT` range and no `versions` list, or an `ECOSYSTEM` range without a scheme → unknown;
/// * otherwise not affected.
///
/// The queried version must parse with every scheme a non-GIT range needs; it is an error
/// otherwise, never a guess.
pub fn evaluate(
    ecosystem: Option<Scheme>,
    ranges: &[Range],
    versions: &[String],
    version: &str,
) -> Result<Verdict, RangeError> {
    if versions.iter().any(|v| v == version) {
        return Ok(Verdict::Affected);
    }
    let mut unknown = false;
    for range in ranges {
        let Some(scheme) = range_scheme(range.kind, ecosystem) else {
            // GIT ranges are decided by the enumerated versions, when there are any.
            unknown |= versions.is_empty() || range.kind == RangeType::Ecosystem;
            continue;
        };
        let v = scheme.parse(version).map_err(RangeError::Query)?;
        if range_includes(scheme, range, &v)? {
            return Ok(Verdict::Affected);
        }
    }
    Ok(if unknown {
        Verdict::Unknown
    } else {
        Verdict::NotAffected
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn semver(events: Vec<Event>) -> Vec<Range> {
        vec![Range {
            kind: RangeType::Semver,
            events,
        }]
    }

    fn check(ranges: &[Range], v: &str) -> Verdict {
        evaluate(Some(Scheme::SemVer), ranges, &[], v).unwrap()
    }

    #[test]
    fn spec_examples() {
        use Event::*;
        use Verdict::*;
        let all = semver(vec![Introduced("0".into())]);
        assert_eq!(check(&all, "0.0.1"), Affected);
        let fixed = semver(vec![Introduced("0".into()), Fixed("1.0.2".into())]);
        assert_eq!(check(&fixed, "1.0.1"), Affected);
        assert_eq!(check(&fixed, "1.0.2"), NotAffected);
        let multi = semver(vec![
            Introduced("1.0.0".into()),
            Fixed("1.0.2".into()),
            Introduced("3.0.0".into()),
            Fixed("3.2.5".into()),
        ]);
        assert_eq!(check(&multi, "0.9.0"), NotAffected);
        assert_eq!(check(&multi, "1.0.0"), Affected);
        assert_eq!(check(&multi, "2.0.0"), NotAffected);
        assert_eq!(check(&multi, "3.2.4"), Affected);
        assert_eq!(check(&multi, "3.2.5"), NotAffected);
        let last = semver(vec![
            Introduced("1.0.0".into()),
            LastAffected("1.2.0".into()),
        ]);
        assert_eq!(check(&last, "1.2.0"), Affected);
        assert_eq!(check(&last, "1.2.1-rc.1"), NotAffected);
        let limited = semver(vec![Introduced("1.0.0".into()), Limit("2.0.0".into())]);
        assert_eq!(check(&limited, "1.5.0"), Affected);
        assert_eq!(check(&limited, "2.0.0"), NotAffected);
        assert!(evaluate(Some(Scheme::SemVer), &fixed, &[], "1.0").is_err());
    }

    /// Regression (fuzz, `version_parse`): Maven's order is not transitive on arbitrary
    /// strings, and sorting these events with `sort_by` panicked ("user-provided comparison
    /// function does not correctly implement a total order").
    #[test]
    fn non_transitive_maven_events_do_not_panic() {
        let odd = [
            "--arc11", "a2.", "2", "r1r-", "a2sp.20", "--a", "sp", "sp-10", "01-", "1", ".01a2",
            "00rcspr", "rc", "r0", "-rc-", "a", "120.rsp", "2a", "rc--0-", "-.rcra", "sp",
            "0spr1.", "1", "0rc1", "rc11", ".", "a",
        ];
        let range = Range {
            kind: RangeType::Ecosystem,
            events: odd.iter().map(|s| Event::Introduced((*s).into())).collect(),
        };
        for q in ["1", "2", "1rc", "0"] {
            let v = Scheme::Maven.parse(q).unwrap();
            assert!(range_includes(Scheme::Maven, &range, &v).is_ok());
        }
    }

    #[test]
    fn merge_sort_is_a_stable_sort() {
        let v: Vec<(u8, usize)> = [3u8, 1, 2, 1, 3, 0, 2, 2, 9, 1]
            .iter()
            .enumerate()
            .map(|(i, k)| (*k, i))
            .collect();
        let mut expected = v.clone();
        expected.sort_by_key(|x| x.0);
        assert_eq!(merge_sort_by(v, |a, b| a.0.cmp(&b.0)), expected);
        assert!(merge_sort_by(Vec::<u8>::new(), u8::cmp).is_empty());
    }

    #[test]
    fn git_ranges_are_unknown_unless_versions_decide() {
        let git = vec![Range {
            kind: RangeType::Git,
            events: vec![Event::Introduced("abc".into())],
        }];
        assert_eq!(evaluate(None, &git, &[], "1.0").unwrap(), Verdict::Unknown);
        let versions = vec!["1.0".to_owned()];
        assert_eq!(
            evaluate(None, &git, &versions, "1.0").unwrap(),
            Verdict::Affected
        );
        assert_eq!(
            evaluate(None, &git, &versions, "2.0").unwrap(),
            Verdict::NotAffected
        );
    }
}

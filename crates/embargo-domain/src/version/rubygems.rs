//! RubyGems versions, ordered like `Gem::Version#<=>` (rubygems `lib/rubygems/version.rb`):
//! segments are runs of digits or letters, `-` means `.pre.`, a letter segment makes a
//! pre-release (`1.0.a < 1.0`), trailing zeros of the release and pre-release parts are ignored.

use std::cmp::Ordering;

use super::{VersionError, VersionScheme};

/// A segment: strings sort before numbers (`String === lhs && Numeric === rhs` → -1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Str(String),
    Num(Vec<u8>),
}

impl Segment {
    fn is_zero(&self) -> bool {
        matches!(self, Self::Num(d) if d.is_empty())
    }
    fn cmp_seg(&self, other: &Self) -> Ordering {
        match (self, other) {
            // Numbers are stored without leading zeros: longer is larger, then lexical.
            (Self::Num(a), Self::Num(b)) => a.len().cmp(&b.len()).then_with(|| a.cmp(b)),
            (Self::Str(a), Self::Str(b)) => a.cmp(b),
            (Self::Str(_), Self::Num(_)) => Ordering::Less,
            (Self::Num(_), Self::Str(_)) => Ordering::Greater,
        }
    }
}

/// A parsed gem version (its canonical segments).
#[derive(Debug, Clone)]
pub struct GemVersion {
    canonical: Vec<Segment>,
    prerelease: bool,
}

impl PartialEq for GemVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for GemVersion {}
impl PartialOrd for GemVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for GemVersion {
    /// `Gem::Version#<=>`: pad the shorter with 0 and compare segment by segment.
    fn cmp(&self, other: &Self) -> Ordering {
        let zero = Segment::Num(Vec::new());
        let len = self.canonical.len().max(other.canonical.len());
        for i in 0..len {
            let l = self.canonical.get(i).unwrap_or(&zero);
            let r = other.canonical.get(i).unwrap_or(&zero);
            let c = l.cmp_seg(r);
            if c != Ordering::Equal {
                return c;
            }
        }
        Ordering::Equal
    }
}

fn strip_trailing_zeros(v: &mut Vec<Segment>) {
    while v.last().is_some_and(Segment::is_zero) {
        v.pop();
    }
}

/// RubyGems.
pub struct RubyGemsScheme;

impl VersionScheme for RubyGemsScheme {
    type Version = GemVersion;
    const NAME: &'static str = "RubyGems";

    /// `Gem::Version::ANCHORED_VERSION_PATTERN`:
    /// `\A\s*([0-9]+(?>\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?)?\s*\z`. An empty
    /// string is `0` in RubyGems; we reject it because an empty version in an advisory is a
    /// data error, not version 0.
    fn parse(input: &str) -> Result<GemVersion, VersionError> {
        let err = |r: &str| VersionError::new(Self::NAME, input, r);
        let s = input.trim();
        if s.is_empty() {
            return Err(err("empty version"));
        }
        let (main, pre) = match s.split_once('-') {
            Some((m, p)) => (m, Some(p)),
            None => (s, None),
        };
        let mut parts = main.split('.');
        let first_ok = parts
            .next()
            .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
        if !first_ok {
            return Err(err("a gem version starts with a number"));
        }
        if !parts.all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric())) {
            return Err(err("segments are [0-9A-Za-z] separated by `.`"));
        }
        if let Some(pre) = pre
            && !pre
                .split('.')
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        {
            return Err(err("invalid pre-release part after `-`"));
        }
        // `@version = version.to_s.strip.gsub("-", ".pre.")`, then `scan(/[0-9]+|[a-z]+/i)`.
        let normalized = s.replace('-', ".pre.");
        let mut segments = Vec::new();
        let bytes = normalized.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let start = i;
            if bytes[i].is_ascii_digit() {
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
                let digits = normalized[start..i].trim_start_matches('0');
                segments.push(Segment::Num(digits.as_bytes().to_vec()));
            } else if bytes[i].is_ascii_alphabetic() {
                while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
                    i += 1;
                }
                segments.push(Segment::Str(normalized[start..i].to_owned()));
            } else {
                i += 1;
            }
        }
        // `canonical_segments`: split at the first string segment and drop trailing zeros of
        // both halves.
        let split = segments
            .iter()
            .position(|s| matches!(s, Segment::Str(_)))
            .unwrap_or(segments.len());
        let mut pre_part = segments.split_off(split);
        strip_trailing_zeros(&mut segments);
        strip_trailing_zeros(&mut pre_part);
        let prerelease = !pre_part.is_empty();
        segments.extend(pre_part);
        Ok(GemVersion {
            canonical: segments,
            prerelease,
        })
    }

    fn is_prerelease(v: &GemVersion) -> bool {
        v.prerelease
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn gem_order() {
        let chain = [
            "1.0.a", "1.0.a.2", "1.0.b1", "1.0.rc1", "1.0", "1.0.1", "1.1.0-1", "1.1", "2",
        ];
        for w in chain.windows(2) {
            assert_eq!(
                RubyGemsScheme::compare(w[0], w[1]).unwrap(),
                Ordering::Less,
                "{w:?}"
            );
        }
        assert_eq!(
            RubyGemsScheme::compare("1.0.0", "1").unwrap(),
            Ordering::Equal
        );
        assert_eq!(
            RubyGemsScheme::compare("1.0.a", "1.0.a.0").unwrap(),
            Ordering::Equal
        );
        assert!(RubyGemsScheme::is_prerelease(
            &RubyGemsScheme::parse("1.0-x").unwrap()
        ));
        for bad in ["", "a.1", "1..2", "1.0 b", "1.0-"] {
            assert!(RubyGemsScheme::parse(bad).is_err(), "{bad}");
        }
    }
}

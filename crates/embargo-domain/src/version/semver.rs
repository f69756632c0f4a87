//! SemVer 2.0.0 precedence (<https://semver.org/#spec-item-11>) and the schemes built on it:
//! crates.io / OSV `SEMVER`, npm, Go modules and NuGet.
//!
//! Build metadata is parsed and ignored for ordering (SemVer §10), so `1.0.0+a == 1.0.0+b`.

use std::cmp::Ordering;

use super::{VersionError, VersionScheme};

/// One pre-release identifier: numeric identifiers sort before alphanumeric ones (§11.4.3).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Identifier {
    Numeric(u64),
    Alpha(String),
}

/// A SemVer version: `MAJOR.MINOR.PATCH[-PRE][+BUILD]`.
#[derive(Debug, Clone)]
pub struct SemVer {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
    pub pre: Vec<Identifier>,
    pub build: String,
}

impl SemVer {
    fn precedence(&self, other: &Self) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                // A pre-release has lower precedence than the release (§11.3).
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                // Identifier by identifier; a longer list wins on a common prefix (§11.4.4).
                (false, false) => self.pre.cmp(&other.pre),
            })
    }
}

impl PartialEq for SemVer {
    fn eq(&self, other: &Self) -> bool {
        self.precedence(other) == Ordering::Equal
    }
}
impl Eq for SemVer {}
impl PartialOrd for SemVer {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for SemVer {
    fn cmp(&self, other: &Self) -> Ordering {
        self.precedence(other)
    }
}

fn numeric(s: &str, what: &str, scheme: &'static str, input: &str) -> Result<u64, VersionError> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(VersionError::new(
            scheme,
            input,
            format!("{what} `{s}` is not a number"),
        ));
    }
    if s.len() > 1 && s.starts_with('0') {
        return Err(VersionError::new(
            scheme,
            input,
            format!("{what} `{s}` has a leading zero"),
        ));
    }
    s.parse()
        .map_err(|_| VersionError::new(scheme, input, format!("{what} `{s}` is too large")))
}

fn is_ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-'
}

/// Parses dot-separated pre-release identifiers (§9).
fn parse_pre(
    pre: &str,
    scheme: &'static str,
    input: &str,
    case_insensitive: bool,
) -> Result<Vec<Identifier>, VersionError> {
    pre.split('.')
        .map(|id| {
            if id.is_empty() || !id.bytes().all(is_ident_char) {
                return Err(VersionError::new(
                    scheme,
                    input,
                    format!("pre-release identifier `{id}` must be non-empty [0-9A-Za-z-]"),
                ));
            }
            if id.bytes().all(|b| b.is_ascii_digit()) {
                numeric(id, "pre-release identifier", scheme, input).map(Identifier::Numeric)
            } else if case_insensitive {
                Ok(Identifier::Alpha(id.to_ascii_lowercase()))
            } else {
                Ok(Identifier::Alpha(id.to_owned()))
            }
        })
        .collect()
}

/// Splits `core[-pre][+build]`.
fn split_pre_build(s: &str) -> (&str, Option<&str>, Option<&str>) {
    let (rest, build) = match s.split_once('+') {
        Some((r, b)) => (r, Some(b)),
        None => (s, None),
    };
    match rest.split_once('-') {
        Some((core, pre)) => (core, Some(pre), build),
        None => (rest, None, build),
    }
}

fn check_build(
    build: Option<&str>,
    scheme: &'static str,
    input: &str,
) -> Result<String, VersionError> {
    match build {
        None => Ok(String::new()),
        Some(b)
            if !b.is_empty()
                && b.split('.')
                    .all(|id| !id.is_empty() && id.bytes().all(is_ident_char)) =>
        {
            Ok(b.to_owned())
        }
        Some(b) => Err(VersionError::new(
            scheme,
            input,
            format!("invalid build metadata `{b}`"),
        )),
    }
}

/// Strict SemVer 2.0.0 parsing.
fn parse_semver(s: &str, scheme: &'static str, input: &str) -> Result<SemVer, VersionError> {
    let (core, pre, build) = split_pre_build(s);
    let parts: Vec<&str> = core.split('.').collect();
    let [major, minor, patch] = parts.as_slice() else {
        return Err(VersionError::new(
            scheme,
            input,
            "expected MAJOR.MINOR.PATCH",
        ));
    };
    Ok(SemVer {
        major: numeric(major, "major", scheme, input)?,
        minor: numeric(minor, "minor", scheme, input)?,
        patch: numeric(patch, "patch", scheme, input)?,
        pre: match pre {
            Some(p) => parse_pre(p, scheme, input, false)?,
            None => Vec::new(),
        },
        build: check_build(build, scheme, input)?,
    })
}

/// crates.io and the OSV `SEMVER` range type: strict SemVer 2.0.0.
pub struct SemVerScheme;

impl VersionScheme for SemVerScheme {
    type Version = SemVer;
    const NAME: &'static str = "SemVer";
    fn parse(input: &str) -> Result<SemVer, VersionError> {
        parse_semver(input, Self::NAME, input)
    }
    fn is_prerelease(v: &SemVer) -> bool {
        !v.pre.is_empty()
    }
}

/// npm (node-semver): SemVer 2.0.0 precedence; like `semver.valid()` it tolerates surrounding
/// whitespace and a leading `v` or `=`. Prerelease rules in npm *ranges* (a prerelease only
/// matches a comparator on the same `[major, minor, patch]` tuple) concern range syntax, which
/// OSV does not use; `is_prerelease` exposes the distinction for callers that need it.
pub struct NpmScheme;

impl VersionScheme for NpmScheme {
    type Version = SemVer;
    const NAME: &'static str = "npm";
    fn parse(input: &str) -> Result<SemVer, VersionError> {
        let s = input.trim();
        let s = s.strip_prefix('=').unwrap_or(s).trim_start();
        let s = s.strip_prefix(['v', 'V']).unwrap_or(s);
        parse_semver(s, Self::NAME, input)
    }
    fn is_prerelease(v: &SemVer) -> bool {
        !v.pre.is_empty()
    }
}

/// Go modules (<https://go.dev/ref/mod#versions>): semantic versions with a `v` prefix (optional
/// here, because OSV's Go ecosystem writes them without it), an optional `+incompatible`
/// suffix (ignored for ordering, like all build metadata), and pseudo-versions such as
/// `v0.0.0-20191109021931-daa7c04131f5`, which are ordinary pre-releases and sort by their
/// timestamp as Go intends.
pub struct GoScheme;

impl VersionScheme for GoScheme {
    type Version = SemVer;
    const NAME: &'static str = "Go";
    fn parse(input: &str) -> Result<SemVer, VersionError> {
        let s = input.strip_prefix('v').unwrap_or(input);
        parse_semver(s, Self::NAME, input)
    }
    fn is_prerelease(v: &SemVer) -> bool {
        !v.pre.is_empty()
    }
}

/// A NuGet version: up to four numbers, labels compared case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NuGetVersion {
    numbers: [u64; 4],
    /// Lower-cased pre-release identifiers; empty for a release.
    pre: Vec<Identifier>,
}

impl NuGetVersion {
    /// Release after its pre-releases: `is_empty()` is `true` (greater) for a release.
    fn key(&self) -> ([u64; 4], bool, &[Identifier]) {
        (self.numbers, self.pre.is_empty(), &self.pre)
    }
}
impl PartialOrd for NuGetVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for NuGetVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}

/// NuGet (<https://learn.microsoft.com/nuget/concepts/package-versioning>): `Major[.Minor
/// [.Patch[.Revision]]][-label][+metadata]`; missing numbers are 0; labels follow SemVer 2.0
/// precedence but compare case-insensitively; metadata is ignored (NuGet.Versioning's
/// `VersionComparer.Default`).
pub struct NuGetScheme;

impl VersionScheme for NuGetScheme {
    type Version = NuGetVersion;
    const NAME: &'static str = "NuGet";
    fn parse(input: &str) -> Result<NuGetVersion, VersionError> {
        let (core, pre, build) = split_pre_build(input.trim());
        check_build(build, Self::NAME, input)?;
        let parts: Vec<&str> = core.split('.').collect();
        if parts.is_empty() || parts.len() > 4 {
            return Err(VersionError::new(
                Self::NAME,
                input,
                "expected 1 to 4 numbers",
            ));
        }
        let mut numbers = [0u64; 4];
        for (slot, p) in numbers.iter_mut().zip(&parts) {
            if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(VersionError::new(
                    Self::NAME,
                    input,
                    format!("`{p}` is not a number"),
                ));
            }
            // NuGet tolerates leading zeros ("1.01" is 1.1).
            *slot = p
                .parse()
                .map_err(|_| VersionError::new(Self::NAME, input, format!("`{p}` is too large")))?;
        }
        let pre = match pre {
            Some(p) => parse_pre(p, Self::NAME, input, true)?,
            None => Vec::new(),
        };
        Ok(NuGetVersion { numbers, pre })
    }
    fn is_prerelease(v: &NuGetVersion) -> bool {
        !v.pre.is_empty()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn semver_spec_example_order() {
        let chain = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
        ];
        for w in chain.windows(2) {
            assert_eq!(
                SemVerScheme::compare(w[0], w[1]).unwrap(),
                Ordering::Less,
                "{w:?}"
            );
        }
        assert_eq!(
            SemVerScheme::compare("1.0.0+a", "1.0.0+b").unwrap(),
            Ordering::Equal
        );
        assert!(SemVerScheme::parse("1.0").is_err());
        assert!(SemVerScheme::parse("01.0.0").is_err());
        assert!(SemVerScheme::parse("1.0.0-").is_err());
    }
}

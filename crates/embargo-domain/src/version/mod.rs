//! Per-ecosystem version schemes behind one [`VersionScheme`] trait, the runtime [`Scheme`]
//! chosen from an OSV ecosystem or a purl type, and OSV range evaluation ([`range`]).
//!
//! Every scheme parses strictly: a string the scheme's own tooling would reject is an error, never
//! a guess. Orderings are total (checked by property tests in `tests/it/version.rs`), so the
//! parsed versions implement [`Ord`] and can be sorted and used as map keys. Each scheme's
//! module cites the upstream algorithm it transcribes.

pub mod alpine;
pub mod debian;
mod ecosystem;
pub mod maven;
pub mod pep440;
pub mod range;
pub mod rpm;
pub mod rubygems;
pub mod semver;

use std::cmp::Ordering;
use std::fmt;

pub use ecosystem::{scheme_for_osv_ecosystem, scheme_for_purl_type};

/// A version string that a scheme cannot parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{input}` is not a valid {scheme} version: {reason}")]
pub struct VersionError {
    /// The scheme's name, e.g. `PEP 440`.
    pub scheme: &'static str,
    /// The rejected input.
    pub input: String,
    /// What is wrong with it.
    pub reason: String,
}

impl VersionError {
    pub(crate) fn new(scheme: &'static str, input: &str, reason: impl Into<String>) -> Self {
        Self {
            scheme,
            input: input.to_owned(),
            reason: reason.into(),
        }
    }
}

/// One ecosystem's version syntax and ordering.
pub trait VersionScheme {
    /// A parsed version; its [`Ord`] is the scheme's precedence.
    type Version: Ord + Clone + fmt::Debug;
    /// Human-readable scheme name used in errors.
    const NAME: &'static str;
    /// Parses a version string, or says why it is not one.
    fn parse(input: &str) -> Result<Self::Version, VersionError>;
    /// Whether the version is a pre-release in this scheme.
    fn is_prerelease(version: &Self::Version) -> bool;
    /// Parses and compares two version strings.
    fn compare(a: &str, b: &str) -> Result<Ordering, VersionError> {
        Ok(Self::parse(a)?.cmp(&Self::parse(b)?))
    }
}

/// The version schemes Embargo knows, chosen at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// SemVer 2.0.0 (crates.io, the OSV `SEMVER` range type).
    SemVer,
    /// npm's node-semver (SemVer with a tolerated `v`/`=` prefix).
    Npm,
    /// Go modules (`v` prefix, `+incompatible`, pseudo-versions).
    Go,
    /// NuGet (SemVer with a fourth number, case-insensitive labels).
    NuGet,
    /// PEP 440 (PyPI).
    Pep440,
    /// Maven `ComparableVersion`.
    Maven,
    /// Debian dpkg.
    Debian,
    /// RPM `rpmvercmp` over epoch:version-release.
    Rpm,
    /// RubyGems `Gem::Version`.
    RubyGems,
    /// Alpine apk-tools.
    Alpine,
}

/// A version parsed by some [`Scheme`]. Only versions of the same scheme are meaningfully
/// ordered; [`Scheme::compare`] guarantees that.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Version {
    SemVer(semver::SemVer),
    Npm(semver::SemVer),
    Go(semver::SemVer),
    NuGet(semver::NuGetVersion),
    Pep440(pep440::Pep440Version),
    Maven(maven::MavenVersion),
    Debian(debian::DebianVersion),
    Rpm(rpm::RpmVersion),
    RubyGems(rubygems::GemVersion),
    Alpine(alpine::ApkVersion),
}

impl Scheme {
    /// The scheme's name, as used in errors.
    pub fn name(self) -> &'static str {
        match self {
            Self::SemVer => semver::SemVerScheme::NAME,
            Self::Npm => semver::NpmScheme::NAME,
            Self::Go => semver::GoScheme::NAME,
            Self::NuGet => semver::NuGetScheme::NAME,
            Self::Pep440 => pep440::Pep440Scheme::NAME,
            Self::Maven => maven::MavenScheme::NAME,
            Self::Debian => debian::DebianScheme::NAME,
            Self::Rpm => rpm::RpmScheme::NAME,
            Self::RubyGems => rubygems::RubyGemsScheme::NAME,
            Self::Alpine => alpine::AlpineScheme::NAME,
        }
    }

    /// Parses `input` with this scheme.
    pub fn parse(self, input: &str) -> Result<Version, VersionError> {
        Ok(match self {
            Self::SemVer => Version::SemVer(semver::SemVerScheme::parse(input)?),
            Self::Npm => Version::Npm(semver::NpmScheme::parse(input)?),
            Self::Go => Version::Go(semver::GoScheme::parse(input)?),
            Self::NuGet => Version::NuGet(semver::NuGetScheme::parse(input)?),
            Self::Pep440 => Version::Pep440(pep440::Pep440Scheme::parse(input)?),
            Self::Maven => Version::Maven(maven::MavenScheme::parse(input)?),
            Self::Debian => Version::Debian(debian::DebianScheme::parse(input)?),
            Self::Rpm => Version::Rpm(rpm::RpmScheme::parse(input)?),
            Self::RubyGems => Version::RubyGems(rubygems::RubyGemsScheme::parse(input)?),
            Self::Alpine => Version::Alpine(alpine::AlpineScheme::parse(input)?),
        })
    }

    /// Parses and compares two version strings.
    pub fn compare(self, a: &str, b: &str) -> Result<Ordering, VersionError> {
        Ok(self.parse(a)?.cmp(&self.parse(b)?))
    }

    /// Whether `input` parses as a pre-release in this scheme.
    pub fn is_prerelease(self, input: &str) -> Result<bool, VersionError> {
        Ok(match self.parse(input)? {
            Version::SemVer(v) | Version::Npm(v) | Version::Go(v) => {
                semver::SemVerScheme::is_prerelease(&v)
            }
            Version::NuGet(v) => semver::NuGetScheme::is_prerelease(&v),
            Version::Pep440(v) => pep440::Pep440Scheme::is_prerelease(&v),
            Version::Maven(v) => maven::MavenScheme::is_prerelease(&v),
            Version::Debian(v) => debian::DebianScheme::is_prerelease(&v),
            Version::Rpm(v) => rpm::RpmScheme::is_prerelease(&v),
            Version::RubyGems(v) => rubygems::RubyGemsScheme::is_prerelease(&v),
            Version::Alpine(v) => alpine::AlpineScheme::is_prerelease(&v),
        })
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

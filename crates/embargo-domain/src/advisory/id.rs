//! Advisory identifiers (`OBS-2026-0001`: program prefix, year, sequence) and alias syntax.

use std::fmt;

use serde::{Deserialize, Serialize};

/// How a program numbers its advisories: `{prefix}-{year}-{sequence}` with the sequence
/// zero-padded to `digits` (policy `[advisories]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdFormat {
    /// Upper-case letters, digits and `-`, starting with a letter.
    pub prefix: String,
    /// Minimum digits of the sequence (1–8).
    pub digits: u8,
}

/// A valid advisory id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AdvisoryId(String);

/// Why an id or prefix is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// The prefix is not upper-case letters, digits and `-`.
    #[error(
        "the advisory prefix `{0}` must be 2–20 upper-case letters, digits or `-`, starting with a letter"
    )]
    Prefix(String),
    /// The id does not look like `PREFIX-YYYY-NNNN`.
    #[error("`{0}` is not an advisory id like OBS-2026-0001")]
    Id(String),
}

impl IdFormat {
    /// Checks the prefix and digit count.
    pub fn new(prefix: &str, digits: u8) -> Result<Self, IdError> {
        let ok = (2..=20).contains(&prefix.len())
            && prefix.starts_with(|c: char| c.is_ascii_uppercase())
            && !prefix.ends_with('-')
            && prefix
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-');
        if !ok {
            return Err(IdError::Prefix(prefix.to_owned()));
        }
        Ok(Self {
            prefix: prefix.to_owned(),
            digits: digits.clamp(1, 8),
        })
    }

    /// The default prefix for a program slug: the slug upper-cased, `-SA` appended
    /// (`obserae` → `OBSERAE-SA`), trimmed to fit.
    pub fn for_slug(slug: &str) -> Self {
        let mut p: String = slug
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .map(|c| c.to_ascii_uppercase())
            .take(17)
            .collect();
        if !p.starts_with(|c: char| c.is_ascii_uppercase()) {
            p.insert(0, 'A');
        }
        let p = format!("{}-SA", p.trim_end_matches('-'));
        Self {
            prefix: p,
            digits: 4,
        }
    }

    /// The id for `year` and `sequence`.
    pub fn make(&self, year: i16, sequence: u32) -> AdvisoryId {
        AdvisoryId(format!(
            "{}-{year:04}-{sequence:0width$}",
            self.prefix,
            width = usize::from(self.digits)
        ))
    }
}

impl AdvisoryId {
    /// Parses `PREFIX-YYYY-N…`.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let bad = || IdError::Id(s.to_owned());
        let mut parts = s.rsplitn(3, '-');
        let seq = parts.next().ok_or_else(bad)?;
        let year = parts.next().ok_or_else(bad)?;
        let prefix = parts.next().ok_or_else(bad)?;
        let digits = |x: &str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit());
        if !(digits(seq) && seq.len() <= 12 && year.len() == 4 && digits(year)) {
            return Err(bad());
        }
        IdFormat::new(prefix, 4).map_err(|_| bad())?;
        Ok(Self(s.to_owned()))
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The year part (CSAF folders are per year).
    pub fn year(&self) -> &str {
        self.0.rsplit('-').nth(1).unwrap_or_default()
    }
}

impl fmt::Display for AdvisoryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for AdvisoryId {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, IdError> {
        Self::parse(&s)
    }
}

impl From<AdvisoryId> for String {
    fn from(id: AdvisoryId) -> String {
        id.0
    }
}

/// `CVE-2026-12345` (CVE JSON 5 `cveId` pattern) or `GHSA-xxxx-xxxx-xxxx`.
pub fn is_alias(s: &str) -> bool {
    is_cve_id(s) || is_ghsa_id(s)
}

/// `^CVE-[0-9]{4}-[0-9]{4,19}$`.
pub fn is_cve_id(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("CVE-") else {
        return false;
    };
    let Some((year, num)) = rest.split_once('-') else {
        return false;
    };
    year.len() == 4
        && year.bytes().all(|b| b.is_ascii_digit())
        && (4..=19).contains(&num.len())
        && num.bytes().all(|b| b.is_ascii_digit())
}

/// `GHSA-` and three groups of four characters from GitHub's base-32 alphabet.
fn is_ghsa_id(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("GHSA-") else {
        return false;
    };
    let groups: Vec<&str> = rest.split('-').collect();
    groups.len() == 3
        && groups.iter().all(|g| {
            g.len() == 4
                && g.bytes()
                    .all(|b| b"23456789cfghjmpqrvwx".contains(&b.to_ascii_lowercase()))
        })
}

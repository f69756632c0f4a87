//! Case references shown to people: `OBS-2026-0042` — the program prefix, the year the case
//! was opened and a per-program, per-year sequence number.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The longest program prefix.
pub const MAX_PREFIX_LEN: usize = 8;

/// A case reference: `PREFIX-YYYY-NNNN`.
///
/// - prefix: 1–8 ASCII upper-case letters or digits, starting with a letter;
/// - year: four digits;
/// - sequence: at least 1, zero-padded to at least four digits (`0042`, `12345`).
///
/// Parsing accepts lower case (people type references) and returns the canonical form, so
/// `Display` then `FromStr` round-trips exactly.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CaseRef {
    prefix: String,
    year: u16,
    sequence: u32,
}

/// Why a case reference or prefix is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaseRefError {
    /// Not three dash-separated parts.
    #[error("a case reference looks like OBS-2026-0042 (prefix, year, number); got `{0}`")]
    Shape(String),
    /// Bad prefix.
    #[error("the prefix `{0}` must be 1 to 8 letters or digits, starting with a letter (e.g. OBS)")]
    Prefix(String),
    /// Bad year.
    #[error("the year `{0}` must be four digits between 1000 and 9999")]
    Year(String),
    /// Bad sequence number.
    #[error(
        "the number `{0}` must be at least four digits (zero-padded, like 0042), no leading \
         zeros beyond that, and not zero"
    )]
    Sequence(String),
    /// The slug yields no usable prefix.
    #[error("the program slug `{0}` contains no letter to make a case prefix from")]
    Slug(String),
}

fn valid_prefix(p: &str) -> bool {
    (1..=MAX_PREFIX_LEN).contains(&p.len())
        && p.bytes().next().is_some_and(|b| b.is_ascii_uppercase())
        && p.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

fn shorten(s: &str) -> String {
    s.chars().take(64).collect()
}

impl CaseRef {
    /// Builds a reference from its parts.
    pub fn new(prefix: &str, year: u16, sequence: u32) -> Result<Self, CaseRefError> {
        let prefix = prefix.to_ascii_uppercase();
        if !valid_prefix(&prefix) {
            return Err(CaseRefError::Prefix(shorten(&prefix)));
        }
        if !(1000..=9999).contains(&year) {
            return Err(CaseRefError::Year(year.to_string()));
        }
        if sequence == 0 {
            return Err(CaseRefError::Sequence(String::from("0")));
        }
        Ok(Self {
            prefix,
            year,
            sequence,
        })
    }

    /// The prefix for a program slug: its letters and digits, upper-cased, leading digits
    /// dropped, at most eight (`stella-ops` → `STELLAOP`, `obserae` → `OBSERAE`).
    pub fn prefix_from_slug(slug: &str) -> Result<String, CaseRefError> {
        let p: String = slug
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .skip_while(char::is_ascii_digit)
            .take(MAX_PREFIX_LEN)
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if valid_prefix(&p) {
            Ok(p)
        } else {
            Err(CaseRefError::Slug(shorten(slug)))
        }
    }

    /// The program prefix.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The year the case was opened.
    pub fn year(&self) -> u16 {
        self.year
    }

    /// The sequence number within the program and year.
    pub fn sequence(&self) -> u32 {
        self.sequence
    }
}

impl fmt::Display for CaseRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{:04}-{:04}", self.prefix, self.year, self.sequence)
    }
}

impl FromStr for CaseRef {
    type Err = CaseRefError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut parts = s.split('-');
        let (Some(prefix), Some(year), Some(seq), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(CaseRefError::Shape(shorten(s)));
        };
        let prefix = prefix.to_ascii_uppercase();
        if !valid_prefix(&prefix) {
            return Err(CaseRefError::Prefix(shorten(&prefix)));
        }
        let year_n = (year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit()))
            .then(|| year.parse::<u16>().ok())
            .flatten()
            .filter(|y| (1000..=9999).contains(y))
            .ok_or_else(|| CaseRefError::Year(shorten(year)))?;
        // Canonical: at least four digits; longer only without a leading zero.
        let canonical = seq.len() >= 4
            && seq.bytes().all(|b| b.is_ascii_digit())
            && (seq.len() == 4 || !seq.starts_with('0'));
        let sequence = canonical
            .then(|| seq.parse::<u32>().ok())
            .flatten()
            .filter(|n| *n > 0)
            .ok_or_else(|| CaseRefError::Sequence(shorten(seq)))?;
        Ok(Self {
            prefix,
            year: year_n,
            sequence,
        })
    }
}

impl Serialize for CaseRef {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for CaseRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

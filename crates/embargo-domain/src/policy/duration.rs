//! Human policy durations ("72 hours", "5 business days", "2 weeks", "6 months"): a strict
//! parser with errors that say what was wrong and what would have been right.
//!
//! A duration is either calendar time (wall-clock hours, civil days/weeks/months in the
//! program's time zone) or business time (hours or days counted on the business calendar).
//! The distinction is carried in the value so each clock knows how to run.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The largest amount we accept, in any unit. Policies promise things in hours to months; a
/// number beyond this is a typo, and bounding it keeps all later arithmetic far from overflow.
pub const MAX_AMOUNT: u32 = 10_000;

/// The unit of a [`PolicyDuration`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DurationUnit {
    /// Wall-clock hours.
    Hours,
    /// Civil days in the program's time zone (a DST day is 23 or 25 hours long).
    Days,
    /// Civil weeks (7 civil days).
    Weeks,
    /// Civil months (same day of month, clamped to the month's end).
    Months,
    /// Hours counted only inside the business calendar's working time.
    BusinessHours,
    /// Working days of the business calendar.
    BusinessDays,
}

impl DurationUnit {
    /// Whether this unit is counted on the business calendar.
    pub fn is_business(self) -> bool {
        matches!(self, Self::BusinessHours | Self::BusinessDays)
    }

    fn words(self) -> (&'static str, &'static str) {
        match self {
            Self::Hours => ("hour", "hours"),
            Self::Days => ("day", "days"),
            Self::Weeks => ("week", "weeks"),
            Self::Months => ("month", "months"),
            Self::BusinessHours => ("business hour", "business hours"),
            Self::BusinessDays => ("business day", "business days"),
        }
    }
}

/// A strictly parsed, non-negative duration from a policy file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PolicyDuration {
    /// How many units.
    pub amount: u32,
    /// Which unit.
    pub unit: DurationUnit,
}

impl PolicyDuration {
    /// Builds a duration.
    pub const fn new(amount: u32, unit: DurationUnit) -> Self {
        Self { amount, unit }
    }

    /// Whether the duration is zero (an impossible clock).
    pub fn is_zero(&self) -> bool {
        self.amount == 0
    }

    /// A rough length in hours, used only to compare and order targets in lint (a month is
    /// taken as 30 days, a business day as 24 hours: good enough to spot inverted targets).
    pub fn approx_hours(&self) -> u64 {
        let a = u64::from(self.amount);
        match self.unit {
            DurationUnit::Hours | DurationUnit::BusinessHours => a,
            DurationUnit::Days => a * 24,
            // Five working days span a calendar week, so weigh business days at 7/5 of a day.
            DurationUnit::BusinessDays => a * 24 * 7 / 5,
            DurationUnit::Weeks => a * 24 * 7,
            DurationUnit::Months => a * 24 * 30,
        }
    }
}

impl fmt::Display for PolicyDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (one, many) = self.unit.words();
        let word = if self.amount == 1 { one } else { many };
        write!(f, "{} {}", self.amount, word)
    }
}

/// Why a duration string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    /// Nothing was given.
    #[error("empty duration; write an amount and a unit, e.g. \"72 hours\" or \"5 business days\"")]
    Empty,
    /// A minus sign: clocks only run forwards.
    #[error("duration `{0}` is negative; clocks only run forwards")]
    Negative(String),
    /// The amount is not a whole number.
    #[error(
        "`{0}` is not a whole number of units; use a smaller unit (e.g. \"36 hours\" instead of \"1.5 days\")"
    )]
    NotWhole(String),
    /// No amount at the start.
    #[error("duration `{0}` does not start with a number; write e.g. \"7 days\"")]
    MissingAmount(String),
    /// The amount is too large to be a real promise.
    #[error("amount {0} is too large (at most {MAX_AMOUNT})")]
    TooLarge(String),
    /// No unit after the amount.
    #[error(
        "duration `{0}` has no unit; add one of: hours, days, weeks, months, business hours, business days"
    )]
    MissingUnit(String),
    /// A unit we do not know.
    #[error(
        "unknown duration unit `{0}`; expected one of: hours, days, weeks, months, business hours, business days (or h, d, w)"
    )]
    UnknownUnit(String),
}

impl FromStr for PolicyDuration {
    type Err = DurationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if t.is_empty() {
            return Err(DurationError::Empty);
        }
        if t.starts_with('-') || t.starts_with('\u{2212}') {
            return Err(DurationError::Negative(t.to_owned()));
        }
        let t = t.strip_prefix('+').unwrap_or(t);
        let digits_end = t
            .char_indices()
            .find(|(_, c)| !c.is_ascii_digit())
            .map_or(t.len(), |(i, _)| i);
        let (num, rest) = t.split_at(digits_end);
        if num.is_empty() {
            return Err(DurationError::MissingAmount(t.to_owned()));
        }
        if rest.starts_with(['.', ',']) {
            return Err(DurationError::NotWhole(t.to_owned()));
        }
        let amount: u32 = match num.parse::<u64>() {
            Ok(n) if n <= u64::from(MAX_AMOUNT) => u32::try_from(n).unwrap_or(MAX_AMOUNT),
            _ => return Err(DurationError::TooLarge(num.to_owned())),
        };
        let unit_text = rest.trim().to_ascii_lowercase();
        if unit_text.is_empty() {
            return Err(DurationError::MissingUnit(t.to_owned()));
        }
        let words: Vec<&str> = unit_text
            .split(|c: char| c.is_whitespace() || c == '-')
            .filter(|w| !w.is_empty())
            .collect();
        let unit = match words.as_slice() {
            ["h" | "hr" | "hrs" | "hour" | "hours"] => DurationUnit::Hours,
            ["d" | "day" | "days" | "calendar"] | ["calendar", "day" | "days"] => {
                DurationUnit::Days
            }
            ["w" | "wk" | "wks" | "week" | "weeks"] => DurationUnit::Weeks,
            ["month" | "months"] => DurationUnit::Months,
            ["business" | "working", "hour" | "hours"] => DurationUnit::BusinessHours,
            ["business" | "working", "day" | "days"] | ["bd"] => DurationUnit::BusinessDays,
            _ => return Err(DurationError::UnknownUnit(rest.trim().to_owned())),
        };
        Ok(Self { amount, unit })
    }
}

impl Serialize for PolicyDuration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PolicyDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = PolicyDuration;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration string such as \"72 hours\" or \"5 business days\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                v.parse().map_err(E::custom)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Err(E::custom(format!(
                    "a bare number ({v}) is not a duration; write it with a unit, e.g. \"{} days\"",
                    v.unsigned_abs()
                )))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_the_seed_durations() {
        let cases = [
            ("72 hours", 72, DurationUnit::Hours),
            ("72 h", 72, DurationUnit::Hours),
            ("72h", 72, DurationUnit::Hours),
            ("48 hours", 48, DurationUnit::Hours),
            ("7 d", 7, DurationUnit::Days),
            ("7 days", 7, DurationUnit::Days),
            ("5 business days", 5, DurationUnit::BusinessDays),
            ("5 Business-Days", 5, DurationUnit::BusinessDays),
            ("8 working hours", 8, DurationUnit::BusinessHours),
            ("2 weeks", 2, DurationUnit::Weeks),
            ("1 week", 1, DurationUnit::Weeks),
            ("6 months", 6, DurationUnit::Months),
            ("24 months", 24, DurationUnit::Months),
        ];
        for (s, amount, unit) in cases {
            assert_eq!(
                s.parse::<PolicyDuration>(),
                Ok(PolicyDuration { amount, unit }),
                "{s}"
            );
        }
    }

    #[test]
    fn rejects_bad_durations_with_reasons() {
        assert!(matches!(
            "-3 days".parse::<PolicyDuration>(),
            Err(DurationError::Negative(_))
        ));
        assert!(matches!(
            "1.5 days".parse::<PolicyDuration>(),
            Err(DurationError::NotWhole(_))
        ));
        assert!(matches!(
            "days".parse::<PolicyDuration>(),
            Err(DurationError::MissingAmount(_))
        ));
        assert!(matches!(
            "7".parse::<PolicyDuration>(),
            Err(DurationError::MissingUnit(_))
        ));
        assert!(matches!(
            "7 fortnights".parse::<PolicyDuration>(),
            Err(DurationError::UnknownUnit(_))
        ));
        assert!(matches!(
            "99999999999999999999 days".parse::<PolicyDuration>(),
            Err(DurationError::TooLarge(_))
        ));
        assert!(matches!(
            "  ".parse::<PolicyDuration>(),
            Err(DurationError::Empty)
        ));
    }

    #[test]
    fn displays_round_trip() {
        for s in [
            "1 hour",
            "72 hours",
            "5 business days",
            "1 business day",
            "6 months",
            "2 weeks",
        ] {
            let d: PolicyDuration = s.parse().unwrap();
            assert_eq!(d.to_string(), s);
        }
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,40}") {
            let _ = s.parse::<PolicyDuration>();
        }

        #[test]
        fn display_parses_back(amount in 0u32..=MAX_AMOUNT, u in 0usize..6) {
            let unit = [DurationUnit::Hours, DurationUnit::Days, DurationUnit::Weeks,
                DurationUnit::Months, DurationUnit::BusinessHours, DurationUnit::BusinessDays][u];
            let d = PolicyDuration { amount, unit };
            prop_assert_eq!(d.to_string().parse::<PolicyDuration>(), Ok(d));
        }
    }
}

//! Small validated values used by the policy model: dates, times of day, IANA time zones and
//! weekdays, each parsed strictly at deserialization so the error carries the value's span.

use std::fmt;

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The key under which the `toml` crate hands native TOML date-times to a visitor's map.
const TOML_DATETIME_FIELD: &str = "$__toml_private_datetime";

/// Reads a string or a native TOML date/time (which `toml` presents as a one-entry map).
fn string_or_toml_datetime<'de, D: Deserializer<'de>>(
    d: D,
    what: &'static str,
) -> Result<String, D::Error> {
    struct V(&'static str);
    impl<'de> Visitor<'de> for V {
        type Value = String;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
            Ok(v.to_owned())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<String, A::Error> {
            match map.next_key::<String>()? {
                Some(k) if k == TOML_DATETIME_FIELD => map.next_value::<String>(),
                _ => Err(de::Error::custom(format!("expected {}", self.0))),
            }
        }
    }
    d.deserialize_any(V(what))
}

/// A calendar date (`2026-03-31`), written as a TOML date or a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(pub Date);

impl<'de> Deserialize<'de> for Day {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = string_or_toml_datetime(d, "a date such as 2026-03-31")?;
        parse_day(&s).map(Day).map_err(de::Error::custom)
    }
}

/// Parses `YYYY-MM-DD`, saying clearly when the date does not exist.
pub fn parse_day(s: &str) -> Result<Date, String> {
    let parts: Vec<&str> = s.trim().split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return Err(format!(
            "`{s}` is not a date; write it as YYYY-MM-DD, e.g. 2026-03-31"
        ));
    };
    let (Ok(y), Ok(m), Ok(d)) = (y.parse::<i16>(), m.parse::<i8>(), d.parse::<i8>()) else {
        return Err(format!(
            "`{s}` is not a date; write it as YYYY-MM-DD, e.g. 2026-03-31"
        ));
    };
    Date::new(y, m, d).map_err(|_| format!("the date {s} does not exist"))
}

impl Serialize for Day {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

/// A local time of day (`09:00`), written as a TOML local time or a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClockTime(pub Time);

impl<'de> Deserialize<'de> for ClockTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = string_or_toml_datetime(d, "a time of day such as \"09:00\"")?;
        let t = s.trim();
        let parsed = if t == "24:00" {
            // Allow "until midnight" as the end of working hours.
            Ok(Time::MAX)
        } else {
            t.parse::<Time>()
        };
        parsed.map(ClockTime).map_err(|_| {
            de::Error::custom(format!(
                "`{t}` is not a time of day; write it as HH:MM, e.g. \"09:00\""
            ))
        })
    }
}

impl Serialize for ClockTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0 == Time::MAX {
            return s.serialize_str("24:00");
        }
        s.collect_str(&format_args!("{:02}:{:02}", self.0.hour(), self.0.minute()))
    }
}

/// An IANA time zone name, resolved when the policy is read.
#[derive(Debug, Clone, PartialEq)]
pub struct ZoneName {
    /// The name as written (`Europe/Paris`).
    pub name: String,
    /// The resolved zone.
    pub zone: TimeZone,
}

impl<'de> Deserialize<'de> for ZoneName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        // jiff looks the name up in the system tzdb, falling back to the copy bundled into the
        // binary (`tzdb-bundle-always`), so a container without /usr/share/zoneinfo still works.
        match TimeZone::get(&name) {
            Ok(zone) => Ok(Self { name, zone }),
            Err(_) => Err(de::Error::custom(format!(
                "unknown time zone `{name}`; use an IANA name such as \"Europe/Paris\", \"America/New_York\" or \"UTC\""
            ))),
        }
    }
}

impl Serialize for ZoneName {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.name)
    }
}

/// A day of the week in a business calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[expect(missing_docs, reason = "the names are the documentation")]
pub enum Weekday {
    #[serde(alias = "monday")]
    Mon,
    #[serde(alias = "tuesday")]
    Tue,
    #[serde(alias = "wednesday")]
    Wed,
    #[serde(alias = "thursday")]
    Thu,
    #[serde(alias = "friday")]
    Fri,
    #[serde(alias = "saturday")]
    Sat,
    #[serde(alias = "sunday")]
    Sun,
}

impl Weekday {
    /// The jiff weekday.
    pub fn to_jiff(self) -> jiff::civil::Weekday {
        use jiff::civil::Weekday as W;
        match self {
            Self::Mon => W::Monday,
            Self::Tue => W::Tuesday,
            Self::Wed => W::Wednesday,
            Self::Thu => W::Thursday,
            Self::Fri => W::Friday,
            Self::Sat => W::Saturday,
            Self::Sun => W::Sunday,
        }
    }

    /// The English name, for rendering.
    pub fn name(self) -> &'static str {
        match self {
            Self::Mon => "Monday",
            Self::Tue => "Tuesday",
            Self::Wed => "Wednesday",
            Self::Thu => "Thursday",
            Self::Fri => "Friday",
            Self::Sat => "Saturday",
            Self::Sun => "Sunday",
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn nonexistent_dates_are_named() {
        assert_eq!(
            parse_day("2026-02-30").unwrap_err(),
            "the date 2026-02-30 does not exist"
        );
        assert!(parse_day("2026/02/03").is_err());
        assert_eq!(
            parse_day("2024-02-29").unwrap(),
            jiff::civil::date(2024, 2, 29)
        );
    }
}

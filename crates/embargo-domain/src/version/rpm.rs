//! RPM versions (`[epoch:]version[-release]`), ordered like rpm's `rpmvercmp`
//! (rpm `rpmio/rpmvercmp.c`, 4.15+ with `~` and `^`): alphanumeric segments compared in turn,
//! numeric segments numerically and newer than alphabetic ones, `~` before everything (even the
//! end), `^` after the end but before any further segment.

use std::cmp::Ordering;

use super::{VersionError, VersionScheme};

/// A parsed RPM EVR.
#[derive(Debug, Clone)]
pub struct RpmVersion {
    pub epoch: u64,
    pub version: String,
    pub release: String,
}

fn is_sep(b: u8) -> bool {
    !b.is_ascii_alphanumeric() && b != b'~' && b != b'^'
}

/// `rpmvercmp(a, b)`.
pub(crate) fn rpmvercmp(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    loop {
        while i < a.len() && is_sep(a[i]) {
            i += 1;
        }
        while j < b.len() && is_sep(b[j]) {
            j += 1;
        }
        let (ac, bc) = (a.get(i).copied(), b.get(j).copied());
        // Tilde: sorts before everything else, including the end of the string.
        if ac == Some(b'~') || bc == Some(b'~') {
            if ac != Some(b'~') {
                return Ordering::Greater;
            }
            if bc != Some(b'~') {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        // Caret: like the end of the string, but newer than it; older than any segment.
        if ac == Some(b'^') || bc == Some(b'^') {
            if ac.is_none() {
                return Ordering::Less;
            }
            if bc.is_none() {
                return Ordering::Greater;
            }
            if ac != Some(b'^') {
                return Ordering::Greater;
            }
            if bc != Some(b'^') {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        let (Some(ac), Some(_)) = (ac, bc) else { break };
        let numeric = ac.is_ascii_digit();
        let class = |c: u8| {
            if numeric {
                c.is_ascii_digit()
            } else {
                c.is_ascii_alphabetic()
            }
        };
        let (si, sj) = (i, j);
        while i < a.len() && class(a[i]) {
            i += 1;
        }
        while j < b.len() && class(b[j]) {
            j += 1;
        }
        // Segments of different types: the numeric one is newer.
        if j == sj {
            return if numeric {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }
        let (mut sa, mut sb) = (&a[si..i], &b[sj..j]);
        let r = if numeric {
            while let [b'0', rest @ ..] = sa {
                sa = rest;
            }
            while let [b'0', rest @ ..] = sb {
                sb = rest;
            }
            sa.len().cmp(&sb.len()).then_with(|| sa.cmp(sb))
        } else {
            sa.cmp(sb)
        };
        if r != Ordering::Equal {
            return r;
        }
    }
    // Whichever still has segments left is newer.
    match (i >= a.len(), j >= b.len()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        _ => Ordering::Greater,
    }
}

impl PartialEq for RpmVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for RpmVersion {}
impl PartialOrd for RpmVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for RpmVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| rpmvercmp(&self.version, &other.version))
            .then_with(|| rpmvercmp(&self.release, &other.release))
    }
}

/// RPM (Red Hat, Fedora, Rocky, AlmaLinux, SUSE, Mageia…).
pub struct RpmScheme;

impl VersionScheme for RpmScheme {
    type Version = RpmVersion;
    const NAME: &'static str = "RPM";

    /// Splits `[epoch:]version[-release]` like rpm's `parseEVR`; the version must contain an
    /// alphanumeric character and neither part may contain whitespace.
    fn parse(input: &str) -> Result<RpmVersion, VersionError> {
        let err = |r: &str| VersionError::new(Self::NAME, input, r);
        let s = input.trim();
        if s.is_empty() || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(err("empty or contains whitespace"));
        }
        let (epoch, rest) = match s.split_once(':') {
            Some((e, rest)) if !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit()) => {
                (e.parse().map_err(|_| err("the epoch is too large"))?, rest)
            }
            Some(_) => return Err(err("the epoch must be a number")),
            None => (0, s),
        };
        let (version, release) = rest.rsplit_once('-').unwrap_or((rest, ""));
        if !version.bytes().any(|b| b.is_ascii_alphanumeric()) {
            return Err(err("the version has no alphanumeric segment"));
        }
        Ok(RpmVersion {
            epoch,
            version: version.to_owned(),
            release: release.to_owned(),
        })
    }

    fn is_prerelease(v: &RpmVersion) -> bool {
        v.version.contains('~')
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn rpmvercmp_cases() {
        // A selection of rpm's own tests/rpmvercmp.at.
        let cases = [
            ("1.0", "1.0", 0),
            ("1.0", "2.0", -1),
            ("2.0.1", "2.0", 1),
            ("5.5p1", "5.5p2", -1),
            ("5.5p10", "5.5p1", 1),
            ("10xyz", "10.1xyz", -1),
            ("xyz10", "xyz10.1", -1),
            ("1b.fc17", "1.fc17", -1),
            ("1.0a", "1.0", 1),
            ("2.0", "2_0", 0),
            ("1.0~rc1", "1.0", -1),
            ("1.0~rc1", "1.0~rc2", -1),
            ("1.0~rc1~git123", "1.0~rc1", -1),
            ("1.0^", "1.0", 1),
            ("1.0^git1", "1.0.1", -1),
            ("1.0^git1~pre", "1.0^git1", -1),
            ("1.010", "1.9", 1),
            ("a", "1", -1),
        ];
        for (a, b, want) in cases {
            assert_eq!(rpmvercmp(a, b) as i32, want, "{a} vs {b}");
        }
        assert_eq!(
            RpmScheme::compare("1:1.0-1", "2.0-1").unwrap(),
            Ordering::Greater
        );
    }
}

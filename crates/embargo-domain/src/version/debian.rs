//! Debian package versions (`[epoch:]upstream[-revision]`), ordered like dpkg's `verrevcmp`
//! (dpkg `lib/dpkg/version.c`; Debian Policy §5.6.12): `~` sorts before everything, even the
//! end of the string, so `1.0~rc1 < 1.0`; letters sort before non-letters; digit runs compare
//! numerically.

use std::cmp::Ordering;

use super::{VersionError, VersionScheme};

/// A parsed Debian version.
#[derive(Debug, Clone)]
pub struct DebianVersion {
    pub epoch: u64,
    pub upstream: String,
    pub revision: String,
}

/// dpkg `order()`: the weight of a non-digit character.
fn order(c: Option<u8>) -> i32 {
    match c {
        Some(b'~') => -1,
        None => 0,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(c) => i32::from(c) + 256,
    }
}

/// dpkg `verrevcmp`.
pub(crate) fn verrevcmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        // Non-digit prefix, character by character.
        while (i < a.len() && !a[i].is_ascii_digit()) || (j < b.len() && !b[j].is_ascii_digit()) {
            let ac = order(a.get(i).copied().filter(|c| !c.is_ascii_digit()));
            let bc = order(b.get(j).copied().filter(|c| !c.is_ascii_digit()));
            if ac != bc {
                return ac.cmp(&bc);
            }
            i += 1;
            j += 1;
        }
        // Digit run, numerically (skip leading zeros, then longer wins, then lexical).
        while i < a.len() && a[i] == b'0' {
            i += 1;
        }
        while j < b.len() && b[j] == b'0' {
            j += 1;
        }
        let si = i;
        let sj = j;
        while i < a.len() && a[i].is_ascii_digit() {
            i += 1;
        }
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        let r = (i - si)
            .cmp(&(j - sj))
            .then_with(|| a.get(si..i).cmp(&b.get(sj..j)));
        if r != Ordering::Equal {
            return r;
        }
    }
    Ordering::Equal
}

impl PartialEq for DebianVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for DebianVersion {}
impl PartialOrd for DebianVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for DebianVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| verrevcmp(&self.upstream, &other.upstream))
            .then_with(|| verrevcmp(&self.revision, &other.revision))
    }
}

/// Debian dpkg versions.
pub struct DebianScheme;

impl VersionScheme for DebianScheme {
    type Version = DebianVersion;
    const NAME: &'static str = "Debian";

    /// dpkg `parseversion`: the epoch is the digits before the first `:`, the revision is
    /// after the last `-`; the upstream part must start with a digit (Policy §5.6.12) and use
    /// only `[A-Za-z0-9.+~-:]`, the revision only `[A-Za-z0-9.+~]`.
    fn parse(input: &str) -> Result<DebianVersion, VersionError> {
        let err = |r: &str| VersionError::new(Self::NAME, input, r);
        let s = input.trim();
        if s.is_empty() {
            return Err(err("empty version"));
        }
        let (epoch, rest) = match s.split_once(':') {
            Some((e, rest)) => {
                if e.is_empty() || !e.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(err("the epoch must be a number"));
                }
                let e = e.parse().map_err(|_| err("the epoch is too large"))?;
                (e, rest)
            }
            None => (0, s),
        };
        let (upstream, revision) = match rest.rsplit_once('-') {
            Some((u, r)) => {
                if r.is_empty() {
                    return Err(err("empty revision after `-`"));
                }
                (u, r)
            }
            None => (rest, ""),
        };
        if !upstream.as_bytes().first().is_some_and(u8::is_ascii_digit) {
            return Err(err("the upstream version must start with a digit"));
        }
        let ok = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'+' | b'~');
        if !upstream.bytes().all(|b| ok(b) || b == b'-' || b == b':') {
            return Err(err("invalid character in the upstream version"));
        }
        if !revision.bytes().all(ok) {
            return Err(err("invalid character in the revision"));
        }
        Ok(DebianVersion {
            epoch,
            upstream: upstream.to_owned(),
            revision: revision.to_owned(),
        })
    }

    fn is_prerelease(v: &DebianVersion) -> bool {
        v.upstream.contains('~')
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn dpkg_order() {
        let chain = [
            "1.0~~",
            "1.0~~a",
            "1.0~rc1",
            "1.0",
            "1.0-1",
            "1.0a",
            "1.0+dfsg-1",
            "1.0.1",
            "1:0.1",
            "2:0~beta",
        ];
        for w in chain.windows(2) {
            assert_eq!(
                DebianScheme::compare(w[0], w[1]).unwrap(),
                Ordering::Less,
                "{w:?}"
            );
        }
        assert_eq!(
            DebianScheme::compare("0:1.0", "1.0").unwrap(),
            Ordering::Equal
        );
        assert_eq!(
            DebianScheme::compare("1.01", "1.1").unwrap(),
            Ordering::Equal
        );
        for bad in ["", "a1.0", "x:1.0", "1.0-", "1.0 beta", "1.0-a_b"] {
            assert!(DebianScheme::parse(bad).is_err(), "{bad}");
        }
    }
}

//! PEP 440 versions (PyPI), parsed with the spec's normalisation rules
//! (<https://peps.python.org/pep-0440/#normalization>) and ordered like `packaging.version`'s
//! `_cmpkey`: `1.0.dev1 < 1.0a1 < 1.0 < 1.0.post1`, epochs first, local labels last.

use std::cmp::Ordering;

use super::{VersionError, VersionScheme};

/// Pre-release phase, in PEP 440 order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PreKind {
    Alpha,
    Beta,
    Rc,
}

/// One segment of a local version label: numbers sort after strings
/// (PEP 440 "Local version identifiers").
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum LocalSegment {
    Alpha(String),
    Numeric(u64),
}

/// A parsed PEP 440 version.
#[derive(Debug, Clone)]
pub struct Pep440Version {
    pub epoch: u64,
    pub release: Vec<u64>,
    pub pre: Option<(PreKind, u64)>,
    pub post: Option<u64>,
    pub dev: Option<u64>,
    pub local: Vec<LocalSegment>,
}

/// Ordering helpers mirroring `packaging.version._cmpkey`'s infinities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Bound<T> {
    NegInf,
    Value(T),
    PosInf,
}

impl Pep440Version {
    #[expect(
        clippy::type_complexity,
        reason = "a sort key tuple, local to this type"
    )]
    fn key(
        &self,
    ) -> (
        u64,
        &[u64],
        Bound<(PreKind, u64)>,
        Bound<u64>,
        Bound<u64>,
        &[LocalSegment],
    ) {
        // Trailing zeros do not matter: 1.0 == 1.0.0.
        let mut release = self.release.as_slice();
        while let [rest @ .., 0] = release {
            release = rest;
        }
        let pre = match (self.pre, self.post, self.dev) {
            // 1.0.dev0 sorts before 1.0a0: a dev release of a final version goes first.
            (None, None, Some(_)) => Bound::NegInf,
            (None, _, _) => Bound::PosInf,
            (Some(p), _, _) => Bound::Value(p),
        };
        let post = self.post.map_or(Bound::NegInf, Bound::Value);
        let dev = self.dev.map_or(Bound::PosInf, Bound::Value);
        (self.epoch, release, pre, post, dev, &self.local)
    }
}

impl PartialEq for Pep440Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Pep440Version {}
impl PartialOrd for Pep440Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Pep440Version {
    fn cmp(&self, other: &Self) -> Ordering {
        // A version without a local label sorts before the same version with one; `&[]`
        // is lexicographically smallest, which gives exactly that.
        self.key().cmp(&other.key())
    }
}

/// A tiny cursor over the lower-cased input.
struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn eat_sep(&mut self) -> bool {
        matches!(self.peek(), Some(b'.' | b'-' | b'_')) && {
            self.i += 1;
            true
        }
    }
    fn number(&mut self) -> Option<Result<u64, ()>> {
        let start = self.i;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.i += 1;
        }
        if start == self.i {
            return None;
        }
        let text = std::str::from_utf8(&self.s[start..self.i]).unwrap_or("");
        Some(text.parse().map_err(|_| ()))
    }
    fn word(&mut self, words: &[&str]) -> Option<usize> {
        // Longest match first, so "preview" is not read as "pre".
        let mut best: Option<(usize, usize)> = None;
        for (idx, w) in words.iter().enumerate() {
            if self.s[self.i..].starts_with(w.as_bytes())
                && best.is_none_or(|(_, len)| w.len() > len)
            {
                best = Some((idx, w.len()));
            }
        }
        best.map(|(idx, len)| {
            self.i += len;
            idx
        })
    }
    /// `[sep] word [sep] [number]` → the implicit number is 0.
    fn labelled(&mut self, words: &[&str]) -> Result<Option<(usize, u64)>, ()> {
        let save = self.i;
        self.eat_sep();
        let Some(idx) = self.word(words) else {
            self.i = save;
            return Ok(None);
        };
        let before_num = self.i;
        self.eat_sep();
        match self.number() {
            Some(n) => Ok(Some((idx, n?))),
            None => {
                self.i = before_num;
                Ok(Some((idx, 0)))
            }
        }
    }
}

/// PEP 440 (PyPI).
pub struct Pep440Scheme;

impl VersionScheme for Pep440Scheme {
    type Version = Pep440Version;
    const NAME: &'static str = "PEP 440";

    fn parse(input: &str) -> Result<Pep440Version, VersionError> {
        let err = |reason: &str| VersionError::new(Self::NAME, input, reason);
        let too_big = || err("a number is too large");
        let lower = input.trim().to_ascii_lowercase();
        let mut c = Cursor {
            s: lower.as_bytes(),
            i: 0,
        };
        c.eat(b'v');
        // Epoch: N!
        let mut epoch = 0;
        let first = c.number().ok_or_else(|| err("expected a release number"))?;
        let mut first = first.map_err(|()| too_big())?;
        if c.eat(b'!') {
            epoch = first;
            first = c
                .number()
                .ok_or_else(|| err("expected a release number after the epoch"))?
                .map_err(|()| too_big())?;
        }
        let mut release = vec![first];
        while c.peek() == Some(b'.') && c.s.get(c.i + 1).is_some_and(u8::is_ascii_digit) {
            c.i += 1;
            if let Some(n) = c.number() {
                release.push(n.map_err(|()| too_big())?);
            }
        }
        let pre = c
            .labelled(&["a", "alpha", "b", "beta", "c", "rc", "pre", "preview"])
            .map_err(|()| too_big())?
            .map(|(idx, n)| {
                let kind = match idx {
                    0 | 1 => PreKind::Alpha,
                    2 | 3 => PreKind::Beta,
                    _ => PreKind::Rc,
                };
                (kind, n)
            });
        let mut post = c
            .labelled(&["post", "rev", "r"])
            .map_err(|()| too_big())?
            .map(|(_, n)| n);
        if post.is_none() && c.peek() == Some(b'-') {
            // Implicit post release: "1.0-1".
            let save = c.i;
            c.i += 1;
            match c.number() {
                Some(n) => post = Some(n.map_err(|()| too_big())?),
                None => c.i = save,
            }
        }
        let dev = c
            .labelled(&["dev"])
            .map_err(|()| too_big())?
            .map(|(_, n)| n);
        let mut local = Vec::new();
        if c.eat(b'+') {
            let rest = std::str::from_utf8(&c.s[c.i..]).unwrap_or("");
            for seg in rest.split(['.', '-', '_']) {
                if seg.is_empty() || !seg.bytes().all(|b| b.is_ascii_alphanumeric()) {
                    return Err(err("invalid local version label"));
                }
                local.push(if seg.bytes().all(|b| b.is_ascii_digit()) {
                    LocalSegment::Numeric(seg.parse().map_err(|_| too_big())?)
                } else {
                    LocalSegment::Alpha(seg.to_owned())
                });
            }
            c.i = c.s.len();
        }
        if c.i != c.s.len() {
            return Err(err(&format!(
                "unexpected `{}`",
                String::from_utf8_lossy(&c.s[c.i..])
            )));
        }
        Ok(Pep440Version {
            epoch,
            release,
            pre,
            post,
            dev,
            local,
        })
    }

    fn is_prerelease(v: &Pep440Version) -> bool {
        v.pre.is_some() || v.dev.is_some()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn pep440_order() {
        let chain = [
            "1.0.dev456",
            "1.0a1",
            "1.0a2.dev456",
            "1.0a12.dev456",
            "1.0a12",
            "1.0b1.dev456",
            "1.0b2",
            "1.0b2.post345.dev456",
            "1.0b2.post345",
            "1.0rc1.dev456",
            "1.0rc1",
            "1.0",
            "1.0+abc.5",
            "1.0+abc.7",
            "1.0+5",
            "1.0.post456.dev34",
            "1.0.post456",
            "1.0.15",
            "1.1.dev1",
            "1!0.1",
        ];
        for w in chain.windows(2) {
            assert_eq!(
                Pep440Scheme::compare(w[0], w[1]).unwrap(),
                Ordering::Less,
                "{w:?}"
            );
        }
        for (a, b) in [
            ("1.0", "1.0.0"),
            ("1.0-1", "1.0.post1"),
            ("1.0alpha1", "1.0a1"),
            ("1.0-preview-2", "1.0rc2"),
            ("v1.0", "1.0"),
            ("1.0.DEV", "1.0.dev0"),
        ] {
            assert_eq!(
                Pep440Scheme::compare(a, b).unwrap(),
                Ordering::Equal,
                "{a} {b}"
            );
        }
        for bad in ["", "abc", "1.0x", "1..0", "1.0+", "1.0+a..b"] {
            assert!(Pep440Scheme::parse(bad).is_err(), "{bad}");
        }
    }
}

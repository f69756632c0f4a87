//! Alpine apk versions, ordered like apk-tools `apk_version_compare` (`src/version.c`):
//! `digits{.digits}[letter]{_suffix[N]}[~hash][-rN]`, with pre-release suffixes
//! `_alpha < _beta < _pre < _rc` before the release and `_cvs < _svn < _git < _hg < _p` after it.

use std::cmp::Ordering;

use super::{VersionError, VersionScheme};

/// Suffixes in apk order; those before `RELEASE_AT` are pre-releases.
const SUFFIXES: [&str; 9] = ["alpha", "beta", "pre", "rc", "cvs", "svn", "git", "hg", "p"];
const RELEASE_AT: usize = 4;

/// One apk token. apk compares token by token; when the token *types* differ, the version whose
/// next token is a pre-release suffix is older, otherwise the one whose token type comes later
/// in apk's enum (`DIGIT < LETTER < SUFFIX < SUFFIX_NO < REVISION_NO < END`) is older. Ranking
/// token types as below makes that a plain lexicographic (total) order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Token {
    /// A pre-release suffix (`_alpha`…`_rc`), with its index.
    PreSuffix(usize),
    End,
    Revision(u64),
    Hash(String),
    SuffixNo(u64),
    /// A post-release suffix (`_cvs`…`_p`), with its index.
    PostSuffix(usize),
    Letter(u8),
    /// A dotted number: `(negated count of leading zeros, value)`. apk compares components
    /// after the first with a leading zero like decimal fractions (`1.02 < 1.2`).
    Digit(i64, u64),
}

/// A parsed apk version.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ApkVersion {
    tokens: Vec<Token>,
}

/// Alpine apk-tools.
pub struct AlpineScheme;

fn number(s: &str, input: &str) -> Result<u64, VersionError> {
    s.parse()
        .map_err(|_| VersionError::new(AlpineScheme::NAME, input, format!("`{s}` is too large")))
}

impl VersionScheme for AlpineScheme {
    type Version = ApkVersion;
    const NAME: &'static str = "Alpine";

    /// apk-tools `apk_version_validate`: anything else is an error.
    fn parse(input: &str) -> Result<ApkVersion, VersionError> {
        let err = |r: &str| VersionError::new(Self::NAME, input, r);
        let s = input.trim();
        let mut rest = s;
        let mut tokens = Vec::new();
        // Revision `-rN` at the end.
        let mut revision = None;
        if let Some((head, rev)) = rest.rsplit_once("-r") {
            if rev.is_empty() || !rev.bytes().all(|b| b.is_ascii_digit()) {
                return Err(err("the revision is `-r` and a number"));
            }
            revision = Some(number(rev, input)?);
            rest = head;
        }
        // Commit hash `~hex`.
        let mut hash = None;
        if let Some((head, h)) = rest.split_once('~') {
            if h.is_empty() || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(err("`~` must be followed by a hex commit hash"));
            }
            hash = Some(h.to_ascii_lowercase());
            rest = head;
        }
        // Suffixes `_name[N]`.
        let mut parts = rest.split('_');
        let numeric = parts.next().unwrap_or_default();
        // Dotted numbers and an optional trailing letter.
        let (numeric, letter) = match numeric.as_bytes().last() {
            Some(b) if b.is_ascii_lowercase() => (&numeric[..numeric.len() - 1], Some(*b)),
            _ => (numeric, None),
        };
        for (i, comp) in numeric.split('.').enumerate() {
            if comp.is_empty() || !comp.bytes().all(|b| b.is_ascii_digit()) {
                return Err(err("expected dot-separated numbers first"));
            }
            let zeros = if i == 0 {
                0
            } else {
                comp.bytes().take_while(|b| *b == b'0').count()
            };
            let zeros = i64::try_from(zeros).unwrap_or(i64::MAX);
            tokens.push(Token::Digit(-zeros, number(comp, input)?));
        }
        if let Some(l) = letter {
            tokens.push(Token::Letter(l));
        }
        for suffix in parts {
            let name_len = suffix.bytes().take_while(u8::is_ascii_lowercase).count();
            let (name, num) = suffix.split_at(name_len);
            let idx = SUFFIXES
                .iter()
                .position(|s| *s == name)
                .ok_or_else(|| err(&format!("unknown suffix `_{name}`")))?;
            tokens.push(if idx < RELEASE_AT {
                Token::PreSuffix(idx)
            } else {
                Token::PostSuffix(idx)
            });
            if !num.is_empty() {
                if !num.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(err("a suffix number must be digits"));
                }
                tokens.push(Token::SuffixNo(number(num, input)?));
            }
        }
        if let Some(h) = hash {
            tokens.push(Token::Hash(h));
        }
        if let Some(r) = revision {
            tokens.push(Token::Revision(r));
        }
        tokens.push(Token::End);
        Ok(ApkVersion { tokens })
    }

    fn is_prerelease(v: &ApkVersion) -> bool {
        v.tokens.iter().any(|t| matches!(t, Token::PreSuffix(_)))
    }
}

impl ApkVersion {
    /// Compares by apk precedence (also what `Ord` does).
    pub fn precedence(&self, other: &Self) -> Ordering {
        self.cmp(other)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn apk_order() {
        let chain = [
            "1.0_alpha",
            "1.0_alpha1",
            "1.0_beta",
            "1.0_rc1",
            "1.0",
            "1.0-r1",
            "1.0_p1",
            "1.0a",
            "1.0.1",
            "1.02.0",
            "1.2",
            "2.0_rc1-r3",
            "2.0",
        ];
        for w in chain.windows(2) {
            assert_eq!(
                AlpineScheme::compare(w[0], w[1]).unwrap(),
                Ordering::Less,
                "{w:?}"
            );
        }
        for bad in ["", "a1", "1.0_foo", "1.0-r", "1..0", "1.0~xyz"] {
            assert!(AlpineScheme::parse(bad).is_err(), "{bad}");
        }
    }
}

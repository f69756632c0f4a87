//! Maven versions, ordered like Maven's `org.apache.maven.artifact.versioning.ComparableVersion`
//! (maven-artifact 3.x, <https://maven.apache.org/pom.html#version-order-specification>):
//! `1.0-alpha < 1.0-beta < 1.0-milestone < 1.0-rc < 1.0-snapshot < 1.0 < 1.0-sp`, unknown
//! qualifiers after `sp` in lexical order, `ga`/`final`/`release` equal to the release.
//!
//! Faithful to Maven, this order is *not* transitive on arbitrary strings: `1 < 1.a`,
//! `1.a < 1rc.` (a string item sorts before a list item) but `1rc. < 1` (a list whose first item
//! is a pre-release qualifier sorts before the release). Published Maven versions (numbers, then
//! `-`-separated qualifiers) are totally ordered; the property test checks exactly that.

use std::cmp::Ordering;

use super::{VersionError, VersionScheme};

/// An item of a parsed version: a number, a qualifier or a nested list (after `-` or a
/// digit/letter transition).
#[derive(Debug, Clone)]
enum Item {
    Int(Vec<u8>),
    Str(String),
    List(Vec<Item>),
}

/// The well-known qualifiers in order; `""` is the release (`RELEASE_VERSION_INDEX`).
const QUALIFIERS: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];

/// `ComparableVersion.StringItem.comparableQualifier`: the index in [`QUALIFIERS`], or
/// `"7-" + qualifier` for unknown ones (so they sort after `sp`, lexically among themselves).
fn comparable_qualifier(q: &str) -> String {
    match QUALIFIERS.iter().position(|k| *k == q) {
        Some(i) => i.to_string(),
        None => format!("{}-{q}", QUALIFIERS.len()),
    }
}

const RELEASE_INDEX: &str = "5";

fn cmp_int(a: &[u8], b: &[u8]) -> Ordering {
    // Digits without leading zeros: longer is larger, then lexical.
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

impl Item {
    fn is_null(&self) -> bool {
        match self {
            Self::Int(d) => d.is_empty(),
            Self::Str(s) => s.is_empty(),
            Self::List(l) => l.is_empty(),
        }
    }

    /// `Item.compareTo(null)`: comparison against a missing item (padding).
    fn cmp_null(&self) -> Ordering {
        match self {
            Self::Int(d) => {
                if d.is_empty() {
                    Ordering::Equal
                } else {
                    Ordering::Greater
                }
            }
            Self::Str(s) => comparable_qualifier(s).as_str().cmp(RELEASE_INDEX),
            Self::List(l) => l.first().map_or(Ordering::Equal, Item::cmp_null),
        }
    }

    fn cmp_item(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Self::Int(a), Self::Int(b)) => cmp_int(a, b),
            (Self::Int(_), _) => Ordering::Greater,
            (Self::Str(_), Self::Int(_)) => Ordering::Less,
            (Self::Str(a), Self::Str(b)) => comparable_qualifier(a).cmp(&comparable_qualifier(b)),
            (Self::Str(_), Self::List(_)) => Ordering::Less,
            (Self::List(_), Self::Int(_)) => Ordering::Less,
            (Self::List(_), Self::Str(_)) => Ordering::Greater,
            (Self::List(a), Self::List(b)) => cmp_lists(a, b),
        }
    }
}

fn cmp_lists(a: &[Item], b: &[Item]) -> Ordering {
    let len = a.len().max(b.len());
    for i in 0..len {
        let r = match (a.get(i), b.get(i)) {
            (Some(l), Some(r)) => l.cmp_item(r),
            (Some(l), None) => l.cmp_null(),
            (None, Some(r)) => r.cmp_null().reverse(),
            (None, None) => Ordering::Equal,
        };
        if r != Ordering::Equal {
            return r;
        }
    }
    Ordering::Equal
}

/// `ListItem.normalize`: walking back from the end, remove null items (0, "", "ga", "final",
/// empty lists), stepping over non-null nested lists and stopping at the first other item.
fn normalize(list: &mut Vec<Item>) {
    let mut i = list.len();
    while i > 0 {
        i -= 1;
        if list[i].is_null() {
            list.remove(i);
        } else if !matches!(list[i], Item::List(_)) {
            break;
        }
    }
}

fn parse_item(is_digit: bool, followed_by_digit: bool, buf: &str) -> Item {
    if is_digit {
        let trimmed = buf.trim_start_matches('0');
        return Item::Int(trimmed.as_bytes().to_vec());
    }
    // `StringItem(value, followedByDigit)`: a single a/b/m before a digit is alpha/beta/milestone.
    let mut v = buf;
    if followed_by_digit && buf.len() == 1 {
        v = match buf {
            "a" => "alpha",
            "b" => "beta",
            "m" => "milestone",
            other => other,
        };
    }
    // Aliases: ga, final and release are the release; cr is rc.
    let v = match v {
        "ga" | "final" | "release" => "",
        "cr" => "rc",
        other => other,
    };
    Item::Str(v.to_owned())
}

/// A parsed Maven version.
#[derive(Debug, Clone)]
pub struct MavenVersion {
    items: Vec<Item>,
    canonical: String,
}

impl MavenVersion {
    /// The lower-cased input.
    pub fn as_str(&self) -> &str {
        &self.canonical
    }
}

impl PartialEq for MavenVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for MavenVersion {}
impl PartialOrd for MavenVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for MavenVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_lists(&self.items, &other.items)
    }
}

/// Maven `ComparableVersion`.
pub struct MavenScheme;

impl VersionScheme for MavenScheme {
    type Version = MavenVersion;
    const NAME: &'static str = "Maven";

    /// Transcribes `ComparableVersion.parseVersion`. Maven accepts any string; we reject only
    /// what cannot be a version at all: empty input, whitespace and control characters.
    fn parse(input: &str) -> Result<MavenVersion, VersionError> {
        let v = input.trim().to_lowercase();
        if v.is_empty() {
            return Err(VersionError::new(Self::NAME, input, "empty version"));
        }
        if v.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(VersionError::new(Self::NAME, input, "contains whitespace"));
        }
        let chars: Vec<char> = v.chars().collect();
        // Items are only ever appended to the innermost open list (a new list opens after `-`
        // or a digit/letter transition and is the last item of its parent), so a stack of
        // open lists is enough; they are closed, normalised and nested at the end.
        let mut stack: Vec<Vec<Item>> = vec![Vec::new()];
        let mut is_digit = false;
        let mut start = 0usize;
        let text = |a: usize, b: usize| chars[a..b].iter().collect::<String>();
        let push = |stack: &mut Vec<Vec<Item>>, item: Item| {
            if let Some(top) = stack.last_mut() {
                top.push(item);
            }
        };
        for (i, &c) in chars.iter().enumerate() {
            if c == '.' || c == '-' {
                let item = if i == start {
                    Item::Int(Vec::new())
                } else {
                    parse_item(is_digit, false, &text(start, i))
                };
                push(&mut stack, item);
                start = i + 1;
                if c == '-' {
                    stack.push(Vec::new());
                }
            } else if c.is_ascii_digit() {
                if !is_digit && i > start {
                    // letter → digit transition: "a1" is alpha-1.
                    push(&mut stack, parse_item(false, true, &text(start, i)));
                    start = i;
                    stack.push(Vec::new());
                }
                is_digit = true;
            } else {
                if is_digit && i > start {
                    // digit → letter transition: "1a" is 1-a.
                    push(&mut stack, parse_item(true, false, &text(start, i)));
                    start = i;
                    stack.push(Vec::new());
                }
                is_digit = false;
            }
        }
        if chars.len() > start {
            push(
                &mut stack,
                parse_item(is_digit, false, &text(start, chars.len())),
            );
        }
        let mut root = Vec::new();
        while let Some(mut list) = stack.pop() {
            normalize(&mut list);
            match stack.last_mut() {
                Some(parent) => parent.push(Item::List(list)),
                None => root = list,
            }
        }
        Ok(MavenVersion {
            items: root,
            canonical: v,
        })
    }

    fn is_prerelease(v: &MavenVersion) -> bool {
        // Any qualifier that sorts before the release marks a pre-release.
        fn walk(items: &[Item]) -> bool {
            items.iter().any(|i| match i {
                Item::Str(s) => comparable_qualifier(s).as_str() < RELEASE_INDEX,
                Item::List(l) => walk(l),
                Item::Int(_) => false,
            })
        }
        walk(&v.items)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn maven_order() {
        let chain = [
            "1-alpha-1",
            "1.0-alpha2",
            "1.0-beta",
            "1.0-milestone-1",
            "1.0-rc1",
            "1.0-snapshot",
            "1.0",
            "1.0-sp",
            "1.0-whatever",
            "1.0.1",
            "1.1",
            "2",
        ];
        for w in chain.windows(2) {
            assert_eq!(
                MavenScheme::compare(w[0], w[1]).unwrap(),
                Ordering::Less,
                "{w:?}"
            );
        }
        for (a, b) in [
            ("1", "1.0.0"),
            ("1.0-ga", "1"),
            ("1.0.FINAL", "1"),
            ("1.0-cr1", "1.0-rc-1"),
            ("1.0a1", "1.0-alpha-1"),
        ] {
            assert_eq!(
                MavenScheme::compare(a, b).unwrap(),
                Ordering::Equal,
                "{a} {b}"
            );
        }
    }
}

//! Fuzzes the ten version schemes. The first byte selects the scheme; the rest is version
//! strings separated by newlines. Every string is parsed by every scheme (no panic); with the
//! selected scheme, versions that parse must compare consistently: reflexive, antisymmetric
//! (a < b ⇔ b > a), `Ord` agreeing with `==`, and transitive (except Maven, whose
//! `ComparableVersion` order is documented as not transitive on arbitrary strings). Range
//! evaluation with the strings as events must not panic, and a two-event range
//! `introduced = a, fixed = b` must contain exactly the versions in `[a, b)`.

#![no_main]

use std::cmp::Ordering;

use embargo_domain::version::Scheme;
use embargo_domain::version::range::{self, Event, Range, RangeType};
use libfuzzer_sys::fuzz_target;

const SCHEMES: [Scheme; 10] = [
    Scheme::SemVer,
    Scheme::Npm,
    Scheme::Go,
    Scheme::NuGet,
    Scheme::Pep440,
    Scheme::Maven,
    Scheme::Debian,
    Scheme::Rpm,
    Scheme::RubyGems,
    Scheme::Alpine,
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let scheme = SCHEMES[usize::from(selector) % SCHEMES.len()];
    let inputs: Vec<&str> = text.split('\n').take(64).collect();

    for s in inputs.iter().take(3) {
        for sch in SCHEMES {
            if let Err(e) = sch.parse(s) {
                let _ = e.to_string();
            }
            let _ = sch.is_prerelease(s);
        }
    }

    let parsed: Vec<_> = inputs
        .iter()
        .filter_map(|s| scheme.parse(s).ok().map(|v| (*s, v)))
        .collect();
    let few = &parsed[..parsed.len().min(6)];
    for (sa, a) in few {
        assert_eq!(
            a.cmp(a),
            Ordering::Equal,
            "{scheme}: {sa:?} is not equal to itself"
        );
        for (sb, b) in few {
            let ab = a.cmp(b);
            assert_eq!(
                ab,
                b.cmp(a).reverse(),
                "{scheme}: {sa:?} vs {sb:?} is not antisymmetric"
            );
            assert_eq!(
                ab == Ordering::Equal,
                a == b,
                "{scheme}: Ord and Eq disagree on {sa:?}, {sb:?}"
            );
            assert_eq!(
                scheme.compare(sa, sb).ok(),
                Some(ab),
                "{scheme}: compare() differs from cmp()"
            );
            if scheme == Scheme::Maven {
                continue;
            }
            for (sc, c) in few {
                if a <= b && b <= c {
                    assert!(
                        a <= c,
                        "{scheme}: {sa:?} <= {sb:?} <= {sc:?} but not {sa:?} <= {sc:?}"
                    );
                }
            }
            // introduced = a, fixed = b: a version in [a, b) is affected, at or past b it is
            // not ("0" as `introduced` means "from the beginning", not the version 0).
            if *sa == "0" {
                continue;
            }
            let r = Range {
                kind: RangeType::Ecosystem,
                events: vec![
                    Event::Introduced(sa.to_string()),
                    Event::Fixed(sb.to_string()),
                ],
            };
            for (sc, c) in few {
                if let Ok(inside) = range::range_includes(scheme, &r, c) {
                    // Events apply in version order: with a > b the fix comes first.
                    let expected = if a <= b { a <= c && c < b } else { a <= c };
                    assert_eq!(
                        inside, expected,
                        "{scheme}: {sc:?} in [{sa:?}, {sb:?}) = {inside}"
                    );
                }
            }
        }
    }

    // Every string as an event of one range (sorting them must not panic, even when the
    // scheme's order is not total), queried with each parsed version.
    let events = inputs
        .iter()
        .enumerate()
        .map(|(i, s)| match i % 4 {
            0 => Event::Introduced(s.to_string()),
            1 => Event::Fixed(s.to_string()),
            2 => Event::LastAffected(s.to_string()),
            _ => Event::Limit(s.to_string()),
        })
        .collect();
    let r = Range {
        kind: RangeType::Ecosystem,
        events,
    };
    for (_, v) in parsed.iter().take(4) {
        let _ = range::range_includes(scheme, &r, v);
    }
});

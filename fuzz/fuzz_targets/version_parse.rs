//! Fuzzes the ten version schemes. The first byte selects the scheme; the rest is up to three
//! version strings separated by newlines. Every string is parsed by every scheme (no panic);
//! with the selected scheme, versions that parse must compare consistently: reflexive,
//! antisymmetric (a < b ⇔ b > a), transitive, and `Ord` agreeing with `==`. Range evaluation
//! with the strings as `introduced`/`fixed` events must not panic either.

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
    let inputs: Vec<&str> = text.splitn(3, '\n').collect();

    for s in &inputs {
        for sch in SCHEMES {
            if let Err(e) = sch.parse(s) {
                let _ = e.to_string();
            }
            let _ = sch.is_prerelease(s);
        }
    }

    let parsed: Vec<_> = inputs
        .iter()
        .filter_map(|s| scheme.parse(s).ok().map(|v| (s, v)))
        .collect();
    for (s, v) in &parsed {
        assert_eq!(
            v.cmp(v),
            Ordering::Equal,
            "{scheme}: {s:?} is not equal to itself"
        );
    }
    for (sa, a) in &parsed {
        for (sb, b) in &parsed {
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
        }
    }
    if let [(sa, a), (sb, b), (sc, c)] = parsed.as_slice() {
        if a <= b && b <= c {
            assert!(
                a <= c,
                "{scheme}: {sa:?} <= {sb:?} <= {sc:?} but not {sa:?} <= {sc:?}"
            );
        }
        // introduced = a, fixed = b: a version in [a, b) is affected, at or past b it is not.
        let r = Range {
            kind: RangeType::Ecosystem,
            events: vec![
                Event::Introduced((*sa).to_string()),
                Event::Fixed((*sb).to_string()),
            ],
        };
        // ("0" as `introduced` means "from the beginning", not the version 0.)
        if **sa != "0"
            && let Ok(inside) = range::range_includes(scheme, &r, c)
        {
            // Events are applied in version order: with a > b the fix comes first.
            let expected = if a <= b { a <= c && c < b } else { a <= c };
            assert_eq!(
                inside, expected,
                "{scheme}: {sc:?} in [{sa:?}, {sb:?}) = {inside}"
            );
        }
    }
});

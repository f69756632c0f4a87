//! Version schemes: hand-checked orderings for each scheme and property tests that every
//! ordering is total (antisymmetric, transitive, consistent with equality) on generated input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::cmp::Ordering;

use embargo_domain::version::range::{Event, Range, RangeType, Verdict, evaluate};
use embargo_domain::version::{Scheme, scheme_for_osv_ecosystem, scheme_for_purl_type};
use proptest::prelude::*;

const ALL: [Scheme; 10] = [
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

fn assert_chain(scheme: Scheme, chain: &[&str]) {
    for w in chain.windows(2) {
        assert_eq!(
            scheme.compare(w[0], w[1]).unwrap(),
            Ordering::Less,
            "{scheme}: {} < {}",
            w[0],
            w[1]
        );
        assert_eq!(scheme.compare(w[1], w[0]).unwrap(), Ordering::Greater);
    }
}

#[test]
fn tricky_orderings() {
    assert_chain(Scheme::Debian, &["1.0~rc1", "1.0", "1.0-1", "1:0.9"]);
    assert_chain(Scheme::Maven, &["1.0-alpha", "1.0", "1.0-sp"]);
    assert_chain(Scheme::Pep440, &["1.0.dev1", "1.0a1", "1.0", "1.0.post1"]);
    assert_chain(
        Scheme::Npm,
        &[
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0",
        ],
    );
    assert_chain(
        Scheme::Go,
        &[
            "v0.0.0-20191109021931-daa7c04131f5",
            "v0.0.0-20200101000000-aaaaaaaaaaaa",
            "v0.1.0",
            "v1.2.3-pre",
            "v1.2.3",
            "v2.0.0+incompatible",
        ],
    );
    assert_eq!(
        Scheme::Go.compare("v1.2.3", "1.2.3").unwrap(),
        Ordering::Equal
    );
    assert_chain(
        Scheme::NuGet,
        &["1.0.0-Beta", "1.0.0-rc.1", "1.0", "1.0.0.1", "1.1"],
    );
    assert_eq!(
        Scheme::NuGet.compare("1.0.0-BETA", "1.0.0-beta").unwrap(),
        Ordering::Equal
    );
    assert_chain(
        Scheme::Rpm,
        &["1.0~rc1-1", "1.0-1", "1.0-2", "1.0a-1", "1:0.1-1"],
    );
    assert_chain(
        Scheme::RubyGems,
        &["1.0.0.pre1", "1.0.0.rc1", "1.0.0", "1.0.1"],
    );
    assert_chain(
        Scheme::Alpine,
        &[
            "1.2.3_rc1-r0",
            "1.2.3-r0",
            "1.2.3-r1",
            "1.2.3_p1-r0",
            "1.2.4-r0",
        ],
    );
    assert_chain(
        Scheme::SemVer,
        &["0.0.0-0", "0.0.0", "0.1.0", "1.0.0-rc.1", "1.0.0"],
    );
}

#[test]
fn prerelease_flags() {
    for (scheme, v, want) in [
        (Scheme::SemVer, "1.0.0-rc.1", true),
        (Scheme::Npm, "1.0.0", false),
        (Scheme::Pep440, "1.0.dev1", true),
        (Scheme::Pep440, "1.0.post1", false),
        (Scheme::Maven, "1.0-SNAPSHOT", true),
        (Scheme::Maven, "1.0-sp1", false),
        (Scheme::Debian, "1.0~rc1-1", true),
        (Scheme::RubyGems, "1.0.a", true),
        (Scheme::Alpine, "1.0_beta2-r0", true),
    ] {
        assert_eq!(scheme.is_prerelease(v).unwrap(), want, "{scheme} {v}");
    }
}

#[test]
fn unparseable_versions_are_errors() {
    for (scheme, v) in [
        (Scheme::SemVer, "1.0"),
        (Scheme::SemVer, "v1.0.0"),
        (Scheme::Go, "1.2"),
        (Scheme::Pep440, "1.0-foo"),
        (Scheme::Debian, "rc1"),
        (Scheme::Alpine, "1.0-beta"),
        (Scheme::RubyGems, "1.0 beta"),
        (Scheme::NuGet, "1.2.3.4.5"),
        (Scheme::Maven, " "),
        (Scheme::Rpm, "..."),
    ] {
        let err = scheme.parse(v).unwrap_err();
        assert!(err.to_string().contains(scheme.name()), "{err}");
    }
}

#[test]
fn ecosystem_and_purl_mapping() {
    assert_eq!(scheme_for_osv_ecosystem("crates.io"), Some(Scheme::SemVer));
    assert_eq!(scheme_for_osv_ecosystem("PyPI"), Some(Scheme::Pep440));
    assert_eq!(scheme_for_osv_ecosystem("Debian:12"), Some(Scheme::Debian));
    assert_eq!(
        scheme_for_osv_ecosystem("Alpine:v3.20"),
        Some(Scheme::Alpine)
    );
    assert_eq!(scheme_for_osv_ecosystem("Rocky Linux:9"), Some(Scheme::Rpm));
    assert_eq!(scheme_for_osv_ecosystem("Linux"), None);
    assert_eq!(scheme_for_purl_type("golang"), Some(Scheme::Go));
    assert_eq!(scheme_for_purl_type("gem"), Some(Scheme::RubyGems));
    assert_eq!(scheme_for_purl_type("generic"), None);
}

#[test]
fn range_errors_name_the_event() {
    let ranges = vec![Range {
        kind: RangeType::Ecosystem,
        events: vec![
            Event::Introduced("0".into()),
            Event::Fixed("not a version".into()),
        ],
    }];
    let err = evaluate(Some(Scheme::Pep440), &ranges, &[], "1.0").unwrap_err();
    assert!(err.to_string().starts_with("`fixed` event"), "{err}");
    let ok = evaluate(Some(Scheme::Pep440), &ranges[..0], &[], "1.0").unwrap();
    assert_eq!(ok, Verdict::NotAffected);
}

/// Version-ish strings over an alphabet that exercises each scheme's separators and words.
fn version_string() -> impl Strategy<Value = String> {
    let atoms = prop::sample::select(vec![
        "0", "1", "2", "10", "01", "a", "b", "rc", "alpha", "beta", "pre", "dev", "post", "sp",
        "ga", "final", "snapshot", "p", "git", "r", "x", ".", ".", ".", "-", "-", "_", "~", "^",
        "+", ":", "!",
    ]);
    (
        prop::sample::select(vec!["0", "1", "2", "10"]),
        prop::collection::vec(atoms, 0..8),
    )
        .prop_map(|(first, rest)| format!("{first}{}", rest.concat()))
}

/// Maven versions as published: dotted numbers, then `-`-separated qualifiers with optional
/// numbers (`1.2.0-rc-1`, `2.0-beta2`, `1.0.Final`).
fn maven_string() -> impl Strategy<Value = String> {
    let qualifier = (
        prop::sample::select(vec![
            "alpha",
            "beta",
            "milestone",
            "rc",
            "cr",
            "snapshot",
            "ga",
            "final",
            "release",
            "sp",
            "jre",
            "android",
            "a",
            "b",
            "m",
        ]),
        prop::option::of(0u8..12),
        prop::sample::select(vec!["-", "."]),
    )
        .prop_map(|(q, n, sep)| match n {
            Some(n) => format!("{sep}{q}{n}"),
            None => format!("-{q}"),
        });
    (
        prop::collection::vec(0u8..12, 1..4),
        prop::collection::vec(qualifier, 0..2),
    )
        .prop_map(|(nums, quals)| {
            let nums: Vec<String> = nums.iter().map(u8::to_string).collect();
            format!("{}{}", nums.join("."), quals.concat())
        })
}

fn check_total_order(scheme: Scheme, a: &str, b: &str, c: &str) -> Result<(), TestCaseError> {
    let (Ok(x), Ok(y), Ok(z)) = (scheme.parse(a), scheme.parse(b), scheme.parse(c)) else {
        return Ok(());
    };
    // Antisymmetry and consistency with equality.
    prop_assert_eq!(x.cmp(&y), y.cmp(&x).reverse(), "{} {} {}", scheme, a, b);
    prop_assert_eq!(
        x == y,
        x.cmp(&y) == Ordering::Equal,
        "{} {} {}",
        scheme,
        a,
        b
    );
    // Transitivity.
    if x <= y && y <= z {
        prop_assert!(x <= z, "{scheme}: {a} <= {b} <= {c} but not {a} <= {c}");
    }
    if x == y && y == z {
        prop_assert!(x == z);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn every_scheme_is_a_total_order(a in version_string(), b in version_string(), c in version_string()) {
        // Maven's ComparableVersion is not transitive on arbitrary strings (see
        // `maven_is_total_on_well_formed_versions`), so it has its own generator.
        for scheme in ALL.into_iter().filter(|s| *s != Scheme::Maven) {
            check_total_order(scheme, &a, &b, &c)?;
        }
    }

    #[test]
    fn maven_is_total_on_well_formed_versions(a in maven_string(), b in maven_string(), c in maven_string()) {
        check_total_order(Scheme::Maven, &a, &b, &c)?;
    }

    #[test]
    fn sorting_three_is_consistent(a in version_string(), b in version_string(), c in version_string()) {
        for scheme in ALL {
            let mut parsed: Vec<_> = [&a, &b, &c].iter().filter_map(|s| scheme.parse(s).ok()).collect();
            parsed.sort();
            for w in parsed.windows(2) {
                prop_assert!(w[0] <= w[1]);
            }
        }
    }

    #[test]
    fn parsers_never_panic(s in "[ -~]{0,24}") {
        for scheme in ALL {
            let _ = scheme.parse(&s);
        }
    }
}

//! The package-url test suite (`fixtures/purl/tests/`, purl-spec @ 16f3d0e) against [`Purl`],
//! plus a check that our compiled-in type table matches `fixtures/purl/types/`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use embargo_domain::purl::types::{Requirement, rule_for};
use embargo_domain::purl::{Purl, PurlParts};
use proptest::prelude::*;
use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/purl")
}

/// Cases we deliberately decide differently, by (file, test type, input); see the `purl`
/// module documentation for the reasons.
const DEVIATIONS: &[(&str, &str, &str)] = &[
    (
        "maven-test.json",
        "parse",
        "pkg:Maven/org.apache.xmlgraphics/batik-anim@1.9.1?type=pom&repositorY_url=repo.spring.io/release",
    ),
    (
        "git-test.json",
        "validate",
        "pkg:git/github/Package-url/purl-Spec@244fd47e07d1004f0aed9c",
    ),
];

fn test_files() -> Vec<PathBuf> {
    let mut files = vec![fixtures().join("tests/spec/specification-test.json")];
    let mut types: Vec<PathBuf> = std::fs::read_dir(fixtures().join("tests/types"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    types.sort();
    files.extend(types);
    files
}

fn opt_str(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn parts_of(v: &Value) -> PurlParts {
    let qualifiers = v
        .get("qualifiers")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default();
    PurlParts {
        ty: opt_str(v, "type"),
        namespace: opt_str(v, "namespace"),
        name: opt_str(v, "name"),
        version: opt_str(v, "version"),
        qualifiers,
        subpath: opt_str(v, "subpath"),
    }
}

fn components(p: &Purl) -> PurlParts {
    p.to_parts()
}

/// Runs one case; `Err` describes the failure.
fn run_case(t: &Value) -> Result<(), String> {
    let kind = t["test_type"].as_str().unwrap_or_default();
    let recommended = t["test_group"] == "recommended";
    let fail = t
        .get("expected_failure")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let parse = |s: &str| {
        if recommended {
            Purl::parse_lenient(s)
        } else {
            Purl::parse(s)
        }
    };
    match kind {
        "parse" => {
            let input = t["input"].as_str().unwrap_or_default();
            match (parse(input), fail) {
                (Err(_), true) => Ok(()),
                (Ok(p), true) => Err(format!("expected failure, parsed as {p}")),
                (Err(e), false) => Err(format!("unexpected error: {e}")),
                (Ok(p), false) => {
                    let want = parts_of(&t["expected_output"]);
                    let got = components(&p);
                    if got == want {
                        Ok(())
                    } else {
                        Err(format!("got {got:?}, want {want:?}"))
                    }
                }
            }
        }
        "build" => match (Purl::from_parts(parts_of(&t["input"])), fail) {
            (Err(_), true) => Ok(()),
            (Ok(p), true) => Err(format!("expected failure, built {p}")),
            (Err(e), false) => Err(format!("unexpected error: {e}")),
            (Ok(p), false) => {
                let want = t["expected_output"].as_str().unwrap_or_default();
                if p.to_string() == want {
                    Ok(())
                } else {
                    Err(format!("built {p}, want {want}"))
                }
            }
        },
        // Validate (formerly "roundtrip"): parse the input, render canonically.
        "validate" | "roundtrip" => {
            let input = t["input"].as_str().unwrap_or_default();
            match (parse(input), fail) {
                (Err(_), true) => Ok(()),
                (Ok(p), true) => Err(format!("expected failure, parsed as {p}")),
                (Err(e), false) => Err(format!("unexpected error: {e}")),
                (Ok(p), false) => {
                    let want = t["expected_output"].as_str().unwrap_or_default();
                    // The canonical form must itself parse back to the same purl.
                    let again = Purl::parse(&p.to_string()).map_err(|e| e.to_string())?;
                    if again != p {
                        return Err(format!("{p} does not round-trip"));
                    }
                    if p.to_string() == want {
                        Ok(())
                    } else {
                        Err(format!("rendered {p}, want {want}"))
                    }
                }
            }
        }
        other => Err(format!("unknown test type {other}")),
    }
}

#[test]
fn purl_spec_test_suite_passes_in_full() {
    let (mut passed, mut deviated, mut failures) = (0, 0, Vec::new());
    for file in test_files() {
        let fname = file.file_name().unwrap().to_string_lossy().into_owned();
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        for t in doc["tests"].as_array().unwrap() {
            let kind = t["test_type"].as_str().unwrap_or_default();
            let input = t["input"].as_str().unwrap_or_default();
            let deviation = DEVIATIONS
                .iter()
                .any(|(f, k, i)| *f == fname && *k == kind && *i == input);
            match (run_case(t), deviation) {
                (Ok(()), false) => passed += 1,
                (Err(_), true) => deviated += 1,
                (Ok(()), true) => failures.push(format!(
                    "{fname}: listed deviation now passes, remove it: {input}"
                )),
                (Err(e), false) => failures.push(format!(
                    "{fname}: {kind} {} — {}: {e}",
                    t["description"].as_str().unwrap_or_default(),
                    t["input"]
                )),
            }
        }
    }
    let total = passed + deviated + failures.len();
    println!("purl suite: {passed} passed, {deviated} deliberate deviations, of {total} cases");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(total, 586, "the suite has 586 cases");
    assert_eq!(deviated, DEVIATIONS.len());
}

#[test]
fn type_table_matches_the_definitions() {
    let dir = fixtures().join("types");
    let mut checked = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if !path.to_string_lossy().ends_with("-definition.json") {
            continue;
        }
        let d: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let ty = d["type"].as_str().unwrap();
        let rule = rule_for(ty).unwrap_or_else(|| panic!("type {ty} missing from the table"));
        let ns = &d["namespace_definition"];
        let want_req = match ns["requirement"].as_str() {
            Some("required") => Requirement::Required,
            Some("prohibited") => Requirement::Prohibited,
            _ => Requirement::Optional,
        };
        assert_eq!(rule.namespace, want_req, "{ty} namespace requirement");
        let ci = |def: &str| d[def]["case_sensitive"] == Value::Bool(false);
        assert_eq!(
            rule.namespace_lowercase,
            ci("namespace_definition"),
            "{ty} ns"
        );
        assert_eq!(rule.name_lowercase, ci("name_definition"), "{ty} name");
        assert_eq!(
            rule.version_lowercase,
            ci("version_definition"),
            "{ty} version"
        );
        assert_eq!(
            rule.subpath_lowercase,
            ci("subpath_definition"),
            "{ty} subpath"
        );
        let required: Vec<&str> = d["qualifiers_definition"]
            .as_array()
            .map(|qs| {
                qs.iter()
                    .filter(|q| q["requirement"] == "required")
                    .filter_map(|q| q["key"].as_str())
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(
            rule.required_qualifiers,
            required.as_slice(),
            "{ty} qualifiers"
        );
        checked += 1;
    }
    assert_eq!(checked, 42);
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    for bad in [
        "",
        "pkg:",
        "pkg:/",
        "pkg:npm/",
        "pkg:npm/%",
        "pkg:npm/a%2",
        "pkg:npm/a@%E2%82",
        "pkg:npm/a?=b",
        "pkg:npm/a?k=1&k=2",
        "pkg:npm/a#%2F",
        "pkg:npm/a%2Fb",
        "pkg:generic/a?key=%zz",
        "http://example.com",
    ] {
        assert!(Purl::parse(bad).is_err(), "{bad:?} should be rejected");
    }
}

fn segment() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 ._~:@+%/?#&=é-]{1,8}".prop_filter("a real segment", |s| {
        let t = s.trim_matches('/');
        !t.is_empty() && !t.contains('/') && t != "." && t != ".."
    })
}

proptest! {
    /// Any purl we build renders to a string that parses back to the same purl, and rendering
    /// is idempotent.
    #[test]
    fn build_render_parse_round_trips(
        ty in "[a-z][a-z0-9.-]{0,6}",
        ns in proptest::option::of(segment()),
        name in segment(),
        version in proptest::option::of("[ -~]{1,10}"),
        quals in proptest::collection::btree_map("[a-z][a-z0-9_.-]{0,5}", "[ -~é]{1,6}", 0..3),
        sub in proptest::option::of(segment()),
    ) {
        let parts = PurlParts {
            ty: Some(ty), namespace: ns, name: Some(name), version,
            qualifiers: quals, subpath: sub,
        };
        if let Ok(p) = Purl::from_parts(parts) {
            let s = p.to_string();
            let back = Purl::parse(&s).unwrap();
            prop_assert_eq!(&back, &p);
            prop_assert_eq!(back.to_string(), s);
        }
    }

    /// The parser never panics on arbitrary input.
    #[test]
    fn parse_never_panics(s in "pkg:[ -~é]{0,40}") {
        let _ = Purl::parse(&s);
        let _ = Purl::parse_lenient(&s);
    }
}

#[test]
fn qualifiers_are_sorted_and_empty_values_dropped() {
    let p = Purl::parse("pkg:generic/x?b=2&a=1&c=").unwrap();
    assert_eq!(p.to_string(), "pkg:generic/x?a=1&b=2");
    let want: BTreeMap<String, String> = [("a".into(), "1".into()), ("b".into(), "2".into())]
        .into_iter()
        .collect();
    assert_eq!(p.qualifiers(), &want);
}

#[test]
fn deviations_behave_as_documented() {
    // The maven case fails strictly but the lenient parser yields the expected components.
    let input = DEVIATIONS[0].2;
    assert!(Purl::parse(input).is_err());
    let p = Purl::parse_lenient(input).unwrap();
    assert_eq!(
        p.to_string(),
        "pkg:maven/org.apache.xmlgraphics/batik-anim@1.9.1?repository_url=repo.spring.io%2Frelease&type=pom"
    );
    // The git case keeps its case (git-definition.json: case-sensitive).
    let p = Purl::parse(DEVIATIONS[1].2).unwrap();
    assert_eq!(
        (p.namespace(), p.name()),
        (Some("github"), "Package-url/purl-Spec")
    );
}

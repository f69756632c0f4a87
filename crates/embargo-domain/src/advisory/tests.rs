#![allow(clippy::unwrap_used, clippy::expect_used)]
use super::*;

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn sample() -> Advisory {
    let mut a = Advisory::draft(
        IdFormat::new("OBS-SA", 4).unwrap().make(2026, 7),
        String::from("Path traversal in the export endpoint"),
        t("2026-02-01T10:00:00Z"),
    );
    a.summary = String::from("A crafted file name escapes the export directory.");
    a.aliases = vec![
        String::from("CVE-2026-12345"),
        String::from("GHSA-4c7x-2m9v-8fqh"),
    ];
    a.cwes = vec![String::from("CWE-22")];
    a.cvss = vec![String::from("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N")];
    a.affected = vec![Affected {
        ecosystem: String::from("crates.io"),
        name: String::from("obserae"),
        purl: Some(String::from("pkg:cargo/obserae")),
        ranges: vec![AffectedRange {
            kind: RangeKind::Semver,
            repo: None,
            events: vec![
                RangeEvent::Introduced(String::from("0")),
                RangeEvent::Fixed(String::from("1.4.2")),
                RangeEvent::Introduced(String::from("2.0.0")),
                RangeEvent::Fixed(String::from("2.1.3")),
            ],
        }],
        versions: vec![],
        patched: vec![String::from("1.4.2"), String::from("2.1.3")],
    }];
    a
}

#[test]
fn ids_round_trip_and_reject_junk() {
    let f = IdFormat::new("OBS-SA", 4).unwrap();
    let id = f.make(2026, 7);
    assert_eq!(id.as_str(), "OBS-SA-2026-0007");
    assert_eq!(id.year(), "2026");
    assert_eq!(AdvisoryId::parse("OBS-SA-2026-0007").unwrap(), id);
    assert_eq!(f.make(2026, 123_456).as_str(), "OBS-SA-2026-123456");
    for bad in [
        "",
        "OBS",
        "obs-2026-1",
        "OBS-26-0001",
        "OBS-2026-",
        "-2026-0001",
        "OBS-2026-00x1",
    ] {
        assert!(AdvisoryId::parse(bad).is_err(), "{bad}");
    }
    assert!(IdFormat::new("obs", 4).is_err());
    assert_eq!(IdFormat::for_slug("obserae").prefix, "OBSERAE-SA");
    assert_eq!(IdFormat::for_slug("9lives").prefix, "A9LIVES-SA");
    let json = serde_json::to_string(&id).unwrap();
    assert_eq!(json, "\"OBS-SA-2026-0007\"");
    assert!(serde_json::from_str::<AdvisoryId>("\"nope\"").is_err());
}

#[test]
fn aliases() {
    assert!(is_alias("CVE-2026-1234"));
    assert!(is_alias("CVE-2026-1234567"));
    assert!(is_alias("GHSA-4c7x-2m9v-8fqh"));
    assert!(!is_alias("CVE-2026-123"));
    assert!(!is_alias("GHSA-4c7x-2m9v"));
    assert!(!is_alias("GHSA-4c7x-2m9v-8fqa"));
}

#[test]
fn a_good_record_has_no_problems() {
    assert_eq!(sample().publishable(), vec![]);
}

#[test]
fn problems_name_the_field() {
    let mut a = sample();
    a.title = String::new();
    a.aliases.push(String::from("CVE-1"));
    a.cwes.push(String::from("79"));
    a.cvss.push(String::from("AV:N/AC:L/Au:N/C:P/I:P/A:P"));
    a.cvss.push(String::from("CVSS:3.1/AV:X"));
    a.references.push(Reference {
        kind: ReferenceKind::Fix,
        url: String::from("ftp://x"),
    });
    a.affected[0].purl = Some(String::from("pkg:cargo/obserae@1.0.0"));
    a.affected[0].ranges[0].events[1] = RangeEvent::Fixed(String::from("not a version"));
    a.affected.push(Affected {
        ecosystem: String::from("Nowhere"),
        name: String::new(),
        purl: Some(String::from("pkg:%zz")),
        ranges: vec![AffectedRange {
            kind: RangeKind::Ecosystem,
            repo: None,
            events: vec![RangeEvent::Fixed(String::from("1"))],
        }],
        versions: vec![],
        patched: vec![],
    });
    a.summary = String::new();
    let fields: Vec<String> = a.publishable().into_iter().map(|p| p.field).collect();
    for f in [
        "title",
        "aliases[2]",
        "cwes[1]",
        "cvss[1]",
        "cvss[2]",
        "references[0].url",
        "affected[0].purl",
        "affected[0].ranges[0].events[1]",
        "affected[1].name",
        "affected[1].purl",
        "affected[1].ranges[0].events[0]",
        "affected[1].ecosystem",
        "summary",
    ] {
        assert!(fields.iter().any(|x| x == f), "{f} missing from {fields:?}");
    }
}

#[test]
fn ranges_in_words_and_fixed_versions() {
    let a = sample();
    assert_eq!(
        a.affected[0].describe_ranges(),
        vec!["< 1.4.2", ">= 2.0.0, < 2.1.3"]
    );
    assert_eq!(a.affected[0].fixed_versions(), vec!["1.4.2", "2.1.3"]);
    let open = Affected {
        ranges: vec![AffectedRange {
            kind: RangeKind::Semver,
            repo: None,
            events: vec![RangeEvent::Introduced(String::from("3.0.0"))],
        }],
        ..a.affected[0].clone()
    };
    assert_eq!(open.describe_ranges(), vec![">= 3.0.0"]);
}

#[test]
fn publication_and_withdrawal_write_revisions() {
    let mut a = sample();
    a.publish(t("2026-03-01T00:00:00Z"), "ignored");
    a.publish(t("2026-03-05T00:00:00Z"), "Fixed version for 2.x corrected");
    assert_eq!(a.published, Some(t("2026-03-01T00:00:00Z")));
    assert_eq!(a.modified, t("2026-03-05T00:00:00Z"));
    assert_eq!(
        a.revisions.iter().map(|r| r.number).collect::<Vec<_>>(),
        vec![1, 2]
    );
    assert_eq!(a.revisions[0].summary, "Initial publication");
    a.withdraw(t("2026-03-09T00:00:00Z"), "not a vulnerability");
    assert_eq!(a.status, Status::Withdrawn);
    assert_eq!(a.revisions[2].number, 3);
}

#[test]
fn only_consented_credits_are_public_and_cvss_prefers_the_highest() {
    let mut a = sample();
    a.credits = vec![
        Credit {
            name: String::from("Ana"),
            contact: None,
            kind: CreditKind::Finder,
            consent: true,
        },
        Credit {
            name: String::from("Bo"),
            contact: None,
            kind: CreditKind::Reporter,
            consent: false,
        },
    ];
    let names: Vec<&str> = a.public_credits().map(|c| c.name.as_str()).collect();
    assert_eq!(names, vec!["Ana"]);
    a.cvss.push(String::from(
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
    ));
    assert_eq!(a.primary_cvss().unwrap().version, cvss::Version::V4_0);
    assert_eq!(
        CreditKind::RemediationDeveloper.cve_name(),
        "remediation developer"
    );
    assert_eq!(a.cve_id(), Some("CVE-2026-12345"));
    let json = serde_json::to_value(&a).unwrap();
    let back: Advisory = serde_json::from_value(json).unwrap();
    assert_eq!(back, a);
}

//! Per seed: the rendered SECURITY.md states each promise of the seed document, and the
//! policy's clocks compute the seed's deadlines.

use embargo_domain::policy::Severity;
use embargo_domain::sla::{ClockKind, ClockState, Event, EventKind, evaluate};
use embargo_domain::supported::{self, Verdict};
use embargo_formats::security_md;
use jiff::civil::date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use super::{TODAY, load};

fn md(name: &str) -> String {
    security_md::render(&load(name), TODAY)
}

fn states(name: &str, promises: &[&str]) {
    let text = md(name);
    for p in promises {
        assert!(
            text.contains(p),
            "{name}: SECURITY.md does not state {p:?}\n{text}"
        );
    }
}

fn ts(tz: &str, y: i16, m: i8, d: i8, h: i8) -> Timestamp {
    date(y, m, d)
        .at(h, 0, 0, 0)
        .to_zoned(TimeZone::get(tz).unwrap())
        .unwrap()
        .timestamp()
}

fn deadline(name: &str, events: &[Event], now: Timestamp, kind: ClockKind) -> Option<Timestamp> {
    let p = load(name);
    let cal = p.business_calendar().unwrap();
    let r = evaluate(&p, &cal, events, now).unwrap();
    r.clocks
        .into_iter()
        .find(|c| c.kind == kind)
        .and_then(|c| c.deadline)
}

fn received(at: Timestamp, channel: &str) -> Event {
    Event {
        at,
        kind: EventKind::Received {
            channel: Some(channel.to_owned()),
        },
    }
}

#[test]
fn seed_000_network_security_appliance() {
    states(
        "network-security-appliance",
        &[
            "Do not use a public GitHub issue, pull request or discussion for a vulnerability",
            "<security@spartan-conseil.fr>",
            "send a short plain-text message first and we'll arrange a key",
            "A description of the issue and its impact",
            "`obserae-cli --socket <path> status`",
            "Docker image / release tarball, OS and CPU",
            "Steps to reproduce, or a proof-of-concept",
            "Any logs or configuration relevant to the finding",
            "good-faith targets, not a contractual SLA",
            "**Acknowledgement** of your report within 5 business days.",
            "**Initial assessment** (severity, affected versions, whether we can reproduce)",
            "**Status updates**",
            "we agree a disclosure date with you",
            "we ask for an embargo of up to 90 days",
            "we move faster for issues under active exploitation",
            "credit you, with your permission",
            "There is no paid bug-bounty programme",
            "latest release only",
            "ship as a new release rather than a patch to an older one",
            "Please reproduce on the most recent version before reporting.",
            "## Safe harbour",
            "will not pursue or support legal action against you",
            "(art. 5)",
            "test only against your own obserae deployment",
            "do not run volumetric denial-of-service, spam, or social-engineering attacks",
            "stop as soon as a vulnerability is demonstrated",
            "give us reasonable time to fix the issue",
            "Volumetric or resource-exhaustion denial-of-service *",
            "Findings from automated scanners with no working proof-of-concept *",
            "Missing hardening headers",
            "already-compromised host or physical access",
            "reverse proxy, TLS or OS configuration",
            "Spartan Conseil's own infrastructure",
            "source access for security review under NDA",
            "Business days are Monday, Tuesday, Wednesday, Thursday, and Friday (Europe/Paris), excluding public holidays.",
        ],
    );
    // 5 business days from a Friday 17:00 report: the following Friday 17:00 (Paris).
    let fri = ts("Europe/Paris", 2025, 11, 14, 17);
    let due = deadline(
        "network-security-appliance",
        &[received(fri, "email")],
        fri,
        ClockKind::Acknowledgement,
    );
    assert_eq!(due, Some(ts("Europe/Paris", 2025, 11, 21, 17)));
    // A Friday report before Christmas: the 25th and the 1st do not count.
    let fri = ts("Europe/Paris", 2025, 12, 19, 17);
    let due = deadline(
        "network-security-appliance",
        &[received(fri, "email")],
        fri,
        ClockKind::Acknowledgement,
    );
    assert_eq!(due, Some(ts("Europe/Paris", 2025, 12, 29, 17)));
    let sv = load("network-security-appliance").supported.unwrap();
    let a = supported::evaluate(&sv, "0.4.1", TODAY, Some("0.5.0"));
    assert_eq!(a.verdict, Verdict::Unsupported);
    assert!(
        a.answer
            .ends_with("Please reproduce on the most recent version before reporting.")
    );
}

#[test]
fn seed_001_home_automation_integration() {
    states(
        "home-automation-integration",
        &[
            "<https://github.com/frenck/spook/security/advisories/new>",
            "Do not use a public GitHub issue for a vulnerability",
            "giving us at least 90 days to release a fixed version",
            "**Acknowledgement** of your report within 7 days.",
            "primarily a volunteer project with no full-time resources",
            "keep you informed",
            "latest release only** (and versions beyond it currently in development)",
            "<https://github.com/frenck/spook/releases/latest>",
            "Reports against forks are not accepted.",
            "Reports from automated tools or scanners",
            "Theoretical attacks without proof of exploitability",
            "third-party application or library",
            "Social engineering",
            "physical access",
            "malicious other integration or add-on",
            "Attacks that the user can only perform on themselves",
            "If you can, include a CVSS 3.1 vector string",
            "If you are unsure how to score it, say so and we will look into it.",
            "We will not accept reports that use CVSS incorrectly.",
            "We request CVE identifiers through GitHub for valid vulnerabilities that meet all of these criteria:",
            "the vulnerability is in Spook itself, not a third-party library",
            "it is not already known to us",
            "it is not already known to the public",
            "its severity is Medium or higher",
            "GitHub Security Advisories",
            "cannot offer bounties",
            "We credit the discoverer, with your permission, in release notes.",
            "please get in touch, so we can ensure that all claims are correct",
        ],
    );
    let t = ts("Europe/Amsterdam", 2025, 11, 14, 17);
    let due = deadline(
        "home-automation-integration",
        &[received(t, "github")],
        t,
        ClockKind::Acknowledgement,
    );
    assert_eq!(due, Some(ts("Europe/Amsterdam", 2025, 11, 21, 17)));
    let p = load("home-automation-integration");
    let facts = embargo_domain::cve::CveFacts {
        first_party: true,
        known_to_us: false,
        already_public: false,
        severity: Some(Severity::Low),
    };
    assert!(!embargo_domain::cve::eligibility(p.cve.as_ref(), &facts).eligible);
    let facts = embargo_domain::cve::CveFacts {
        severity: Some(Severity::Medium),
        ..facts
    };
    assert!(embargo_domain::cve::eligibility(p.cve.as_ref(), &facts).eligible);
}

#[test]
fn seed_002_public_sector_product_family() {
    states(
        "public-sector-product-family",
        &[
            "related projects under the same organization",
            "Do not use the public GitHub issue tracker and the project's public Jira backlog for a vulnerability",
            "reproducible test case and/or clear steps to reproduce",
            "acknowledgment from a member of the security team as soon as possible",
            "first validate whether there is indeed a (possible) issue",
            "private forum",
            "draft GitHub security advisory",
            "request a CVE identifier from GitHub",
            "tested in a private fork",
            "service providers are contacted",
            "service providers update their managed instances",
            "mailing list",
            "steering group, coordinating group and vendors must respond",
            "**Pre-notification**: known service providers, steering group, coordinating group, and vendors are alerted.",
        ],
    );
    // Copenhagen 08:00–16:00: a Friday 17:00 report counts from Monday 08:00 and is due at the
    // close of the fifth working day, Friday 16:00.
    let fri = ts("Europe/Copenhagen", 2025, 11, 14, 17);
    let due = deadline(
        "public-sector-product-family",
        &[received(fri, "email")],
        fri,
        ClockKind::Acknowledgement,
    );
    assert_eq!(due, Some(ts("Europe/Copenhagen", 2025, 11, 21, 16)));
}

#[test]
fn seed_003_container_scanning_platform() {
    states(
        "container-scanning-platform",
        &[
            "| E-mail | <security@stella-ops.org> | Optional — OpenPGP key",
            "| Matrix DM | `@sec-bot:libera.chat` | Optional",
            "| Public issue with label `security` | <https://git.stella-ops.org/stella-ops/stella-ops/issues> | No (public) | within 7 days |",
            "within 72 hours for E-mail, within 72 hours for Matrix DM, and within 7 days for Public issue",
            "Affected version(s)",
            "Reproduction steps or PoC",
            "Impact assessment (data exposure, RCE, DoS, etc.)",
            "Preferred disclosure timeline",
            "CVE request info",
            "| v0.1 α | Upcoming | late 2025 | 90 days after GA of v0.2 | 2026-06-29 |",
            "| v0.2 β | Planned | 2026-03-31 (Q1 2026) | 6 months after GA of v0.3 | 2026-12-30 |",
            "| v0.3 β | Planned | 2026-06-30 (Q2 2026) | 6 months after GA of v0.4 | 2027-03-30 |",
            "| v0.4 RC | Planned | 2026-09-30 (Q3 2026) | Until v1.0 GA | 2026-12-31 |",
            "| v1.0 | Planned (LTS) | 2026-12-31 (Q4 2026) | 24 months from release | 2028-12-31 |",
            "Pre-GA lines (α, β, RC) receive critical and high-severity fixes only.",
            "assign a CVSS v4 score",
            "We score every confirmed issue with CVSS 4.0 during triage.",
            "private mirror",
            "**Pre-notification**: downstream packagers and large adopters are alerted 72 hours before release.",
            "patched version, advisory (GHSA + CVE) and SBOM delta",
            "  - Critical: within 30 days",
            "  - High: within 30 days",
            "  - Medium: in the next scheduled release",
            "  - Low: in the next scheduled release",
            "We credit the discoverer, with your permission, in release notes and Hall of Thanks.",
            "| Cosign release key | `AB12 ... EF90` |",
            "| Air-gap support | Signed Offline Update Kit (OUK) validated before import |",
            "| Release integrity | cosign signatures + SPDX SBOM on every artefact |",
        ],
    );
    let t0 = ts("UTC", 2026, 4, 1, 10);
    for (ch, h) in [("email", 72), ("matrix", 72), ("issues", 168)] {
        let due = deadline(
            "container-scanning-platform",
            &[received(t0, ch)],
            t0,
            ClockKind::Acknowledgement,
        );
        assert_eq!(due, Some(t0 + SignedDuration::from_hours(h)), "{ch}");
    }
    // 30 days from report to release for critical/high.
    let ev = [
        received(t0, "email"),
        Event {
            at: t0,
            kind: EventKind::SeveritySet(Severity::High),
        },
    ];
    assert_eq!(
        deadline(
            "container-scanning-platform",
            &ev,
            t0,
            ClockKind::Resolution
        ),
        Some(ts("UTC", 2026, 5, 1, 10))
    );
    // Fix windows: v0.1 gets fixes until 90 days after v0.2 GA, critical and high only.
    let sv = load("container-scanning-platform").supported.unwrap();
    let a = supported::evaluate(&sv, "0.1.3", date(2026, 6, 29), None);
    assert_eq!(
        (a.verdict, a.until),
        (Verdict::Supported, Some(date(2026, 6, 29)))
    );
    assert_eq!(a.fixes_for, Some(vec![Severity::Critical, Severity::High]));
    assert_eq!(
        supported::evaluate(&sv, "0.1.3", date(2026, 6, 30), None).verdict,
        Verdict::Unsupported
    );
    assert_eq!(
        supported::evaluate(&sv, "1.0.4", date(2028, 12, 31), None).verdict,
        Verdict::Supported
    );
    assert_eq!(
        supported::evaluate(&sv, "1.0.4", date(2029, 1, 1), None).verdict,
        Verdict::Unsupported
    );
}

#[test]
fn seed_004_exposure_management_api() {
    states(
        "exposure-management-api",
        &[
            "<security@openctem.io>",
            "Do not use a public GitHub issue for a vulnerability",
            "Do not disclose the vulnerability publicly before it's fixed.",
            "Do not exploit the vulnerability beyond what's necessary to demonstrate it.",
            "Description of the vulnerability (required)",
            "Steps to reproduce (required)",
            "Potential impact",
            "Suggested fix (if any)",
            "**Acknowledgement** of your report within 48 hours.",
            "**Initial assessment** (severity, affected versions, whether we can reproduce) within 5 business days",
            "  - Critical: 24–72 hours",
            "  - High: 1–2 weeks",
            "  - Medium: 2–4 weeks",
            "  - Low: in the next scheduled release",
            "| 1.x | Supported | — | While current | To be announced |",
            "| 0.x | End of life | — | None | Not supported |",
            "| CodeQL | Static Application Security Testing (SAST) |",
            "| Gitleaks | Secret detection |",
        ],
    );
    let t0 = ts("UTC", 2025, 11, 14, 17); // Friday
    let ev = [
        received(t0, "email"),
        Event {
            at: t0,
            kind: EventKind::SeveritySet(Severity::Critical),
        },
    ];
    let p = load("exposure-management-api");
    let cal = p.business_calendar().unwrap();
    let r = evaluate(&p, &cal, &ev, t0).unwrap();
    let get = |k: ClockKind| r.clocks.iter().find(|c| c.kind == k).unwrap();
    assert_eq!(
        get(ClockKind::Acknowledgement).deadline,
        Some(t0 + SignedDuration::from_hours(48))
    );
    assert_eq!(
        get(ClockKind::InitialAssessment).deadline,
        Some(ts("UTC", 2025, 11, 21, 17))
    );
    assert_eq!(
        get(ClockKind::Resolution).deadline,
        Some(t0 + SignedDuration::from_hours(72))
    );
    assert_eq!(r.due_next, Some(ClockKind::Acknowledgement));
    // Downgraded to high: 2 weeks.
    let ev2 = [
        ev[0].clone(),
        ev[1].clone(),
        Event {
            at: t0 + SignedDuration::from_hours(1),
            kind: EventKind::SeveritySet(Severity::High),
        },
    ];
    let r = evaluate(&p, &cal, &ev2, t0 + SignedDuration::from_hours(2)).unwrap();
    let res = r
        .clocks
        .iter()
        .find(|c| c.kind == ClockKind::Resolution)
        .unwrap();
    assert_eq!(
        (res.state, res.deadline),
        (ClockState::Running, Some(ts("UTC", 2025, 11, 28, 17)))
    );
}

//! Semantic checks of a parsed policy that do not depend on the date: missing parts,
//! impossible clocks, encryption promised without a key, fix windows that reference unknown or
//! circular lines, contradictory scope rules. Errors block use; warnings are advice.

use std::collections::BTreeSet;

use super::diagnostic::{Seg, Sink};
use super::{ChannelKind, Encryption, Policy, PolicyDuration, Severity, SupportMode};
use crate::supported::{FixWindowError, fix_window_ends};

use Seg::{Index as I, Key as K};

/// Runs every date-independent check.
pub(super) fn check(p: &Policy, s: &mut Sink<'_>) {
    program(p, s);
    channels(p, s);
    report(p, s);
    calendar(p, s);
    clocks(p, s);
    supported(p, s);
    scope(p, s);
    misc(p, s);
}

fn program(p: &Policy, s: &mut Sink<'_>) {
    if p.program.name.trim().is_empty() {
        s.error(
            &[K("program"), K("name")],
            "program name is empty",
            "name the product or project, e.g. name = \"Stella Ops\"",
        );
    }
    let slug_ok = !p.program.slug.is_empty()
        && p.program
            .slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !p.program.slug.starts_with('-');
    if !slug_ok {
        s.error(
            &[K("program"), K("slug")],
            format!("slug `{}` is not a lowercase URL slug", p.program.slug),
            "use lowercase letters, digits and dashes, e.g. slug = \"stella-ops\"",
        );
    }
    for (i, purl) in p.program.packages.iter().enumerate() {
        match crate::purl::Purl::parse(purl) {
            Err(e) => s.error(
                &[K("program"), K("packages"), I(i)],
                format!("`{purl}` is not a package URL: {e}"),
                "write it as pkg:TYPE/NAMESPACE/NAME, e.g. \"pkg:pypi/spook\"",
            ),
            Ok(u) if u.version().is_some() => s.warn(
                &[K("program"), K("packages"), I(i)],
                format!("`{purl}` names a version; every version of the package is meant"),
                "drop the @version",
            ),
            Ok(_) => {}
        }
    }
}

fn zero(d: Option<PolicyDuration>) -> bool {
    d.is_some_and(|d| d.is_zero())
}

fn channels(p: &Policy, s: &mut Sink<'_>) {
    if !p.channels.iter().any(|c| c.is_confidential()) {
        s.error(
            &[K("channels")],
            "no confidential reporting channel",
            "add a [[channels]] entry with kind = \"email\", \"web-form\" or \"github-advisory\"",
        );
    }
    let mut ids = BTreeSet::new();
    for (i, c) in p.channels.iter().enumerate() {
        if !ids.insert(c.id.as_str()) {
            s.error(
                &[K("channels"), I(i), K("id")],
                format!("duplicate channel id `{}`", c.id),
                "give each channel a distinct id",
            );
        }
        if c.address.trim().is_empty() {
            s.error(
                &[K("channels"), I(i), K("address")],
                "channel address is empty",
                "give the e-mail address, URL or handle",
            );
        }
        if c.kind == ChannelKind::Email && !c.address.contains('@') {
            s.error(
                &[K("channels"), I(i), K("address")],
                format!("`{}` is not an e-mail address", c.address),
                "write the address, e.g. security@example.org",
            );
        }
        if c.ack.is_none() && p.clocks.acknowledgement.is_none() {
            s.error(
                &[K("channels"), I(i)],
                format!("channel `{}` has no acknowledgement target", c.id),
                "add ack = \"72 hours\" to the channel, or a default clocks.acknowledgement",
            );
        }
        if zero(c.ack) {
            s.error(
                &[K("channels"), I(i), K("ack")],
                "impossible clock: acknowledgement target of zero",
                "give a positive target, e.g. \"72 hours\"",
            );
        }
        let promises = matches!(c.encryption, Encryption::Optional | Encryption::Required);
        if promises && c.openpgp.is_none() {
            s.error(&[K("channels"), I(i), K("encryption")], format!("channel `{}` promises encryption but has no OpenPGP key", c.id), "add openpgp = { fingerprint = \"…\", url = \"…\" }, or set encryption = \"on-request\"");
        }
        if let Some(k) = &c.openpgp {
            let hex: String = k
                .fingerprint
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            if hex.len() < 16 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                s.error(
                    &[K("channels"), I(i), K("openpgp"), K("fingerprint")],
                    "OpenPGP fingerprint is not hexadecimal (at least 16 digits)",
                    "paste the full fingerprint from `gpg --fingerprint`",
                );
            }
            if k.url.is_none() && k.file.is_none() {
                s.warn(
                    &[K("channels"), I(i), K("openpgp")],
                    "OpenPGP key has neither url nor file",
                    "add url = \"https://…/key.asc\" so reporters can fetch it",
                );
            }
        }
        if c.kind == ChannelKind::IssueTracker && c.confidential == Some(true) {
            s.error(
                &[K("channels"), I(i), K("confidential")],
                "a public issue tracker cannot be confidential",
                "remove confidential = true, or use a private channel",
            );
        }
    }
}

fn report(p: &Policy, s: &mut Sink<'_>) {
    let mut seen = BTreeSet::new();
    for (i, f) in p.report.fields.iter().enumerate() {
        let path = [K("report"), K("fields"), I(i)];
        match (f.field, &f.custom) {
            (Some(_), Some(_)) | (None, None) => s.error(&path, "a report field sets exactly one of `field` or `custom`", "write field = \"description\" for a standard field, or custom = \"my-field\" with a label"),
            (None, Some(c)) if f.label.is_none() => s.error(&path, format!("custom field `{c}` has no label"), "add label = \"…\" so the form can show it"),
            _ => {}
        }
        let key = f
            .field
            .map(|x| format!("{x:?}"))
            .or_else(|| f.custom.clone())
            .unwrap_or_default();
        if !seen.insert(key.clone()) {
            s.warn(
                &path,
                format!("report field `{key}` is listed twice"),
                "remove the duplicate",
            );
        }
    }
}

fn calendar(p: &Policy, s: &mut Sink<'_>) {
    let c = &p.calendar;
    if c.working_days.is_empty() {
        s.error(
            &[K("calendar"), K("working_days")],
            "impossible clocks: the calendar has no working days",
            "list working days, e.g. [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\"]",
        );
    }
    if let Some(h) = c.working_hours
        && h.start >= h.end
    {
        s.error(
            &[K("calendar"), K("working_hours")],
            "impossible clocks: working hours end before they start",
            "use e.g. { start = \"09:00\", end = \"17:00\" }",
        );
    }
    let mut seen = BTreeSet::new();
    for (i, d) in c.holidays.iter().enumerate() {
        if !seen.insert(d.0) {
            s.warn(
                &[K("calendar"), K("holidays"), I(i)],
                format!("holiday {} is listed twice", d.0),
                "remove the duplicate",
            );
        }
    }
}

fn clocks(p: &Policy, s: &mut Sink<'_>) {
    let c = &p.clocks;
    for (name, d) in [
        ("acknowledgement", c.acknowledgement),
        ("initial_assessment", c.initial_assessment),
        ("status_updates", c.status_updates),
    ] {
        if zero(d) {
            s.error(
                &[K("clocks"), K(name)],
                format!("impossible clock: {name} of zero"),
                "give a positive duration",
            );
        }
    }
    let min_ack = p
        .channels
        .iter()
        .filter_map(|c| c.ack)
        .chain(c.acknowledgement)
        .min_by_key(PolicyDuration::approx_hours);
    if let (Some(ack), Some(a)) = (min_ack, c.initial_assessment)
        && a.approx_hours() < ack.approx_hours()
    {
        s.warn(
            &[K("clocks"), K("initial_assessment")],
            format!("initial assessment ({a}) is due before acknowledgement ({ack})"),
            "the assessment usually follows the acknowledgement; lengthen it",
        );
    }
    let mut prev: Option<(Severity, PolicyDuration)> = None;
    for sev in Severity::ALL_DESC {
        let Some(t) = c.resolution.for_severity(sev) else {
            continue;
        };
        let key = sev.label().to_ascii_lowercase();
        let Some(d) = t.deadline() else { continue };
        if d.is_zero() {
            s.error(
                &[K("clocks"), K("resolution"), K(&key)],
                format!("impossible clock: {sev} resolution target of zero"),
                "give a positive duration",
            );
        }
        if let super::ResolutionTarget::Range { aim, within } = t
            && aim.approx_hours() > within.approx_hours()
        {
            s.error(
                &[K("clocks"), K("resolution"), K(&key)],
                format!("{sev} resolution aims for {aim} but promises {within}"),
                "aim must not be longer than within",
            );
        }
        if let Some((psev, pd)) = prev
            && d.approx_hours() < pd.approx_hours()
        {
            s.warn(
                &[K("clocks"), K("resolution"), K(&key)],
                format!("{sev} issues are promised faster ({d}) than {psev} ones ({pd})"),
                "more severe issues usually get the shorter target",
            );
        }
        prev = Some((sev, d));
    }
    let uses_business = p
        .channels
        .iter()
        .filter_map(|c| c.ack)
        .chain(
            [c.acknowledgement, c.initial_assessment, c.status_updates]
                .into_iter()
                .flatten(),
        )
        .any(|d| d.unit.is_business());
    if uses_business && p.calendar.working_days.is_empty() {
        s.error(
            &[K("calendar")],
            "business-time clocks can never elapse without working days",
            "add working_days to [calendar]",
        );
    }
}

fn supported(p: &Policy, s: &mut Sink<'_>) {
    let Some(sv) = &p.supported else {
        s.error(&[], "missing required part: [supported] (which versions get security fixes)", "add [supported] with mode = \"latest-only\", or release lines under [[supported.lines]]");
        return;
    };
    if sv.mode == SupportMode::Lines && sv.lines.is_empty() {
        s.error(
            &[K("supported")],
            "supported versions use release lines but none is listed",
            "add [[supported.lines]] entries, or set mode = \"latest-only\"",
        );
    }
    if sv.mode == SupportMode::LatestOnly && !sv.lines.is_empty() {
        s.warn(
            &[K("supported"), K("lines")],
            "release lines are ignored when mode = \"latest-only\"",
            "remove the lines or set mode = \"lines\"",
        );
    }
    let mut names = BTreeSet::new();
    for (i, l) in sv.lines.iter().enumerate() {
        if !names.insert(l.name.as_str()) {
            s.error(
                &[K("supported"), K("lines"), I(i), K("name")],
                format!("duplicate release line `{}`", l.name),
                "give each line a distinct name",
            );
        }
        if !l.name.chars().any(|c| c.is_ascii_digit()) {
            s.error(
                &[K("supported"), K("lines"), I(i), K("name")],
                format!("release line `{}` is not a version pattern", l.name),
                "name lines like `v0.2`, `1.x` or `2.4`",
            );
        }
    }
    for (i, r) in fix_window_ends(sv).into_iter().enumerate() {
        let Err(e) = r else { continue };
        let hint = match e {
            FixWindowError::UnknownLine { .. } => {
                "refer to a line listed under [[supported.lines]] by its exact name"
            }
            FixWindowError::Cycle(_) => "make one window end on a fixed date or on its own release",
            FixWindowError::Shape(_) => {
                "e.g. fix_window = { after_ga_of = \"v0.2\", plus = \"90 days\" }"
            }
            FixWindowError::Unit(_) => "e.g. \"90 days\", \"6 months\"",
        };
        // A cycle is reported once, at the first line (in file order) that is part of it.
        if let FixWindowError::Cycle(names) = &e {
            let first = sv.lines.iter().position(|l| names.contains(&l.name));
            if first != Some(i) {
                continue;
            }
        }
        s.error(
            &[K("supported"), K("lines"), I(i), K("fix_window")],
            e.to_string(),
            hint,
        );
    }
    if let Some(f) = &sv.pre_ga_fixes
        && f.is_empty()
    {
        s.warn(
            &[K("supported"), K("pre_ga_fixes")],
            "pre-GA lines get no fixes at all",
            "list the severities they do get, e.g. [\"critical\", \"high\"]",
        );
    }
}

fn scope(p: &Policy, s: &mut Sink<'_>) {
    let sc = &p.scope;
    let norm = |x: &str| x.trim().to_lowercase();
    let out: BTreeSet<String> = sc.out_of_scope.iter().map(|x| norm(x)).collect();
    for (i, a) in sc.in_scope.iter().enumerate() {
        if out.contains(&norm(a)) {
            s.error(
                &[K("scope"), K("in_scope"), I(i)],
                format!("contradictory scope: `{a}` is both in and out of scope"),
                "keep it in one list only",
            );
        }
    }
    let mut cats = BTreeSet::new();
    for (i, n) in sc.non_qualifying.iter().enumerate() {
        if !cats.insert(n.category.as_str()) {
            s.error(
                &[K("scope"), K("non_qualifying"), I(i), K("category")],
                format!("category `{}` is listed twice", n.category),
                "merge the two entries",
            );
        }
        if sc.accepted_categories.iter().any(|c| c == &n.category) {
            s.error(
                &[K("scope"), K("non_qualifying"), I(i), K("category")],
                format!(
                    "contradictory scope: category `{}` is both accepted and non-qualifying",
                    n.category
                ),
                "remove it from accepted_categories or from non_qualifying",
            );
        }
        if !super::KNOWN_CATEGORIES.contains(&n.category.as_str()) {
            s.warn(&[K("scope"), K("non_qualifying"), I(i), K("category")], format!("`{}` is not a known category; it will be shown as written", n.category), "known: volumetric-dos, scanner-output, missing-hardening, physical-access, compromised-host, social-engineering, third-party, forks, self-only, theoretical, malicious-extension, operator-configuration, spam");
        }
    }
    if p.supported.as_ref().and_then(|s| s.forks_accepted) == Some(true) && cats.contains("forks") {
        s.error(
            &[K("supported"), K("forks_accepted")],
            "contradictory scope: forks are accepted but listed as non-qualifying",
            "choose one",
        );
    }
}

fn misc(p: &Policy, s: &mut Sink<'_>) {
    let sev = &p.severity;
    if let Some(r) = sev.cvss_requested
        && !sev.cvss_accepted.is_empty()
        && !sev.cvss_accepted.contains(&r)
    {
        s.error(
            &[K("severity"), K("cvss_requested")],
            format!("CVSS {} is requested but not accepted", r.as_str()),
            "add it to cvss_accepted",
        );
    }
    if sev.cvss_required && sev.cvss_requested.is_none() && sev.cvss_accepted.is_empty() {
        s.error(
            &[K("severity"), K("cvss_required")],
            "a CVSS vector is required but no version is named",
            "set cvss_requested = \"3.1\" or \"4.0\"",
        );
    }
    if let Some(e) = &p.embargo {
        if zero(e.default) || zero(e.maximum) {
            s.error(
                &[K("embargo")],
                "impossible clock: embargo of zero",
                "give a positive duration, e.g. \"90 days\"",
            );
        }
        if let (Some(d), Some(m)) = (e.default, e.maximum)
            && d.approx_hours() > m.approx_hours()
        {
            s.error(
                &[K("embargo"), K("default")],
                format!("default embargo ({d}) is longer than the maximum ({m})"),
                "lower the default or raise the maximum",
            );
        }
        if let (Some(pre), Some(m)) = (
            p.prenotification.as_ref().and_then(|x| x.lead_time),
            e.maximum.or(e.default),
        ) && pre.approx_hours() >= m.approx_hours()
        {
            s.warn(
                &[K("prenotification"), K("lead_time")],
                format!("pre-notification lead time ({pre}) is not shorter than the embargo ({m})"),
                "pre-notify within the embargo",
            );
        }
    }
    if let Some(pn) = &p.prenotification
        && pn.groups.is_empty()
    {
        s.warn(
            &[K("prenotification"), K("groups")],
            "pre-notification has no recipient groups",
            "list who is told, e.g. [\"downstream packagers\"]",
        );
    }
    if let Some(c) = &p.cve {
        let crit = &c.criteria;
        let any = crit.first_party
            || crit.not_known_to_us
            || crit.not_public
            || crit.minimum_severity.is_some();
        if !c.request && any {
            s.warn(
                &[K("cve"), K("criteria")],
                "CVE criteria are set but request = false",
                "set request = true, or drop the criteria",
            );
        }
        for (i, id) in c.id_pool.iter().enumerate() {
            let ok = id
                .strip_prefix("CVE-")
                .and_then(|r| r.split_once('-'))
                .is_some_and(|(y, n)| {
                    y.len() == 4
                        && n.len() >= 4
                        && y.chars().chain(n.chars()).all(|c| c.is_ascii_digit())
                });
            if !ok {
                s.error(
                    &[K("cve"), K("id_pool"), I(i)],
                    format!("`{id}` is not a CVE ID"),
                    "write CVE-YYYY-NNNN",
                );
            }
        }
    }
    if p.bounty.kind == super::BountyKind::External && p.bounty.url.is_none() {
        s.error(
            &[K("bounty"), K("url")],
            "an external bounty needs a url",
            "add url = \"https://…\"",
        );
    }
    if p.bounty.kind == super::BountyKind::Amounts && p.bounty.amounts.is_empty() {
        s.error(
            &[K("bounty"), K("amounts")],
            "bounty kind is `amounts` but none is listed",
            "add amounts = [{ severity = \"critical\", amount = \"EUR 1000\" }]",
        );
    }
    if p.credits.opt_in && !p.credits.offered {
        s.warn(
            &[K("credits"), K("opt_in")],
            "credits are opt-in but not offered",
            "set offered = true",
        );
    }
    if p.safe_harbour.is_none() {
        s.warn(
            &[],
            "no [safe_harbour]: researchers cannot tell whether good-faith research is authorised",
            "add [safe_harbour] with a statement",
        );
    }
    if p.security_txt.expires.is_some() && p.security_txt.expires_after.is_some() {
        s.error(
            &[K("security_txt"), K("expires_after")],
            "set either expires or expires_after, not both",
            "keep one",
        );
    }
    if let Some(d) = p.security_txt.expires_after
        && (d.unit.is_business()
            || d.unit == super::DurationUnit::Hours
            || d.approx_hours() > 366 * 24)
    {
        s.error(
            &[K("security_txt"), K("expires_after")],
            format!("expires_after = {d} is not between a day and a year (RFC 9116 §2.5.5)"),
            "use e.g. \"6 months\"",
        );
    }
}

//! Supported-version evaluation: which release line a version belongs to, when each line's
//! fix window ends (resolving windows defined relative to other lines), whether a version is
//! supported on a date, and what to tell the reporter when it is not.

use std::cmp::Ordering;

use jiff::Span;
use jiff::civil::Date;
use serde::Serialize;

use crate::policy::{
    DurationUnit, PolicyDuration, ReleaseLine, Severity, SupportMode, SupportedVersions,
};

/// Why a fix window cannot be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FixWindowError {
    /// The window refers to a line that is not in the policy.
    #[error("release line `{line}` refers to unknown line `{reference}`")]
    UnknownLine {
        /// The line whose window is wrong.
        line: String,
        /// The missing name.
        reference: String,
    },
    /// Windows refer to each other in a loop.
    #[error("circular fix-window reference: {}", .0.join(" → "))]
    Cycle(Vec<String>),
    /// The window is not one of the accepted shapes.
    #[error(
        "fix window of `{0}` must set exactly one of: after_ga_of (with plus), until_ga_of, from_release, until"
    )]
    Shape(String),
    /// Fix windows are calendar time.
    #[error("fix window of `{0}` uses hours or business time; use days, weeks or months")]
    Unit(String),
}

/// Adds a calendar duration (days, weeks, months) to a date.
pub fn add_to_date(d: Date, by: PolicyDuration) -> Option<Date> {
    let n = i64::from(by.amount);
    let span = match by.unit {
        DurationUnit::Days => Span::new().try_days(n).ok()?,
        DurationUnit::Weeks => Span::new().try_weeks(n).ok()?,
        DurationUnit::Months => Span::new().try_months(n).ok()?,
        _ => return None,
    };
    d.checked_add(span).ok()
}

fn check_shape(line: &ReleaseLine) -> Result<(), FixWindowError> {
    let Some(w) = &line.fix_window else {
        return Ok(());
    };
    let set = [
        w.after_ga_of.is_some(),
        w.until_ga_of.is_some(),
        w.from_release.is_some(),
        w.until.is_some(),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    if set != 1 || (w.after_ga_of.is_some() != w.plus.is_some()) {
        return Err(FixWindowError::Shape(line.name.clone()));
    }
    for d in [w.plus, w.from_release].into_iter().flatten() {
        if !matches!(
            d.unit,
            DurationUnit::Days | DurationUnit::Weeks | DurationUnit::Months
        ) {
            return Err(FixWindowError::Unit(line.name.clone()));
        }
    }
    Ok(())
}

/// The end date of each line's fix window, in policy order: `Ok(None)` when it depends on a
/// date not known yet (or the line has no end), `Err` when the window is malformed.
pub fn fix_window_ends(sv: &SupportedVersions) -> Vec<Result<Option<Date>, FixWindowError>> {
    (0..sv.lines.len())
        .map(|i| end_of(sv, i, &mut Vec::new()))
        .collect()
}

fn end_of(
    sv: &SupportedVersions,
    i: usize,
    stack: &mut Vec<usize>,
) -> Result<Option<Date>, FixWindowError> {
    let Some(line) = sv.lines.get(i) else {
        return Ok(None);
    };
    if let Some(pos) = stack.iter().position(|&j| j == i) {
        let mut names: Vec<String> = stack[pos..]
            .iter()
            .filter_map(|&j| sv.lines.get(j))
            .map(|l| l.name.clone())
            .collect();
        names.push(line.name.clone());
        return Err(FixWindowError::Cycle(names));
    }
    check_shape(line)?;
    let Some(w) = &line.fix_window else {
        return Ok(None);
    };
    if let Some(d) = w.until {
        return Ok(Some(d.0));
    }
    if let Some(p) = w.from_release {
        return Ok(line.ga.and_then(|g| add_to_date(g.0, p)));
    }
    let Some(reference) = w.reference() else {
        return Ok(None);
    };
    let Some(j) = sv.lines.iter().position(|l| l.name == reference) else {
        return Err(FixWindowError::UnknownLine {
            line: line.name.clone(),
            reference: reference.to_owned(),
        });
    };
    // Walk the referenced line's own window too, so a loop anywhere on the path is found even
    // though only the referenced line's GA date is needed here.
    stack.push(i);
    let walked = end_of(sv, j, stack);
    stack.pop();
    // Only a loop is the referring line's problem; other faults belong to the referenced line.
    if let Err(e @ FixWindowError::Cycle(_)) = walked {
        return Err(e);
    }
    let Some(ga) = sv.lines.get(j).and_then(|l| l.ga) else {
        return Ok(None);
    };
    Ok(match w.plus {
        Some(p) => add_to_date(ga.0, p),
        None => Some(ga.0),
    })
}

/// Parsed numeric components of a version (`v1.2.3-rc1` → [1, 2, 3]).
fn version_parts(v: &str) -> Option<Vec<u64>> {
    let v = v.trim();
    let v = v.strip_prefix(['v', 'V']).unwrap_or(v);
    let core = v.split(['-', '+', ' ']).next().unwrap_or("");
    let parts: Option<Vec<u64>> = core.split('.').map(|p| p.parse::<u64>().ok()).collect();
    parts.filter(|p| !p.is_empty())
}

/// Parsed line pattern (`v0.2` → [Some(0), Some(2)], `1.x` → [Some(1), None]).
fn line_pattern(name: &str) -> Option<Vec<Option<u64>>> {
    let n = name.trim();
    let n = n.strip_prefix(['v', 'V']).unwrap_or(n);
    n.split('.')
        .map(|p| match p {
            "x" | "X" | "*" => Some(None),
            _ => p.parse::<u64>().ok().map(Some),
        })
        .collect()
}

/// Whether `version` belongs to the line named `line` (`v0.2` holds 0.2.x; `1.x` holds 1.*).
pub fn line_matches(line: &str, version: &str) -> bool {
    let (Some(pat), Some(v)) = (line_pattern(line), version_parts(version)) else {
        return false;
    };
    pat.iter().enumerate().all(|(i, p)| match p {
        None => true,
        Some(n) => v.get(i).copied().unwrap_or(0) == *n,
    })
}

fn specificity(line: &str) -> usize {
    line_pattern(line).map_or(0, |p| p.iter().filter(|c| c.is_some()).count())
}

fn compare_versions(a: &str, b: &str) -> Option<Ordering> {
    let (a, b) = (version_parts(a)?, version_parts(b)?);
    let len = a.len().max(b.len());
    let pad = |v: &Vec<u64>, i: usize| v.get(i).copied().unwrap_or(0);
    Some(
        (0..len)
            .map(|i| pad(&a, i).cmp(&pad(&b, i)))
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal),
    )
}

/// Whether the evaluated version gets security fixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Fixes are made for it.
    Supported,
    /// No fixes: reproduce on a supported release.
    Unsupported,
    /// Cannot tell (e.g. latest-only policy without knowing the latest release).
    Unknown,
}

/// The answer for one version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SupportAnswer {
    /// The version asked about.
    pub version: String,
    /// The release line it belongs to.
    pub line: Option<String>,
    /// Supported or not.
    pub verdict: Verdict,
    /// Last day of security fixes, when known.
    pub until: Option<Date>,
    /// Only these severities are fixed on this line (pre-GA rule), when restricted.
    pub fixes_for: Option<Vec<Severity>>,
    /// What to tell the reporter.
    pub answer: String,
}

fn reproduce_answer(sv: &SupportedVersions, version: &str, why: &str) -> String {
    if let Some(a) = &sv.unsupported_answer {
        return format!("{why} {a}");
    }
    let where_ = sv
        .latest_url
        .as_deref()
        .map(|u| format!(" ({u})"))
        .unwrap_or_default();
    format!(
        "{why} Please reproduce the issue on the latest release{where_} and report again if it is still present; version {version} will not receive a fix."
    )
}

/// Evaluates a version against the policy on `on`. `latest` is the latest release, needed
/// for latest-only policies.
pub fn evaluate(
    sv: &SupportedVersions,
    version: &str,
    on: Date,
    latest: Option<&str>,
) -> SupportAnswer {
    let mut ans = SupportAnswer {
        version: version.to_owned(),
        line: None,
        verdict: Verdict::Unknown,
        until: None,
        fixes_for: None,
        answer: String::new(),
    };
    if version_parts(version).is_none() {
        ans.answer = format!(
            "`{version}` is not a version number we can read; please give the exact version (for example 1.4.2)."
        );
        return ans;
    }
    if sv.mode == SupportMode::LatestOnly {
        let Some(latest) = latest else {
            ans.answer = String::from(
                "Fixes land on the latest release only; please make sure you are on the latest release.",
            );
            return ans;
        };
        let ord = compare_versions(version, latest);
        let ok = matches!(ord, Some(Ordering::Equal))
            || (sv.include_development && matches!(ord, Some(Ordering::Greater)));
        if ok {
            ans.verdict = Verdict::Supported;
            ans.answer = format!("Version {version} is supported: fixes ship in the next release.");
        } else {
            ans.verdict = Verdict::Unsupported;
            ans.answer = reproduce_answer(
                sv,
                version,
                &format!("Version {version} is not the latest release ({latest})."),
            );
        }
        return ans;
    }
    let ends = fix_window_ends(sv);
    let best = sv
        .lines
        .iter()
        .enumerate()
        .filter(|(_, l)| line_matches(&l.name, version))
        .max_by_key(|(_, l)| specificity(&l.name));
    let Some((i, line)) = best else {
        ans.verdict = Verdict::Unsupported;
        let names: Vec<&str> = sv
            .lines
            .iter()
            .filter(|l| l.status != crate::policy::LineStatus::EndOfLife)
            .map(|l| l.name.as_str())
            .collect();
        let why = format!(
            "Version {version} is not part of a supported release line (supported: {}).",
            names.join(", ")
        );
        ans.answer = reproduce_answer(sv, version, &why);
        return ans;
    };
    ans.line = Some(line.name.clone());
    let end = ends.get(i).cloned().and_then(Result::ok).flatten();
    ans.until = end;
    if line.status == crate::policy::LineStatus::EndOfLife {
        ans.verdict = Verdict::Unsupported;
        ans.answer = reproduce_answer(
            sv,
            version,
            &format!("Release line {} has reached end of life.", line.name),
        );
        return ans;
    }
    if let Some(end) = end.filter(|e| on > *e) {
        ans.verdict = Verdict::Unsupported;
        ans.answer = reproduce_answer(
            sv,
            version,
            &format!("Security fixes for {} ended on {end}.", line.name),
        );
        return ans;
    }
    ans.verdict = Verdict::Supported;
    if line.is_pre_ga() {
        ans.fixes_for = sv.pre_ga_fixes.clone();
    }
    let until = end.map(|e| format!(" until {e}")).unwrap_or_default();
    let only = match &ans.fixes_for {
        Some(s) => {
            let l: Vec<&str> = s.iter().map(|s| s.label()).collect();
            format!(" (pre-GA: {} severity fixes only)", l.join(" and "))
        }
        None => String::new(),
    };
    ans.answer = format!(
        "Version {version} is on release line {}, which receives security fixes{until}{only}.",
        line.name
    );
    ans
}

#[cfg(test)]
mod tests;

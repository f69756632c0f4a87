//! The policy as JSON (for the API and tooling): the parsed policy plus the computed
//! fix-window end dates, pretty-printed with a trailing newline. Deterministic: struct fields
//! serialize in declaration order and no map with unordered keys is involved.

use embargo_domain::policy::Policy;
use embargo_domain::supported::fix_window_ends;
use serde::Serialize;

#[derive(Serialize)]
struct Rendered<'a> {
    policy: &'a Policy,
    /// `line name → last day of fixes` where known.
    fix_windows: Vec<FixEnd>,
}

#[derive(Serialize)]
struct FixEnd {
    line: String,
    until: Option<String>,
    error: Option<String>,
}

/// Renders the policy as pretty JSON.
pub fn render(p: &Policy) -> Result<String, serde_json::Error> {
    let fix_windows = p
        .supported
        .as_ref()
        .map(|sv| {
            sv.lines
                .iter()
                .zip(fix_window_ends(sv))
                .map(|(l, e)| FixEnd {
                    line: l.name.clone(),
                    until: e.as_ref().ok().copied().flatten().map(|d| d.to_string()),
                    error: e.err().map(|e| e.to_string()),
                })
                .collect()
        })
        .unwrap_or_default();
    let mut s = serde_json::to_string_pretty(&Rendered {
        policy: p,
        fix_windows,
    })?;
    s.push('\n');
    Ok(s)
}

//! Canned responses: the policy's own answers (each non-qualifying category's response, "not
//! reproducible", "reproduce on the latest version", "duplicate") and the team's templates per
//! program, all minijinja templates rendered with the case's facts and previewed in the reply
//! box before anything is sent.

use std::collections::BTreeMap;

use embargo_domain::policy::Policy;
use embargo_store::program;

use crate::case::service::CaseView;

/// A response to choose from: `policy:<n>`, `builtin:<name>` or `team:<id>`.
#[derive(Debug, Clone)]
pub struct Canned {
    pub id: String,
    pub name: String,
    pub source: String,
}

/// The variables a template can use, documented on the templates page.
pub const VARIABLES: &[(&str, &str)] = &[
    ("reference", "the case reference, e.g. SPOOK-2026-0001"),
    ("program", "the program's name"),
    ("title", "the report's title"),
    (
        "reporter",
        "the name the reporter chose to be credited with, or \"there\"",
    ),
    ("status", "the case status in the reporter's words"),
    ("affected_version", "the version the reporter named"),
    ("supported", "what the policy says about that version"),
    ("policy_url", "the public policy page"),
];

/// The policy's answers and the built-in ones, then the team's.
pub fn all(policy: &Policy, team: &[program::ResponseTemplate]) -> Vec<Canned> {
    let mut out: Vec<Canned> = policy
        .scope
        .non_qualifying
        .iter()
        .enumerate()
        .map(|(i, c)| Canned {
            id: format!("policy:{i}"),
            name: format!("Out of scope: {}", c.category),
            source: format!(
                "Hello {{{{ reporter }}}},\n\nthank you for your report {{{{ reference }}}}. It falls under \"{}\", which our policy does not treat as a vulnerability:\n\n{}\n\nSee {{{{ policy_url }}}}.",
                c.category,
                c.response.clone().unwrap_or_else(|| c.description.clone())
            ),
        })
        .collect();
    for (name, source) in [
        (
            "Not reproducible",
            "Hello {{ reporter }},\n\nwe could not reproduce {{ reference }} with the steps you gave. Could you send the exact version, configuration and a minimal proof of concept?",
        ),
        (
            "Reproduce on the latest version",
            "Hello {{ reporter }},\n\nyou reported this against {{ affected_version or \"an unnamed version\" }}. {{ supported }} Could you check whether it still happens on the latest release?",
        ),
        (
            "Duplicate",
            "Hello {{ reporter }},\n\nthank you for {{ reference }}. Someone reported the same issue before you; we are working on it and will keep you informed here.",
        ),
    ] {
        out.push(Canned {
            id: format!("builtin:{}", name.to_lowercase().replace(' ', "-")),
            name: name.to_owned(),
            source: source.to_owned(),
        });
    }
    out.extend(team.iter().map(|t| Canned {
        id: format!("team:{}", t.id),
        name: t.name.clone(),
        source: t.body.clone(),
    }));
    out
}

fn environment() -> minijinja::Environment<'static> {
    let mut env = minijinja::Environment::new();
    // Mail is plain text: nothing to escape (pages escape when they show it).
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    // A template is the team's code: bound its work so a loop cannot stall the server.
    env.set_fuel(Some(50_000));
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    env
}

fn describe(e: &minijinja::Error) -> String {
    match e.line() {
        Some(line) => format!(
            "line {line}: {}",
            e.detail().unwrap_or(&e.kind().to_string())
        ),
        None => e.to_string(),
    }
}

/// Whether `source` is a template that renders with the documented variables; the error
/// names the line.
pub fn check(source: &str) -> Result<(), String> {
    let sample: BTreeMap<&str, String> = VARIABLES
        .iter()
        .map(|(k, _)| (*k, format!("<{k}>")))
        .collect();
    render(source, &sample).map(|_| ())
}

pub fn render(source: &str, vars: &BTreeMap<&str, String>) -> Result<String, String> {
    let env = environment();
    let t = env.template_from_str(source).map_err(|e| describe(&e))?;
    let map: BTreeMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    t.render(minijinja::Value::from(map))
        .map_err(|e| describe(&e))
}

/// The case's facts for a template.
pub fn variables(
    view: &CaseView,
    prog: &program::Program,
    policy: &Policy,
    public_url: &str,
    today: jiff::civil::Date,
) -> BTreeMap<&'static str, String> {
    let version = view
        .report
        .fields
        .get("affected-version")
        .map(|v| v.trim().to_owned())
        .unwrap_or_default();
    let supported = match (&policy.supported, version.is_empty()) {
        (Some(sv), false) => embargo_domain::supported::evaluate(sv, &version, today, None).answer,
        _ => String::new(),
    };
    let reporter = view
        .reporter
        .credit
        .clone()
        .filter(|_| view.reporter.credit_kind.as_deref() != Some("anonymous"))
        .unwrap_or_else(|| "there".into());
    BTreeMap::from([
        ("reference", view.row.reference.clone()),
        ("program", prog.name.clone()),
        ("title", view.title.clone()),
        ("reporter", reporter),
        ("status", view.state.reporter_label().to_owned()),
        ("affected_version", version),
        ("supported", supported),
        ("policy_url", format!("{public_url}/p/{}/policy", prog.slug)),
    ])
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn templates_render_and_errors_name_the_line() {
        let vars = BTreeMap::from([
            ("reporter", "Rita".to_owned()),
            ("reference", "X-1".to_owned()),
        ]);
        assert_eq!(
            render("Hello {{ reporter }}, {{ reference }}.", &vars).as_deref(),
            Ok("Hello Rita, X-1.")
        );
        // Plain text: nothing is escaped here.
        let vars = BTreeMap::from([("reporter", "<b>".to_owned())]);
        assert_eq!(render("{{ reporter }}", &vars).as_deref(), Ok("<b>"));
        let e = check("Hello\n{{ reporter }\n").unwrap_err();
        assert!(e.starts_with("line 2"), "{e}");
        let e = check("{{ unknown_variable }}").unwrap_err();
        assert!(e.contains("undefined"), "{e}");
        let e = check(
            "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
        )
        .unwrap_err();
        assert!(e.contains("fuel"), "{e}");
    }
}

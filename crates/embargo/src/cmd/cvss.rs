//! `embargo cvss VECTOR [--json]`: validate and score a CVSS 3.0/3.1/4.0 vector, or say
//! exactly what is wrong with it (exit code 2).

use std::process::ExitCode;

use embargo_domain::cvss::{self, Cvss, CvssError};

/// `embargo cvss …`
#[derive(Debug, clap::Args)]
pub struct CvssArgs {
    /// The vector, e.g. CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H (quote it in the shell).
    vector: String,
    /// Print a JSON object instead of text.
    #[arg(long)]
    json: bool,
}

/// Exit code for an invalid vector.
const INVALID: u8 = 2;

fn severity_label(c: Option<embargo_domain::policy::Severity>) -> &'static str {
    c.map_or("None", |s| s.label())
}

fn text(c: &Cvss) -> String {
    let mut out = format!(
        "CVSS {}: base score {:.1} ({})\n{}\n",
        c.version,
        c.base_score,
        severity_label(c.severity),
        c.vector
    );
    for s in &c.other_scores {
        out.push_str(&format!(
            "{} score {:.1} ({})\n",
            s.label,
            s.score,
            severity_label(s.severity)
        ));
    }
    let width = c.metrics.iter().map(|m| m.name.len()).max().unwrap_or(0);
    for m in &c.metrics {
        out.push_str(&format!(
            "  {:<4} {:<width$}  {} ({})\n",
            m.code, m.name, m.value, m.value_name
        ));
    }
    out
}

fn error_json(e: &CvssError) -> serde_json::Value {
    serde_json::json!({
        "error": {
            "code": e.code(),
            "message": e.to_string(),
            "field": "vector",
            "position": e.position(),
        }
    })
}

/// Runs `embargo cvss …`.
pub fn run(args: CvssArgs) -> anyhow::Result<ExitCode> {
    match cvss::parse(&args.vector) {
        Ok(c) if args.json => {
            println!("{}", serde_json::to_string_pretty(&c)?);
            Ok(ExitCode::SUCCESS)
        }
        Ok(c) => {
            print!("{}", text(&c));
            Ok(ExitCode::SUCCESS)
        }
        Err(e) if args.json => {
            println!("{}", serde_json::to_string_pretty(&error_json(&e))?);
            Ok(ExitCode::from(INVALID))
        }
        Err(e) => {
            eprintln!("error: invalid CVSS vector: {e}");
            Ok(ExitCode::from(INVALID))
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn text_and_json() {
        let c = cvss::parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").unwrap();
        let t = text(&c);
        assert!(
            t.starts_with("CVSS 3.1: base score 9.8 (Critical)\n"),
            "{t}"
        );
        assert!(t.contains("AV   Attack Vector"), "{t}");
        let e = cvss::parse("CVSS:3.1/AV:N").unwrap_err();
        let j = error_json(&e);
        assert_eq!(j["error"]["code"], "cvss_missing_metrics");
        assert_eq!(j["error"]["field"], "vector");
    }
}

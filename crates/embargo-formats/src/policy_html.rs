//! A self-contained HTML page of the policy, converted from the SECURITY.md render. Every
//! piece of policy text is HTML-escaped; the only markup produced is the fixed set below
//! (headings, paragraphs, lists, tables, `code`, **strong**, and links to http(s)/mailto URLs
//! written as `<https://…>`), so a policy file cannot inject script or attributes.

use std::fmt::Write as _;

use embargo_domain::policy::Policy;
use jiff::civil::Date;

/// Escapes text for HTML element content and double-quoted attributes.
pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

/// Inline markup: `code`, **strong**, <autolinks>; everything else escaped.
fn inline(s: &str) -> String {
    let mut o = String::new();
    let mut rest = s;
    while let Some(i) = rest.find(['`', '*', '<']) {
        o.push_str(&escape(&rest[..i]));
        let tail = &rest[i..];
        let (open, close) = match tail.as_bytes().first() {
            Some(b'`') => ("`", "`"),
            Some(b'*') if tail.starts_with("**") => ("**", "**"),
            Some(b'<') => ("<", ">"),
            _ => ("", ""),
        };
        let body_end = if open.is_empty() {
            None
        } else {
            tail[open.len()..].find(close)
        };
        match body_end {
            Some(j) => {
                let body = &tail[open.len()..open.len() + j];
                match open {
                    "`" => {
                        let _ = write!(o, "<code>{}</code>", escape(body));
                    }
                    "**" => {
                        let _ = write!(o, "<strong>{}</strong>", escape(body));
                    }
                    _ if body.starts_with("https://")
                        || body.starts_with("http://")
                        || body.contains('@') && !body.contains(' ') =>
                    {
                        let href = if body.contains("://") {
                            body.to_owned()
                        } else {
                            format!("mailto:{body}")
                        };
                        let _ = write!(o, "<a href=\"{}\">{}</a>", escape(&href), escape(body));
                    }
                    _ => o.push_str(&escape(&tail[..open.len() + j + close.len()])),
                }
                rest = &tail[open.len() + j + close.len()..];
            }
            None => {
                o.push_str(&escape(&tail[..1]));
                rest = &tail[1..];
            }
        }
    }
    o.push_str(&escape(rest));
    o
}

fn cells(line: &str) -> Vec<String> {
    let t = line.trim().trim_start_matches('|').trim_end_matches('|');
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = t.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cur.push('|');
                chars.next();
            }
            '|' => out.push(std::mem::take(&mut cur).trim().to_owned()),
            _ => cur.push(c),
        }
    }
    out.push(cur.trim().to_owned());
    out
}

#[derive(PartialEq)]
enum Block {
    None,
    Para,
    Ul,
    Ol,
    Table,
}

fn close(o: &mut String, b: &mut Block) {
    o.push_str(match b {
        Block::None => "",
        Block::Para => "</p>\n",
        Block::Ul => "</ul>\n",
        Block::Ol => "</ol>\n",
        Block::Table => "</tbody></table>\n",
    });
    *b = Block::None;
}

/// Renders the policy page as a standalone HTML document (for hosting anywhere).
pub fn render(p: &Policy, today: Date) -> String {
    let mut o = String::new();
    let _ = write!(
        o,
        "<!doctype html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>Security policy — {}</title>\n<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}}code{{background:#f4f4f4}}</style>\n</head>\n<body>\n",
        escape(p.program.languages.first().map_or("en", String::as_str)),
        escape(&p.program.name)
    );
    o.push_str(&body(p, today));
    o.push_str("</body>\n</html>\n");
    o
}

/// The page's content alone (every text escaped), for embedding in a site's own layout.
pub fn body(p: &Policy, today: Date) -> String {
    body_with(p, today, &[])
}

/// The track-record paragraph: the responsiveness sentences, escaped.
fn track_record(o: &mut String, sentences: &[String]) {
    let _ = writeln!(o, "<h3>Our track record</h3>");
    let _ = write!(o, "<p class=\"responsiveness\">");
    for (i, s) in sentences.iter().enumerate() {
        if i > 0 {
            o.push(' ');
        }
        o.push_str(&escape(s));
    }
    o.push_str("</p>\n");
}

/// [`body`] with the program's published responsiveness (`[clocks] publish_responsiveness`):
/// `responsiveness` holds sentences computed by the caller from its cases (see
/// `embargo_domain::stats::responsiveness`), shown as "Our track record" at the end of
/// "What to expect". Nothing is added when it is empty.
pub fn body_with(p: &Policy, today: Date, responsiveness: &[String]) -> String {
    let md = crate::security_md::render(p, today);
    let mut o = String::new();
    let mut b = Block::None;
    let mut header_done = false;
    // Where the track record goes: once "What to expect" ends (or at the very end).
    let mut pending = !responsiveness.is_empty();
    let mut in_expect = false;
    for line in md.lines() {
        let t = line.trim_end();
        if t.is_empty() || t == "---" {
            close(&mut o, &mut b);
            continue;
        }
        if let Some(h) = t
            .strip_prefix("### ")
            .map(|h| (3, h))
            .or_else(|| t.strip_prefix("## ").map(|h| (2, h)))
            .or_else(|| t.strip_prefix("# ").map(|h| (1, h)))
        {
            close(&mut o, &mut b);
            if h.0 <= 2 {
                if in_expect && pending {
                    track_record(&mut o, responsiveness);
                    pending = false;
                }
                in_expect = h.0 == 2 && h.1 == "What to expect";
            }
            let _ = writeln!(o, "<h{0}>{1}</h{0}>", h.0, inline(h.1));
            continue;
        }
        if t.starts_with('|') {
            if b != Block::Table {
                close(&mut o, &mut b);
                b = Block::Table;
                header_done = false;
                let _ = write!(o, "<table><thead><tr>");
                for c in cells(t) {
                    let _ = write!(o, "<th>{}</th>", inline(&c));
                }
                let _ = writeln!(o, "</tr></thead><tbody>");
            } else if !header_done && t.starts_with("| ---") {
                header_done = true;
            } else {
                let _ = write!(o, "<tr>");
                for c in cells(t) {
                    let _ = write!(o, "<td>{}</td>", inline(&c));
                }
                let _ = writeln!(o, "</tr>");
            }
            continue;
        }
        let item = t.trim_start();
        if let Some(li) = item.strip_prefix("- ") {
            if b != Block::Ul {
                close(&mut o, &mut b);
                o.push_str("<ul>\n");
                b = Block::Ul;
            }
            let _ = writeln!(o, "<li>{}</li>", inline(li));
            continue;
        }
        if let Some((n, li)) = item.split_once(". ")
            && !n.is_empty()
            && n.chars().all(|c| c.is_ascii_digit())
        {
            if b != Block::Ol {
                close(&mut o, &mut b);
                o.push_str("<ol>\n");
                b = Block::Ol;
            }
            let _ = writeln!(o, "<li>{}</li>", inline(li));
            continue;
        }
        match b {
            Block::Para | Block::Ul | Block::Ol => {
                o.push(' ');
                o.push_str(&inline(item));
                if b == Block::Para {
                    o.push('\n');
                }
            }
            _ => {
                close(&mut o, &mut b);
                let _ = writeln!(o, "<p>{}", inline(item));
                b = Block::Para;
            }
        }
    }
    close(&mut o, &mut b);
    if pending {
        track_record(&mut o, responsiveness);
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_markup_is_escaped() {
        assert_eq!(
            inline("a <script>x</script> & `b<c>` **d**"),
            "a &lt;script&gt;x&lt;/script&gt; &amp; <code>b&lt;c&gt;</code> <strong>d</strong>"
        );
        assert_eq!(
            inline("<https://e.org/?a=\"1\">"),
            "<a href=\"https://e.org/?a=&quot;1&quot;\">https://e.org/?a=&quot;1&quot;</a>"
        );
        assert_eq!(
            inline("<javascript:alert(1)>"),
            "&lt;javascript:alert(1)&gt;"
        );
        assert_eq!(inline("**open"), "**open");
    }

    #[test]
    fn track_record_ends_what_to_expect_and_is_escaped() {
        #![allow(clippy::unwrap_used)]
        let src = include_str!("../../../examples/policies/home-automation-integration.toml");
        let p = Policy::from_toml(src, "spook.toml").unwrap();
        let today = jiff::civil::date(2025, 11, 1);
        assert_eq!(body_with(&p, today, &[]), body(&p, today));
        let sentences = [
            "In the last 12 months we acknowledged 96% of reports within 7 days (n = 31)."
                .to_owned(),
            "Too few <reports>.".to_owned(),
        ];
        let html = body_with(&p, today, &sentences);
        let expect = html.find("<h2>What to expect</h2>").unwrap();
        let record = html.find("<h3>Our track record</h3>").unwrap();
        let next = html.find("<h2>Supported versions</h2>").unwrap();
        assert!(expect < record && record < next, "{html}");
        assert!(html.contains(
            "<p class=\"responsiveness\">In the last 12 months we acknowledged 96% of reports within 7 days (n = 31). Too few &lt;reports&gt;.</p>"
        ));
        assert_eq!(html.matches("Our track record").count(), 1);
    }
}

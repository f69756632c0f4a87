//! Atom feeds (RFC 4287) written by hand: a feed of advisories with escaping of the five XML
//! specials and removal of characters XML 1.0 does not allow.

use jiff::Timestamp;

/// A feed.
#[derive(Debug, Clone)]
pub struct Feed {
    /// `atom:id` (a URL).
    pub id: String,
    pub title: String,
    /// The HTML page the feed mirrors.
    pub link: String,
    pub updated: Timestamp,
    pub entries: Vec<Entry>,
}

/// An entry.
#[derive(Debug, Clone)]
pub struct Entry {
    pub id: String,
    pub title: String,
    pub link: String,
    pub updated: Timestamp,
    pub published: Option<Timestamp>,
    pub summary: String,
}

/// Escapes text for XML content and attribute values, dropping characters XML 1.0 forbids
/// (C0 controls other than tab, newline, carriage return).
pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            '\t' | '\n' | '\r' => o.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => o.push(c),
        }
    }
    o
}

fn ts(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

impl Feed {
    /// The feed document.
    pub fn render(&self) -> String {
        let mut o = String::from(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n",
        );
        o.push_str(&format!(
            "  <id>{}</id>\n  <title>{}</title>\n",
            escape(&self.id),
            escape(&self.title)
        ));
        o.push_str(&format!(
            "  <link rel=\"self\" href=\"{}\"/>\n",
            escape(&self.id)
        ));
        o.push_str(&format!(
            "  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
            escape(&self.link)
        ));
        o.push_str(&format!(
            "  <updated>{}</updated>\n  <generator>Embargo</generator>\n",
            ts(self.updated)
        ));
        for e in &self.entries {
            o.push_str("  <entry>\n");
            o.push_str(&format!(
                "    <id>{}</id>\n    <title>{}</title>\n",
                escape(&e.id),
                escape(&e.title)
            ));
            o.push_str(&format!(
                "    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
                escape(&e.link)
            ));
            o.push_str(&format!("    <updated>{}</updated>\n", ts(e.updated)));
            if let Some(p) = e.published {
                o.push_str(&format!("    <published>{}</published>\n", ts(p)));
            }
            o.push_str(&format!(
                "    <summary type=\"text\">{}</summary>\n  </entry>\n",
                escape(&e.summary)
            ));
        }
        o.push_str("</feed>\n");
        o
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn escapes_and_drops_forbidden_characters() {
        let t: Timestamp = "2026-03-01T10:00:00Z".parse().unwrap();
        let f = Feed {
            id: "https://x.example/advisories/feed.atom".into(),
            title: "A & B".into(),
            link: "https://x.example/advisories".into(),
            updated: t,
            entries: vec![Entry {
                id: "https://x.example/advisories/X-2026-0001".into(),
                title: "<script> \"quoted\" \u{1}bell".into(),
                link: "https://x.example/advisories/X-2026-0001?a=1&b=2".into(),
                updated: t,
                published: Some(t),
                summary: "s".into(),
            }],
        };
        let x = f.render();
        assert!(x.contains("<title>A &amp; B</title>"));
        assert!(x.contains("&lt;script&gt; &quot;quoted&quot; bell"));
        assert!(x.contains("?a=1&amp;b=2"));
        assert!(!x.contains('\u{1}'));
        assert!(x.contains("<updated>2026-03-01T10:00:00Z</updated>"));
        assert_eq!(x.matches("<entry>").count(), x.matches("</entry>").count());
    }
}

//! Atom feeds (RFC 4287) of advisories, written by hand: the feed and entry model, XML escaping
//! for text and attribute values, removal of characters XML 1.0 does not allow, and RFC 4151
//! `tag:` ids.

use jiff::Timestamp;

/// A person construct (RFC 4287 §3.2): the feed's author.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// `atom:name`, required.
    pub name: String,
    /// `atom:uri`.
    pub uri: Option<String>,
    /// `atom:email`.
    pub email: Option<String>,
}

/// A feed (RFC 4287 §4.1.1).
#[derive(Debug, Clone)]
pub struct Feed {
    /// `atom:id` (§4.2.6): a permanent IRI. When it is an `http(s)` URL it is also the feed's
    /// `rel="self"` link (Embargo uses the feed's own URL).
    pub id: String,
    /// `atom:title`, plain text.
    pub title: String,
    /// The HTML page the feed mirrors (`rel="alternate"`).
    pub link: String,
    /// `atom:updated`: the latest change of any entry.
    pub updated: Timestamp,
    /// `atom:author` (§4.1.1: a feed MUST have one unless every entry has one; entries here
    /// inherit it).
    pub author: Person,
    /// The entries, in the order given (newest first, by convention).
    pub entries: Vec<Entry>,
}

/// An entry (RFC 4287 §4.1.2).
#[derive(Debug, Clone)]
pub struct Entry {
    /// `atom:id`: the advisory's URL, or a `tag:` URI from [`tag_uri`].
    pub id: String,
    /// `atom:title`, plain text.
    pub title: String,
    /// The advisory's HTML page (`rel="alternate"`, which also makes `atom:content` optional,
    /// §4.1.1.3).
    pub link: String,
    /// `atom:updated`.
    pub updated: Timestamp,
    /// `atom:published`: first publication.
    pub published: Option<Timestamp>,
    /// `atom:summary`, plain text; left out when empty.
    pub summary: String,
    /// The severity label ("High"), as an `atom:category` (§4.2.2) with term `high`.
    pub severity: Option<String>,
}

/// Whether XML 1.0 allows `c` in a document (§2.2 `Char`: tab, newline, carriage return,
/// U+0020–U+D7FF, U+E000–U+FFFD, U+10000–U+10FFFF; Rust `char`s are never surrogates). The
/// C1 controls and DEL, which §2.2 allows but asks authors to avoid, are refused too.
fn allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r')
        || (c >= ' ' && !('\u{7F}'..='\u{9F}').contains(&c) && c != '\u{FFFE}' && c != '\u{FFFF}')
}

/// Escapes character data (XML 1.0 §2.4): `&`, `<` and `>` (the last so that `]]>` never
/// appears), carriage return as `&#xD;` so that end-of-line handling (§2.11) does not turn it
/// into a line feed; characters XML does not allow are dropped.
pub fn escape_text(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars().filter(|c| allowed(*c)) {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '\r' => o.push_str("&#xD;"),
            c => o.push(c),
        }
    }
    o
}

/// Escapes an attribute value written between double quotes (XML 1.0 §3.1 `AttValue`): also
/// `"` and `'`, and tab, newline and carriage return as character references so that
/// attribute-value normalisation (§3.3.3) keeps them; characters XML does not allow are
/// dropped.
pub fn escape_attr(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars().filter(|c| allowed(*c)) {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            '\t' => o.push_str("&#x9;"),
            '\n' => o.push_str("&#xA;"),
            '\r' => o.push_str("&#xD;"),
            c => o.push(c),
        }
    }
    o
}

/// An RFC 4151 `tag:` URI, `tag:{authority},{date}:{specific}` (§2.1), for ids that must not
/// change when the instance moves: `authority` is a DNS name or e-mail address the publisher
/// held on `date`; characters of `specific` outside the URI `pchar`, `/` and `?` set are
/// percent-encoded (§2.1 `specific = *( pchar / "/" / "?" )`).
pub fn tag_uri(authority: &str, date: jiff::civil::Date, specific: &str) -> String {
    let mut o = format!(
        "tag:{},{}:",
        authority.to_ascii_lowercase(),
        date.strftime("%Y-%m-%d")
    );
    for b in specific.bytes() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b':'
                    | b'@'
                    | b'/'
                    | b'?'
            );
        if keep {
            o.push(char::from(b));
        } else {
            o.push_str(&format!("%{b:02X}"));
        }
    }
    o
}

/// RFC 3339 date-time in UTC (RFC 4287 §3.3).
fn ts(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn is_web_url(s: &str) -> bool {
    s.starts_with("https://") || s.starts_with("http://")
}

impl Feed {
    /// The feed document, UTF-8 XML 1.0.
    pub fn render(&self) -> String {
        let mut o = String::from(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"en\">\n",
        );
        o.push_str(&format!("  <id>{}</id>\n", escape_text(&self.id)));
        o.push_str(&format!(
            "  <title type=\"text\">{}</title>\n",
            escape_text(&self.title)
        ));
        o.push_str(&format!("  <updated>{}</updated>\n", ts(self.updated)));
        o.push_str("  <author>\n");
        o.push_str(&format!(
            "    <name>{}</name>\n",
            escape_text(&self.author.name)
        ));
        if let Some(uri) = &self.author.uri {
            o.push_str(&format!("    <uri>{}</uri>\n", escape_text(uri)));
        }
        if let Some(email) = &self.author.email {
            o.push_str(&format!("    <email>{}</email>\n", escape_text(email)));
        }
        o.push_str("  </author>\n");
        // §4.2.7.2: a feed SHOULD contain a `rel="self"` link to itself.
        if is_web_url(&self.id) {
            o.push_str(&format!(
                "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n",
                escape_attr(&self.id)
            ));
        }
        o.push_str(&format!(
            "  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
            escape_attr(&self.link)
        ));
        o.push_str("  <generator>Embargo</generator>\n");
        for e in &self.entries {
            e.render_into(&mut o);
        }
        o.push_str("</feed>\n");
        o
    }
}

impl Entry {
    fn render_into(&self, o: &mut String) {
        o.push_str("  <entry>\n");
        o.push_str(&format!("    <id>{}</id>\n", escape_text(&self.id)));
        o.push_str(&format!(
            "    <title type=\"text\">{}</title>\n",
            escape_text(&self.title)
        ));
        o.push_str(&format!(
            "    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
            escape_attr(&self.link)
        ));
        if let Some(p) = self.published {
            o.push_str(&format!("    <published>{}</published>\n", ts(p)));
        }
        o.push_str(&format!("    <updated>{}</updated>\n", ts(self.updated)));
        if let Some(label) = self.severity.as_deref().map(str::trim)
            && !label.is_empty()
        {
            o.push_str(&format!(
                "    <category term=\"{}\" label=\"{}\"/>\n",
                escape_attr(&label.to_lowercase()),
                escape_attr(label)
            ));
        }
        if !self.summary.trim().is_empty() {
            o.push_str(&format!(
                "    <summary type=\"text\">{}</summary>\n",
                escape_text(&self.summary)
            ));
        }
        o.push_str("  </entry>\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_of_text_and_attributes() {
        assert_eq!(escape_text("a<b>&c]]>"), "a&lt;b&gt;&amp;c]]&gt;");
        assert_eq!(escape_text("\"q\" 'a'"), "\"q\" 'a'");
        assert_eq!(escape_attr("\"q\" 'a'"), "&quot;q&quot; &apos;a&apos;");
        assert_eq!(escape_attr("a\tb\nc\rd"), "a&#x9;b&#xA;c&#xD;d");
        assert_eq!(escape_text("a\r\nb\tc"), "a&#xD;\nb\tc");
        assert_eq!(escape_text("x\u{0}\u{1}\u{8}\u{B}\u{C}\u{1F}y"), "xy");
        assert_eq!(escape_text("x\u{7F}\u{85}\u{9F}\u{FFFE}\u{FFFF}y"), "xy");
        assert_eq!(escape_text("é € 😀 \u{E000}"), "é € 😀 \u{E000}");
    }

    #[test]
    fn tag_uris() {
        let d = jiff::civil::date(2026, 3, 1);
        assert_eq!(
            tag_uri("Security.Example.org", d, "advisories/OBS-SA-2026-0001"),
            "tag:security.example.org,2026-03-01:advisories/OBS-SA-2026-0001"
        );
        assert_eq!(
            tag_uri("x.org", d, "a b#c"),
            "tag:x.org,2026-03-01:a%20b%23c"
        );
    }
}

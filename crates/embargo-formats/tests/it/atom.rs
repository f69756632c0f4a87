//! The Atom feed (`atom::Feed::render`): the output is well-formed XML (checked by a small
//! reader below, since no XML parser is a dependency), has the structure RFC 4287 asks for, and
//! escapes markup and drops characters XML 1.0 does not allow wherever text comes from an
//! advisory.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use embargo_formats::atom::{self, Entry, Feed, Person};

use crate::osv::export::t;

/// One element of the tree the checker reads.
#[derive(Debug)]
struct Element {
    name: String,
    attrs: Vec<(String, String)>,
    text: String,
    children: Vec<Element>,
}

impl Element {
    fn all(&self, name: &str) -> Vec<&Element> {
        self.children.iter().filter(|c| c.name == name).collect()
    }
    fn one(&self, name: &str) -> &Element {
        let found = self.all(name);
        assert_eq!(found.len(), 1, "exactly one <{name}> in <{}>", self.name);
        found[0]
    }
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r')
        || ('\u{20}'..='\u{D7FF}').contains(&c)
        || ('\u{E000}'..='\u{FFFD}').contains(&c)
        || c >= '\u{10000}'
}

/// Decodes character data: only the five predefined entities and character references are
/// allowed (no DTD), and a raw `<` is an error.
fn decode(s: &str) -> String {
    assert!(!s.contains('<'), "raw `<` in character data: {s:?}");
    let mut out = String::new();
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let end = rest[at..]
            .find(';')
            .unwrap_or_else(|| panic!("bare `&` in {s:?}"))
            + at;
        let name = &rest[at + 1..end];
        let c = match name {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            n if n.starts_with("#x") => {
                char::from_u32(u32::from_str_radix(&n[2..], 16).unwrap()).unwrap()
            }
            n if n.starts_with('#') => char::from_u32(n[1..].parse().unwrap()).unwrap(),
            n => panic!("undeclared entity &{n}; in {s:?}"),
        };
        assert!(xml_char(c), "reference to a character XML forbids: {name}");
        out.push(c);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '-' | '_' | '.'))
        && !s.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '.')
}

/// A minimal XML 1.0 reader for what the renderer writes: an XML declaration, one root element,
/// elements with double-quoted attributes, character data; no comments, PIs, CDATA or DTD.
/// Panics on anything not well-formed.
fn parse(xml: &str) -> Element {
    assert!(xml.chars().all(xml_char), "a character XML 1.0 forbids");
    let rest = xml
        .strip_prefix("<?xml version=\"1.0\" encoding=\"utf-8\"?>")
        .expect("XML declaration");
    let mut stack: Vec<Element> = vec![Element {
        name: String::new(),
        attrs: vec![],
        text: String::new(),
        children: vec![],
    }];
    let mut rest = rest;
    while !rest.is_empty() {
        if let Some(tag) = rest.strip_prefix('<') {
            let end = tag.find('>').expect("unclosed tag");
            let inner = &tag[..end];
            rest = &tag[end + 1..];
            if let Some(name) = inner.strip_prefix('/') {
                let el = stack.pop().unwrap();
                assert_eq!(el.name, name.trim_end(), "mismatched end tag");
                stack
                    .last_mut()
                    .expect("end tag without start")
                    .children
                    .push(el);
                continue;
            }
            let (inner, empty) = match inner.strip_suffix('/') {
                Some(i) => (i, true),
                None => (inner, false),
            };
            let (name, mut attrs_text) = inner.split_once(' ').unwrap_or((inner, ""));
            assert!(is_name(name), "element name {name:?}");
            let mut attrs: Vec<(String, String)> = Vec::new();
            loop {
                attrs_text = attrs_text.trim_start();
                if attrs_text.is_empty() {
                    break;
                }
                let (k, v) = attrs_text
                    .split_once("=\"")
                    .expect("attribute with a quoted value");
                assert!(is_name(k), "attribute name {k:?}");
                let close = v.find('"').expect("closing quote");
                let value = decode(&v[..close]);
                assert!(attrs.iter().all(|(x, _)| x != k), "duplicate attribute {k}");
                attrs.push((k.to_owned(), value));
                attrs_text = &v[close + 1..];
                assert!(
                    attrs_text.is_empty() || attrs_text.starts_with(' '),
                    "attributes are separated by blanks"
                );
            }
            let el = Element {
                name: name.to_owned(),
                attrs,
                text: String::new(),
                children: vec![],
            };
            if empty {
                stack.last_mut().unwrap().children.push(el);
            } else {
                stack.push(el);
            }
        } else {
            let end = rest.find('<').unwrap_or(rest.len());
            let text = decode(&rest[..end]);
            let top = stack.last_mut().unwrap();
            assert!(
                !top.name.is_empty() || text.trim().is_empty(),
                "text outside the root element"
            );
            top.text.push_str(&text);
            rest = &rest[end..];
        }
    }
    assert_eq!(stack.len(), 1, "unclosed elements");
    let mut doc = stack.pop().unwrap();
    assert_eq!(doc.children.len(), 1, "one root element");
    doc.children.pop().unwrap()
}

fn feed() -> Feed {
    Feed {
        id: "https://security.example.org/advisories/feed.atom".into(),
        title: "Spartan Conseil & friends <security> advisories".into(),
        link: "https://security.example.org/advisories?lang=en&x=\"1\"".into(),
        updated: t("2026-03-05T12:30:00Z"),
        author: Person {
            name: "Spartan Conseil".into(),
            uri: Some("https://security.example.org".into()),
            email: Some("security@example.org".into()),
        },
        entries: vec![
            Entry {
                id: "https://security.example.org/advisories/OBS-SA-2026-0003".into(),
                title: "OBS-SA-2026-0003: Path traversal in <export> & \"restore\" \u{1}\u{8}\u{1B}[31m\u{FFFF}".into(),
                link: "https://security.example.org/advisories/OBS-SA-2026-0003?a=1&b='2'".into(),
                updated: t("2026-03-05T12:30:00Z"),
                published: Some(t("2026-03-01T09:00:00Z")),
                summary: "Line one\r\nline two with ]]> and <script>alert(1)</script>\u{0}".into(),
                severity: Some("High".into()),
            },
            Entry {
                id: atom::tag_uri(
                    "security.example.org",
                    jiff::civil::date(2026, 2, 1),
                    "advisories/OBS-SA-2026-0002",
                ),
                title: "OBS-SA-2026-0002: Withdrawn (withdrawn)".into(),
                link: "https://security.example.org/advisories/OBS-SA-2026-0002".into(),
                updated: t("2026-02-01T00:00:00Z"),
                published: None,
                summary: "  ".into(),
                severity: None,
            },
        ],
    }
}

#[test]
fn output_is_well_formed_and_structured() {
    let xml = feed().render();
    let root = parse(&xml);
    assert_eq!(root.name, "feed");
    assert_eq!(root.attr("xmlns"), Some("http://www.w3.org/2005/Atom"));
    // RFC 4287 §4.1.1: exactly one id, title, updated, and an author.
    assert_eq!(
        root.one("id").text,
        "https://security.example.org/advisories/feed.atom"
    );
    assert_eq!(
        root.one("title").text,
        "Spartan Conseil & friends <security> advisories"
    );
    assert_eq!(root.one("title").attr("type"), Some("text"));
    assert_eq!(root.one("updated").text, "2026-03-05T12:30:00Z");
    let author = root.one("author");
    assert_eq!(author.one("name").text, "Spartan Conseil");
    assert_eq!(author.one("uri").text, "https://security.example.org");
    assert_eq!(author.one("email").text, "security@example.org");
    let links = root.all("link");
    assert_eq!(links.len(), 2);
    assert_eq!(links[0].attr("rel"), Some("self"));
    assert_eq!(links[0].attr("type"), Some("application/atom+xml"));
    assert_eq!(
        links[0].attr("href"),
        Some("https://security.example.org/advisories/feed.atom")
    );
    assert_eq!(links[1].attr("rel"), Some("alternate"));
    assert_eq!(
        links[1].attr("href"),
        Some("https://security.example.org/advisories?lang=en&x=\"1\"")
    );

    let entries = root.all("entry");
    assert_eq!(entries.len(), 2);
    let e = entries[0];
    assert_eq!(
        e.one("id").text,
        "https://security.example.org/advisories/OBS-SA-2026-0003"
    );
    assert_eq!(e.one("published").text, "2026-03-01T09:00:00Z");
    assert_eq!(e.one("updated").text, "2026-03-05T12:30:00Z");
    assert_eq!(
        e.one("link").attr("href"),
        Some("https://security.example.org/advisories/OBS-SA-2026-0003?a=1&b='2'")
    );
    let category = e.one("category");
    assert_eq!(category.attr("term"), Some("high"));
    assert_eq!(category.attr("label"), Some("High"));
    // The summary keeps its line break (CR as a character reference) and loses the NUL.
    assert_eq!(
        e.one("summary").text,
        "Line one\r\nline two with ]]> and <script>alert(1)</script>"
    );
    let e = entries[1];
    assert_eq!(
        e.one("id").text,
        "tag:security.example.org,2026-02-01:advisories/OBS-SA-2026-0002"
    );
    assert!(e.all("published").is_empty() && e.all("category").is_empty());
    assert!(e.all("summary").is_empty(), "blank summary left out");
}

#[test]
fn markup_in_titles_is_escaped_and_forbidden_characters_dropped() {
    let xml = feed().render();
    assert!(xml.contains(
        "<title type=\"text\">OBS-SA-2026-0003: Path traversal in &lt;export&gt; &amp; \"restore\" [31m</title>"
    ), "{xml}");
    assert!(xml.contains(
        "<title type=\"text\">Spartan Conseil &amp; friends &lt;security&gt; advisories</title>"
    ));
    assert!(
        xml.contains(
            "href=\"https://security.example.org/advisories?lang=en&amp;x=&quot;1&quot;\""
        )
    );
    assert!(xml.contains("?a=1&amp;b=&apos;2&apos;\""));
    assert!(xml.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!xml.contains("<script") && !xml.contains("]]>"));
    assert!(xml.contains("Line one&#xD;\nline two"));
    for c in ['\u{0}', '\u{1}', '\u{8}', '\u{1B}', '\u{FFFF}'] {
        assert!(!xml.contains(c), "{c:?} left in the output");
    }
}

#[test]
fn the_checker_refuses_broken_documents() {
    let decl = "<?xml version=\"1.0\" encoding=\"utf-8\"?>";
    for bad in [
        format!("{decl}<feed><title>a & b</title></feed>"),
        format!("{decl}<feed><title>a < b</title></feed>"),
        format!("{decl}<feed><title>a</feed></title>"),
        format!("{decl}<feed><link href=\"a\"b\"/></feed>"),
        format!("{decl}<feed><title>\u{1}</title></feed>"),
        format!("{decl}<feed></feed><feed></feed>"),
    ] {
        assert!(std::panic::catch_unwind(|| parse(&bad)).is_err(), "{bad}");
    }
    parse(&format!(
        "{decl}<feed><title>a &amp; b &#xD;</title><link href=\"&quot;\"/></feed>"
    ));
}

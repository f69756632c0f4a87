//! Markdown (CommonMark with GFM tables and strikethrough, on pulldown-cmark) to HTML that is
//! safe by construction for our pages: raw HTML is shown as text, links go only to `http`,
//! `https`, `mailto`, relative paths and fragments, images become links (our pages load
//! nothing from elsewhere), and headings start at `<h3>` (the page has the one `<h1>` and its
//! own `<h2>` sections).
//!
//! Safety comes from the event stream, not from cleaning HTML afterwards: pulldown-cmark's
//! writer escapes every text event and attribute value, so the only way to markup is through
//! the events this module lets through.

use pulldown_cmark::{CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd};

/// Whether a link or image destination may be used as it is: a URL with the scheme `http`,
/// `https` or `mailto` (case-insensitive), or one without a scheme (relative path, `//host`,
/// `?query`, `#fragment`). A scheme is whatever precedes the first `:` when no `/`, `?` or
/// `#` comes before it (RFC 3986 §3, §4.2); anything else there (`javascript:`, `data:`,
/// `vbscript:`, and spellings with blanks or controls that browsers would strip) is refused.
pub fn is_safe_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    match lower.split_once(':') {
        Some((scheme, _)) if !scheme.contains(['/', '?', '#']) => {
            matches!(scheme, "http" | "https" | "mailto")
        }
        _ => true,
    }
}

fn shift(l: HeadingLevel) -> HeadingLevel {
    match l {
        HeadingLevel::H1 => HeadingLevel::H3,
        HeadingLevel::H2 => HeadingLevel::H4,
        HeadingLevel::H3 => HeadingLevel::H5,
        _ => HeadingLevel::H6,
    }
}

fn safe(url: CowStr<'_>) -> CowStr<'_> {
    if is_safe_url(&url) {
        url
    } else {
        CowStr::Borrowed("#")
    }
}

/// Renders `md` to HTML for a section of a page.
///
/// - Raw HTML, block and inline, becomes text (a block becomes a paragraph of text).
/// - Link and image destinations go through [`is_safe_url`]; refused ones become `#`.
/// - An image becomes a link to it with its alt text (or its URL when the alt text is empty);
///   an image inside a link keeps only its alt text (a link may not contain a link).
/// - `#` → `<h3>`, `##` → `<h4>`, `###` → `<h5>`, deeper → `<h6>`.
pub fn to_html(md: &str) -> String {
    let events: Vec<Event<'_>> =
        Parser::new_ext(md, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH).collect();
    let mut out: Vec<Event<'_>> = Vec::with_capacity(events.len());
    // Open links, and for each open image whether it became a link.
    let mut links = 0usize;
    let mut images: Vec<bool> = Vec::new();
    let mut iter = events.into_iter().peekable();
    while let Some(e) = iter.next() {
        match e {
            Event::Html(h) | Event::InlineHtml(h) => out.push(Event::Text(h)),
            Event::Start(Tag::HtmlBlock) => out.push(Event::Start(Tag::Paragraph)),
            Event::End(TagEnd::HtmlBlock) => out.push(Event::End(TagEnd::Paragraph)),
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                links += 1;
                out.push(Event::Start(Tag::Link {
                    link_type,
                    dest_url: safe(dest_url),
                    title,
                    id,
                }));
            }
            Event::End(TagEnd::Link) => {
                links = links.saturating_sub(1);
                out.push(Event::End(TagEnd::Link));
            }
            Event::Start(Tag::Image {
                dest_url,
                title,
                id,
                ..
            }) => {
                let as_link = links == 0;
                images.push(as_link);
                if as_link {
                    let empty = matches!(iter.peek(), Some(Event::End(TagEnd::Image)));
                    let dest = safe(dest_url);
                    let text = dest.clone();
                    out.push(Event::Start(Tag::Link {
                        link_type: LinkType::Inline,
                        dest_url: dest,
                        title,
                        id,
                    }));
                    links += 1;
                    if empty {
                        out.push(Event::Text(text));
                    }
                }
            }
            Event::End(TagEnd::Image) => {
                if images.pop().unwrap_or(false) {
                    links = links.saturating_sub(1);
                    out.push(Event::End(TagEnd::Link));
                }
            }
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs,
            }) => out.push(Event::Start(Tag::Heading {
                level: shift(level),
                id,
                classes,
                attrs,
            })),
            Event::End(TagEnd::Heading(l)) => out.push(Event::End(TagEnd::Heading(shift(l)))),
            other => out.push(other),
        }
    }
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, out.into_iter());
    html
}

#[cfg(test)]
mod tests {
    use super::{is_safe_url, to_html};

    #[test]
    fn script_and_raw_html_are_text() {
        let h = to_html("a <script>alert(1)</script> b\n\n<script>\nalert(2)\n</script>\n");
        assert!(!h.contains("<script"), "{h}");
        assert!(
            h.contains("a &lt;script&gt;alert(1)&lt;/script&gt; b"),
            "{h}"
        );
        assert!(
            h.contains("<p>&lt;script&gt;\nalert(2)\n&lt;/script&gt;\n</p>"),
            "{h}"
        );
        let h = to_html("<img src=x onerror=alert(1)>\n\ntext <b onmouseover=\"x()\">bold</b>");
        assert!(!h.contains("<img") && !h.contains("<b "), "{h}");
        assert!(h.contains("&lt;img src=x onerror=alert(1)&gt;"), "{h}");
        assert!(
            h.contains("&lt;b onmouseover=\"x()\"&gt;bold&lt;/b&gt;"),
            "{h}"
        );
        let h = to_html("<!-- hidden --> <?php x ?> <![CDATA[y]]>");
        assert!(
            !h.contains("<!--") && !h.contains("<?") && !h.contains("<!["),
            "{h}"
        );
    }

    #[test]
    fn unsafe_link_schemes_become_fragments() {
        for md in [
            "[x](javascript:alert(1))",
            "[x](JaVaScRiPt:alert(1))",
            "[x](<java script:alert(1)>)",
            "[x](javascript&#58;alert(1))",
            "[x](&#x6A;avascript:alert(1))",
            "[x](data:text/html;base64,PHNjcmlwdD4=)",
            "[x](vbscript:msgbox)",
            "<javascript:alert(1)>",
            "[x][r]\n\n[r]: javascript:alert(1)",
        ] {
            let h = to_html(md);
            // The only destination written is `#` (an autolink still shows its text).
            assert_eq!(h.matches("href=").count(), 1, "{md}: {h}");
            assert!(h.contains("href=\"#\""), "{md}: {h}");
        }
    }

    #[test]
    fn safe_links_and_autolinks_are_kept() {
        let h = to_html(
            "[ok](https://example.org/a?b=1&c=2 \"t\\\"q\") [rel](/advisories) [frag](#x) [mail](mailto:a@example.org) <https://auto.example> <sec@example.org>",
        );
        assert!(
            h.contains("<a href=\"https://example.org/a?b=1&amp;c=2\" title=\"t&quot;q\">ok</a>"),
            "{h}"
        );
        assert!(h.contains("href=\"/advisories\""), "{h}");
        assert!(h.contains("href=\"#x\""), "{h}");
        assert!(h.contains("href=\"mailto:a@example.org\""), "{h}");
        assert!(
            h.contains("<a href=\"https://auto.example\">https://auto.example</a>"),
            "{h}"
        );
        assert!(
            h.contains("<a href=\"mailto:sec@example.org\">sec@example.org</a>"),
            "{h}"
        );
        // A quote in a URL cannot break out of the attribute.
        let h = to_html("[x](https://e.example/\"onmouseover=\"x)");
        assert!(
            !h.contains("\" onmouseover") && !h.contains("\"onmouseover=\""),
            "{h}"
        );
    }

    #[test]
    fn images_become_links() {
        let h = to_html("![diagram](https://example.org/d.png) ![](https://example.org/e.png)");
        assert!(!h.contains("<img"), "{h}");
        assert!(
            h.contains("<a href=\"https://example.org/d.png\">diagram</a>"),
            "{h}"
        );
        assert!(
            h.contains("<a href=\"https://example.org/e.png\">https://example.org/e.png</a>"),
            "{h}"
        );
        let h = to_html("![x](javascript:alert(1))");
        assert!(h.contains("<a href=\"#\">x</a>"), "{h}");
        // An image inside a link: no nested anchors.
        let h = to_html("[![badge](https://img.example/b.svg)](https://example.org)");
        assert_eq!(h, "<p><a href=\"https://example.org\">badge</a></p>\n");
    }

    #[test]
    fn headings_shift_and_entities_and_code() {
        let h = to_html("# Top\n\n## Sub\n\n#### Deep");
        assert!(!h.contains("<h1") && !h.contains("<h2"), "{h}");
        assert!(
            h.contains("<h3>Top</h3>") && h.contains("<h4>Sub</h4>"),
            "{h}"
        );
        assert!(h.contains("<h6>Deep</h6>"), "{h}");
        let h = to_html("AT&amp;T &lt;b&gt; &copy; &#60;i&#62; & <");
        assert!(
            h.contains("AT&amp;T &lt;b&gt; © &lt;i&gt; &amp; &lt;"),
            "{h}"
        );
        let h = to_html("```html\n<b>code</b> & \"q\"\n```\n\n`<i>x</i>`");
        assert!(
            h.contains("<pre><code class=\"language-html\">&lt;b&gt;code&lt;/b&gt; &amp; \"q\"\n</code></pre>"),
            "{h}"
        );
        assert!(h.contains("<code>&lt;i&gt;x&lt;/i&gt;</code>"), "{h}");
        let h = to_html("```\"><script>x</script>\nbody\n```");
        assert!(!h.contains("<script"), "{h}");
    }

    #[test]
    fn tables_and_strikethrough() {
        let h = to_html("| a | b |\n|---|---|\n| <i>1</i> | ~~2~~ |");
        assert!(h.contains("<table>") && h.contains("<del>2</del>"), "{h}");
        assert!(h.contains("&lt;i&gt;1&lt;/i&gt;"), "{h}");
    }

    #[test]
    fn url_check() {
        for ok in [
            "https://a.example",
            "HTTP://a.example",
            "mailto:x@y",
            "/p",
            "p/q:r",
            "?a=b:c",
            "#f",
            "//host/x",
            "",
        ] {
            assert!(is_safe_url(ok), "{ok}");
        }
        for bad in [
            "javascript:x",
            " javascript:x",
            "\u{1}javascript:x",
            "java\tscript:x",
            "data:x",
            "file:///etc/passwd",
            "ftp://x",
        ] {
            assert!(!is_safe_url(bad), "{bad}");
        }
    }
}

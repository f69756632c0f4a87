//! Markdown (CommonMark, on pulldown-cmark) to HTML that is safe by construction for our pages:
//! raw HTML is shown as text, links only to http(s), mailto, relative paths and fragments,
//! images become links (no remote loads from our pages), headings start at `<h3>`.

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

fn safe_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    match lower.split_once(':') {
        // A scheme before any `/`, `?` or `#`: only these.
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

/// Renders `md` to HTML for a page section.
pub fn to_html(md: &str) -> String {
    let parser = Parser::new_ext(md, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH).map(
        |e| match e {
            Event::Html(h) | Event::InlineHtml(h) => Event::Text(h),
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => Event::Start(Tag::Link {
                link_type,
                dest_url: if safe_url(&dest_url) {
                    dest_url
                } else {
                    CowStr::from("#")
                },
                title,
                id,
            }),
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => Event::Start(Tag::Link {
                link_type,
                dest_url: if safe_url(&dest_url) {
                    dest_url
                } else {
                    CowStr::from("#")
                },
                title,
                id,
            }),
            Event::End(TagEnd::Image) => Event::End(TagEnd::Link),
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs,
            }) => Event::Start(Tag::Heading {
                level: shift(level),
                id,
                classes,
                attrs,
            }),
            Event::End(TagEnd::Heading(l)) => Event::End(TagEnd::Heading(shift(l))),
            other => other,
        },
    );
    let mut out = String::new();
    pulldown_cmark::html::push_html(&mut out, parser);
    out
}

#[cfg(test)]
mod tests {
    use super::to_html;

    #[test]
    fn raw_html_and_unsafe_links_are_neutralised() {
        let h = to_html(
            "a <script>alert(1)</script> b\n\n<img src=x onerror=alert(1)>\n\n[x](javascript:alert(1)) [y](JaVaScRiPt:alert(1)) [ok](https://example.org/a?b=1&c=2) [rel](/advisories) <https://auto.example>",
        );
        assert!(
            !h.contains("<script") && h.contains("&lt;script&gt;"),
            "{h}"
        );
        assert!(!h.contains("<img"), "{h}");
        assert!(!h.to_lowercase().contains("javascript:"), "{h}");
        assert!(
            h.contains("href=\"https://example.org/a?b=1&amp;c=2\""),
            "{h}"
        );
        assert!(
            h.contains("href=\"/advisories\"") && h.contains("href=\"https://auto.example\""),
            "{h}"
        );
    }

    #[test]
    fn images_become_links_and_headings_shift() {
        let h = to_html("# Top\n\n![diagram](https://example.org/d.png)\n\n```\n<b>code</b>\n```");
        assert!(h.contains("<h3>Top</h3>") && !h.contains("<h1>"), "{h}");
        assert!(
            h.contains("<a href=\"https://example.org/d.png\">diagram</a>"),
            "{h}"
        );
        assert!(h.contains("&lt;b&gt;code&lt;/b&gt;"), "{h}");
    }
}

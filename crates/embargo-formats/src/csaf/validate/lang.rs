//! Language tags for §6.1.12: the BCP 47 grammar (RFC 5646 §2.1) and the two-letter primary
//! language subtags of the IANA registry (ISO 639-1 plus the registry's deprecated `in`, `iw`,
//! `ji`, `jw`, `mo` and `sh`). The full registry is not bundled: see the parent module.

/// ISO 639-1 codes as registered in the IANA Language Subtag Registry.
const ISO_639_1: &[&str] = &[
    "aa", "ab", "ae", "af", "ak", "am", "an", "ar", "as", "av", "ay", "az", "ba", "be", "bg", "bh",
    "bi", "bm", "bn", "bo", "br", "bs", "ca", "ce", "ch", "co", "cr", "cs", "cu", "cv", "cy", "da",
    "de", "dv", "dz", "ee", "el", "en", "eo", "es", "et", "eu", "fa", "ff", "fi", "fj", "fo", "fr",
    "fy", "ga", "gd", "gl", "gn", "gu", "gv", "ha", "he", "hi", "ho", "hr", "ht", "hu", "hy", "hz",
    "ia", "id", "ie", "ig", "ii", "ik", "in", "io", "is", "it", "iu", "iw", "ja", "ji", "jv", "jw",
    "ka", "kg", "ki", "kj", "kk", "kl", "km", "kn", "ko", "kr", "ks", "ku", "kv", "kw", "ky", "la",
    "lb", "lg", "li", "ln", "lo", "lt", "lu", "lv", "mg", "mh", "mi", "mk", "ml", "mn", "mo", "mr",
    "ms", "mt", "my", "na", "nb", "nd", "ne", "ng", "nl", "nn", "no", "nr", "nv", "ny", "oc", "oj",
    "om", "or", "os", "pa", "pi", "pl", "ps", "pt", "qu", "rm", "rn", "ro", "ru", "rw", "sa", "sc",
    "sd", "se", "sg", "sh", "si", "sk", "sl", "sm", "sn", "so", "sq", "sr", "ss", "st", "su", "sv",
    "sw", "ta", "te", "tg", "th", "ti", "tk", "tl", "tn", "to", "tr", "ts", "tt", "tw", "ty", "ug",
    "uk", "ur", "uz", "ve", "vi", "vo", "wa", "wo", "xh", "yi", "yo", "za", "zh", "zu",
];

/// RFC 5646 §2.2.8 grandfathered tags (irregular and regular).
const GRANDFATHERED: &[&str] = &[
    "en-gb-oed",
    "i-ami",
    "i-bnn",
    "i-default",
    "i-enochian",
    "i-hak",
    "i-klingon",
    "i-lux",
    "i-mingo",
    "i-navajo",
    "i-pwn",
    "i-tao",
    "i-tay",
    "i-tsu",
    "sgn-be-fr",
    "sgn-be-nl",
    "sgn-ch-de",
    "art-lojban",
    "cel-gaulish",
    "no-bok",
    "no-nyn",
    "zh-guoyu",
    "zh-hakka",
    "zh-min",
    "zh-min-nan",
    "zh-xiang",
];

fn alpha(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_alphabetic())
}

fn alnum(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Why `tag` is not a valid, existing language tag, or `None` when it is.
pub(super) fn problem(tag: &str) -> Option<String> {
    let lower = tag.to_ascii_lowercase();
    if GRANDFATHERED.contains(&lower.as_str()) {
        return None;
    }
    let parts: Vec<&str> = lower.split('-').collect();
    if parts.iter().any(|p| p.is_empty() || !alnum(p)) {
        return Some(format!(
            "`{tag}` is not a BCP 47 language tag (RFC 5646 §2.1)"
        ));
    }
    let mut it = parts.iter().copied().peekable();
    let Some(first) = it.next() else {
        return Some("the language tag is empty".to_owned());
    };
    if first == "x" {
        // A private-use tag: `x-` and 1–8 alphanumerics per subtag.
        return (parts.len() < 2 || parts[1..].iter().any(|p| p.len() > 8))
            .then(|| format!("`{tag}` is not a valid private-use language tag"));
    }
    match first.len() {
        2 if alpha(first) => {
            if !ISO_639_1.contains(&first) {
                return Some(format!(
                    "`{first}` in `{tag}` is not a registered language subtag (ISO 639-1)"
                ));
            }
        }
        3 if alpha(first) => {}
        4 if alpha(first) => {
            return Some(format!(
                "`{first}` in `{tag}`: four-letter language subtags are reserved (RFC 5646 §2.2.1)"
            ));
        }
        5..=8 if alpha(first) => {}
        _ => return Some(format!("`{first}` in `{tag}` is not a language subtag")),
    }
    // extlang: up to three 3-letter subtags after a 2–3 letter language.
    if first.len() <= 3 {
        for _ in 0..3 {
            match it.peek() {
                Some(p) if p.len() == 3 && alpha(p) => {
                    it.next();
                }
                _ => break,
            }
        }
    }
    if it.peek().is_some_and(|p| p.len() == 4 && alpha(p)) {
        it.next(); // script
    }
    if it.peek().is_some_and(|p| {
        (p.len() == 2 && alpha(p)) || (p.len() == 3 && p.bytes().all(|b| b.is_ascii_digit()))
    }) {
        it.next(); // region
    }
    while it.peek().is_some_and(|p| {
        (5..=8).contains(&p.len()) || (p.len() == 4 && p.as_bytes()[0].is_ascii_digit())
    }) {
        it.next(); // variant
    }
    // Extensions (a singleton other than `x`, then 2–8 alphanumerics) and a private-use tail.
    while let Some(p) = it.next() {
        if p.len() != 1 {
            return Some(format!("`{p}` is out of place in the language tag `{tag}`"));
        }
        // Extension subtags are 2–8 long, private-use ones 1–8.
        let min = if p == "x" { 1 } else { 2 };
        let mut n = 0;
        while it.peek().is_some_and(|q| (min..=8).contains(&q.len())) {
            it.next();
            n += 1;
        }
        if n == 0 {
            return Some(format!("the singleton `{p}` in `{tag}` has no subtags"));
        }
        if p == "x" {
            break;
        }
    }
    it.next()
        .map(|rest| format!("`{rest}` is out of place in the language tag `{tag}`"))
}

#[cfg(test)]
mod tests {
    use super::problem;

    #[test]
    fn language_tags() {
        for ok in [
            "en",
            "en-US",
            "de-DE",
            "zh-Hant-TW",
            "sr-Latn-RS",
            "i-klingon",
            "x-private",
            "en-GB-oed",
            "es-419",
            "de-CH-1901",
            "en-a-bbb-x-ccc",
        ] {
            assert_eq!(problem(ok), None, "{ok}");
        }
        for bad in ["EZ", "e", "en--US", "en-US-", "abcd", "en_US", "12", "en-a"] {
            assert!(problem(bad).is_some(), "{bad}");
        }
    }
}

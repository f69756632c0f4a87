//! Fuzzes the package URL parser. Any input must parse or be rejected without a panic; a purl
//! that parses renders to a canonical string that parses again to an equal purl (and renders
//! identically), strictly and leniently.

#![no_main]

use embargo_domain::purl::Purl;
use libfuzzer_sys::fuzz_target;

fn round_trip(p: &Purl, input: &str) {
    let text = p.to_string();
    let again = match Purl::parse(&text) {
        Ok(a) => a,
        Err(e) => panic!("{input:?} → {p:?} renders as {text:?}, which does not parse: {e}"),
    };
    assert_eq!(&again, p, "{input:?} → {text:?} parses to a different purl");
    assert_eq!(again.to_string(), text, "rendering is not canonical");
    // The package (no version) and a purl built back from the parts are valid too.
    let _ = p.package().to_string();
    let rebuilt = Purl::from_parts(p.to_parts());
    assert!(
        rebuilt.is_ok(),
        "{p:?}: from_parts(to_parts()) failed: {rebuilt:?}"
    );
}

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    match Purl::parse(s) {
        Ok(p) => round_trip(&p, s),
        Err(e) => {
            let _ = e.to_string();
        }
    }
    if let Ok(p) = Purl::parse_lenient(s) {
        round_trip(&p, s);
    }
});

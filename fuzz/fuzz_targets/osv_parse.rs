//! Fuzzes the OSV reader: every input is read as JSON and as YAML. Any input must parse or be
//! rejected without a panic; a parsed record's enumerated versions are evaluated against its
//! ranges, and a JSON record re-serialised to JSON parses back equal.

#![no_main]

use embargo_formats::osv;
use libfuzzer_sys::fuzz_target;

fn exercise(v: &osv::Vulnerability) {
    let _ = v.is_withdrawn();
    for a in &v.affected {
        let _ = a.domain_ranges();
        for version in a.versions.iter().take(8) {
            let _ = a.affects(version);
            let _ = a.ranges_affect(version);
        }
        if let Some(p) = &a.package {
            let _ = v.affects(&p.ecosystem, &p.name, "1.0.0");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match osv::from_json(text) {
        Ok(v) => {
            exercise(&v);
            let json = match serde_json::to_string(&v) {
                Ok(j) => j,
                Err(e) => panic!("a parsed record does not serialise: {e}"),
            };
            match osv::from_json(&json) {
                Ok(back) => assert_eq!(back, v, "JSON round trip changed the record"),
                Err(e) => panic!("re-serialised record does not parse: {e}\n{json}"),
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
    // YAML is a superset of JSON, so every input is also tried as YAML.
    match osv::from_yaml(text) {
        Ok(v) => exercise(&v),
        Err(e) => {
            let _ = e.to_string();
        }
    }
});

//! Package keys: the one normalised spelling of a package under which the feed indexes records
//! and looks purls up. A key is the canonical purl of the package without version, qualifiers
//! and subpath (`pkg:pypi/django`, `pkg:golang/github.com/gin-gonic/gin`), so an OSV
//! `(ecosystem, name)` and a purl naming the same package meet on the same string.

use std::collections::BTreeMap;

use embargo_domain::purl::{Purl, PurlError, PurlParts};

/// The purl type (and fixed namespace, for distributions) of an OSV ecosystem
/// (`osv-schema/ecosystems.json`, purl-spec `types/`). A `:<release>` suffix is ignored:
/// `Debian:12` and `Debian:11` are the same package names.
fn purl_type(ecosystem: &str) -> Option<(&'static str, Option<&'static str>)> {
    let base = ecosystem.split_once(':').map_or(ecosystem, |(b, _)| b);
    Some(match base {
        "PyPI" => ("pypi", None),
        "npm" => ("npm", None),
        "Go" => ("golang", None),
        "crates.io" => ("cargo", None),
        "Maven" => ("maven", None),
        "RubyGems" => ("gem", None),
        "NuGet" => ("nuget", None),
        "Packagist" => ("composer", None),
        "Hex" => ("hex", None),
        "Pub" => ("pub", None),
        "Hackage" => ("hackage", None),
        "CRAN" => ("cran", None),
        "SwiftURL" => ("swift", None),
        "Debian" => ("deb", Some("debian")),
        "Ubuntu" => ("deb", Some("ubuntu")),
        "Alpine" => ("apk", Some("alpine")),
        "Wolfi" => ("apk", Some("wolfi")),
        "Chainguard" => ("apk", Some("chainguard")),
        "Red Hat" => ("rpm", Some("redhat")),
        "AlmaLinux" => ("rpm", Some("almalinux")),
        "Rocky Linux" => ("rpm", Some("rocky-linux")),
        "openSUSE" => ("rpm", Some("opensuse")),
        "SUSE" => ("rpm", Some("suse")),
        "Mageia" => ("rpm", Some("mageia")),
        "openEuler" => ("rpm", Some("openeuler")),
        _ => return None,
    })
}

/// The key of a purl: type, namespace and name in canonical form. PyPI names get PEP 503's
/// full normalisation (runs of `-`, `_`, `.` become one `-`), which the purl spec only partly
/// asks for (`_` → `-`), because PyPI treats `zope.interface` and `zope-interface` as one
/// project.
pub fn key_of_purl(purl: &Purl) -> String {
    let base = purl.package();
    if base.ty() != "pypi" {
        return base.to_string();
    }
    let mut name = String::with_capacity(base.name().len());
    let mut in_run = false;
    for c in base.name().chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_run {
                name.push('-');
            }
            in_run = true;
        } else {
            name.push(c);
            in_run = false;
        }
    }
    format!("pkg:pypi/{name}")
}

/// Splits an OSV package name into purl namespace and name where the ecosystem nests them.
fn split_name<'a>(ty: &str, name: &'a str) -> (Option<&'a str>, &'a str) {
    match ty {
        "maven" => match name.split_once(':') {
            Some((g, a)) => (Some(g), a),
            None => (None, name),
        },
        "golang" | "npm" | "composer" | "swift" => match name.rsplit_once('/') {
            Some((ns, n)) => (Some(ns), n),
            None => (None, name),
        },
        _ => (None, name),
    }
}

/// The purl (without version) of an OSV package, when the ecosystem has a purl type.
pub fn purl_of_package(ecosystem: &str, name: &str) -> Option<Result<Purl, PurlError>> {
    let (ty, fixed_ns) = purl_type(ecosystem)?;
    let (ns, n) = split_name(ty, name);
    Some(Purl::from_parts(PurlParts {
        ty: Some(ty.to_owned()),
        namespace: fixed_ns.map(str::to_owned).or(ns.map(str::to_owned)),
        name: Some(n.to_owned()),
        version: None,
        qualifiers: BTreeMap::new(),
        subpath: None,
    }))
}

/// The key under which an OSV `affected[].package` is indexed: from its ecosystem and name
/// when the ecosystem maps to a purl type, else from its own `purl` field, else a key of our
/// own (`osv:<ecosystem>/<name>`) that no purl query can collide with.
pub fn key_of_package(ecosystem: &str, name: &str, purl: Option<&str>) -> String {
    if let Some(Ok(p)) = purl_of_package(ecosystem, name) {
        return key_of_purl(&p);
    }
    if let Some(Ok(p)) = purl.map(Purl::parse_lenient) {
        return key_of_purl(&p);
    }
    let base = ecosystem.split_once(':').map_or(ecosystem, |(b, _)| b);
    format!("osv:{base}/{name}")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn purl_key(s: &str) -> String {
        key_of_purl(&Purl::parse(s).unwrap())
    }

    #[test]
    fn osv_packages_and_purls_meet_on_one_key() {
        let cases = [
            ("PyPI", "Django", "pkg:pypi/django@4.2"),
            ("PyPI", "zope.interface", "pkg:pypi/zope-interface"),
            (
                "PyPI",
                "typing_extensions",
                "pkg:pypi/typing-extensions@4.0.0",
            ),
            (
                "Go",
                "github.com/gin-gonic/gin",
                "pkg:golang/github.com/gin-gonic/gin@v1.9.0",
            ),
            ("crates.io", "tokio", "pkg:cargo/tokio@1.0.0"),
            ("npm", "@babel/core", "pkg:npm/%40babel/core@7.0.0"),
            (
                "Maven",
                "org.apache.logging.log4j:log4j-core",
                "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.0",
            ),
            (
                "Debian:12",
                "openssl",
                "pkg:deb/debian/openssl@3.0.11-1?distro=bookworm",
            ),
        ];
        for (eco, name, purl) in cases {
            assert_eq!(
                key_of_package(eco, name, None),
                purl_key(purl),
                "{eco} {name}"
            );
        }
    }

    #[test]
    fn unknown_ecosystems_get_a_key_of_their_own() {
        assert_eq!(
            key_of_package("Linux", "kernel", None),
            "osv:Linux/kernel".to_owned()
        );
        // The purl spec requires a namespace for golang; Go's standard library has none.
        assert_eq!(key_of_package("Go", "stdlib", None), "osv:Go/stdlib");
        assert_eq!(
            key_of_package("GIT", "x", Some("pkg:github/acme/x")),
            "pkg:github/acme/x".to_owned()
        );
    }
}

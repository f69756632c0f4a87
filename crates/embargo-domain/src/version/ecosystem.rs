//! Which [`Scheme`] orders the versions of an OSV ecosystem (`osv-schema/ecosystems.json`) or
//! of a purl type (`purl-spec/types/`).

use super::Scheme;

/// The scheme for an OSV `affected[].package.ecosystem` value. A `:<release>` suffix
/// (`Debian:12`, `Alpine:v3.20`, `Maven:https://…`) is ignored. `None` means Embargo has no
/// ordering for that ecosystem (Android, Linux, GIT-only ecosystems…): callers must not guess.
pub fn scheme_for_osv_ecosystem(ecosystem: &str) -> Option<Scheme> {
    let base = ecosystem.split_once(':').map_or(ecosystem, |(b, _)| b);
    Some(match base {
        "crates.io" | "Hex" | "Pub" | "SwiftURL" => Scheme::SemVer,
        "npm" => Scheme::Npm,
        "Go" | "Kubernetes" => Scheme::Go,
        "NuGet" => Scheme::NuGet,
        "PyPI" => Scheme::Pep440,
        "Maven" => Scheme::Maven,
        "Debian" | "Ubuntu" => Scheme::Debian,
        "Alpine" | "Wolfi" | "Chainguard" => Scheme::Alpine,
        "AlmaLinux" | "Rocky Linux" | "Red Hat" | "openSUSE" | "SUSE" | "Mageia" | "Photon OS"
        | "openEuler" | "Azure Linux" => Scheme::Rpm,
        "RubyGems" => Scheme::RubyGems,
        _ => return None,
    })
}

/// The scheme for a purl type (`cargo`, `pypi`, `deb`…).
pub fn scheme_for_purl_type(ty: &str) -> Option<Scheme> {
    Some(match ty {
        "cargo" | "hex" | "pub" | "swift" => Scheme::SemVer,
        "npm" => Scheme::Npm,
        "golang" => Scheme::Go,
        "nuget" => Scheme::NuGet,
        "pypi" => Scheme::Pep440,
        "maven" => Scheme::Maven,
        "deb" => Scheme::Debian,
        "rpm" => Scheme::Rpm,
        "gem" => Scheme::RubyGems,
        "apk" => Scheme::Alpine,
        _ => return None,
    })
}

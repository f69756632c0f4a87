//! Per-type purl rules: the registered types of `purl-spec/types/*-definition.json` (required or
//! prohibited namespace, case folding, required qualifiers, permitted characters) and the few
//! type-specific normalisations the definitions and the test suite demand.
//!
//! The table is data compiled into the binary (domain code does no I/O); a test in
//! `tests/it/purl.rs` checks it against the definition files in `fixtures/purl/types/`.

use super::{Component, PurlError};

/// Whether a type requires, allows or prohibits a namespace (`namespace_definition.requirement`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requirement {
    Optional,
    Required,
    Prohibited,
}

/// The rules of one registered purl type.
#[derive(Debug, Clone, Copy)]
pub struct TypeRule {
    /// The lower-case type name.
    pub ty: &'static str,
    /// `namespace_definition.requirement`.
    pub namespace: Requirement,
    /// `namespace_definition.case_sensitive == false`: lower-cased in the canonical form.
    pub namespace_lowercase: bool,
    /// `name_definition.case_sensitive == false`.
    pub name_lowercase: bool,
    /// `version_definition.case_sensitive == false`.
    pub version_lowercase: bool,
    /// `subpath_definition.case_sensitive == false`.
    pub subpath_lowercase: bool,
    /// Qualifiers whose `requirement` is `required`.
    pub required_qualifiers: &'static [&'static str],
}

use Requirement::{Optional as O, Prohibited as P, Required as R};

const fn rule(
    ty: &'static str,
    namespace: Requirement,
    case: (bool, bool, bool, bool),
    required_qualifiers: &'static [&'static str],
) -> TypeRule {
    TypeRule {
        ty,
        namespace,
        namespace_lowercase: case.0,
        name_lowercase: case.1,
        version_lowercase: case.2,
        subpath_lowercase: case.3,
        required_qualifiers,
    }
}

/// Case folding flags: (namespace, name, version, subpath) lower-cased.
const NONE: (bool, bool, bool, bool) = (false, false, false, false);
const NS_NAME: (bool, bool, bool, bool) = (true, true, false, false);
const NAME: (bool, bool, bool, bool) = (false, true, false, false);

/// Registered types, transcribed from `types/*-definition.json` at purl-spec
/// `16f3d0e39343d47d1ac3d559b7e110f25eac1513`. Unregistered types get no extra rules.
pub const TYPES: &[TypeRule] = &[
    rule("alpm", R, NS_NAME, &[]),
    rule("apk", R, NS_NAME, &[]),
    rule("bazel", P, NONE, &[]),
    rule("bitbucket", R, NS_NAME, &[]),
    rule("bitnami", P, NAME, &[]),
    rule("brew", O, NS_NAME, &[]),
    rule("cargo", P, NONE, &[]),
    rule("chrome-extension", P, NAME, &[]),
    rule("cocoapods", P, NONE, &[]),
    rule("composer", R, NS_NAME, &[]),
    rule("conan", O, NONE, &[]),
    rule("conda", P, NONE, &[]),
    rule("cpan", O, NONE, &[]),
    rule("cran", P, NONE, &[]),
    rule("deb", R, NS_NAME, &[]),
    rule("docker", O, NONE, &[]),
    rule("gem", P, NONE, &[]),
    rule("generic", O, NONE, &[]),
    rule("git", R, NONE, &[]),
    rule("github", R, NS_NAME, &[]),
    rule("golang", R, NONE, &[]),
    rule("hackage", P, NONE, &[]),
    rule("hex", O, NS_NAME, &[]),
    rule("huggingface", R, (false, false, true, false), &[]),
    rule("julia", P, NONE, &["uuid"]),
    rule("luarocks", O, NS_NAME, &[]),
    rule("maven", R, NONE, &[]),
    rule("mlflow", P, NONE, &[]),
    rule("npm", O, NONE, &[]),
    rule("nuget", P, NONE, &[]),
    rule("oci", P, (false, true, true, false), &[]),
    rule("opam", P, NONE, &[]),
    rule("otp", P, (false, true, false, true), &[]),
    rule("pub", P, NAME, &[]),
    rule("pypi", P, (false, true, true, false), &[]),
    rule("qpkg", R, (true, false, false, false), &[]),
    rule("rpm", R, (true, false, false, false), &[]),
    rule("swid", O, NONE, &["tag_id"]),
    rule("swift", R, NONE, &[]),
    rule("vcpkg", P, NONE, &[]),
    rule("vscode-extension", R, (true, true, true, false), &[]),
    rule("yocto", O, (true, false, false, false), &[]),
];

/// The rule for `ty`, if it is a registered type.
pub fn rule_for(ty: &str) -> Option<&'static TypeRule> {
    TYPES.iter().find(|r| r.ty == ty)
}

/// Applies case folding and the type-specific normalisations to decoded components.
pub(crate) fn normalize(
    ty: &str,
    namespace: &mut Option<String>,
    name: &mut String,
    version: &mut Option<String>,
    qualifiers: &std::collections::BTreeMap<String, String>,
    subpath: &mut Option<String>,
) {
    let Some(rule) = rule_for(ty) else { return };
    if rule.namespace_lowercase
        && let Some(ns) = namespace
    {
        *ns = ns.to_ascii_lowercase();
    }
    if rule.name_lowercase {
        *name = name.to_ascii_lowercase();
    }
    if rule.version_lowercase
        && let Some(v) = version
    {
        *v = v.to_ascii_lowercase();
    }
    if rule.subpath_lowercase
        && let Some(s) = subpath
    {
        *s = s.to_ascii_lowercase();
    }
    match ty {
        // pypi-definition.json: "Replace underscore _ with dash -" (PEP 503 names).
        "pypi" => *name = name.replace('_', "-"),
        // mlflow-definition.json: Databricks model names are case-insensitive and lower-cased;
        // Azure ML names are case-sensitive and kept. The server is told by repository_url.
        "mlflow"
            if qualifiers
                .get("repository_url")
                .is_some_and(|u| u.contains("databricks")) =>
        {
            *name = name.to_ascii_lowercase();
        }
        _ => {}
    }
}

/// Checks the type rules that can reject a purl (after normalisation).
pub(crate) fn validate(
    ty: &str,
    namespace: Option<&str>,
    name: &str,
    version: Option<&str>,
    qualifiers: &std::collections::BTreeMap<String, String>,
) -> Result<(), PurlError> {
    let Some(rule) = rule_for(ty) else {
        return Ok(());
    };
    match (rule.namespace, namespace) {
        (Requirement::Required, None) => {
            return Err(PurlError::NamespaceRequired { ty: ty.to_owned() });
        }
        (Requirement::Prohibited, Some(_)) => {
            return Err(PurlError::NamespaceProhibited { ty: ty.to_owned() });
        }
        _ => {}
    }
    for key in rule.required_qualifiers {
        if !qualifiers.contains_key(*key) {
            return Err(PurlError::QualifierRequired {
                ty: ty.to_owned(),
                key: (*key).to_owned(),
            });
        }
    }
    let not_permitted = |component, reason: &'static str| PurlError::NotPermitted {
        ty: ty.to_owned(),
        component,
        reason,
    };
    match ty {
        // cpan-definition.json: "A distribution name shall not contain the string '::'" (a
        // module name such as URI::PackageURL is not a distribution name).
        "cpan" if name.contains("::") => Err(not_permitted(
            Component::Name,
            "a CPAN distribution name must not contain '::' (use the distribution, e.g. URI-PackageURL)",
        )),
        // chrome-extension-definition.json: name `^[a-p]{32}$`, version `^\d+(\.\d+){0,3}$`.
        "chrome-extension" => {
            if name.len() != 32 || !name.bytes().all(|b| (b'a'..=b'p').contains(&b)) {
                return Err(not_permitted(
                    Component::Name,
                    "a Chrome extension id is 32 letters a-p",
                ));
            }
            if let Some(v) = version {
                let parts: Vec<&str> = v.split('.').collect();
                let ok = parts.len() <= 4
                    && parts
                        .iter()
                        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
                if !ok {
                    return Err(not_permitted(
                        Component::Version,
                        "a Chrome extension version is 1 to 4 dot-separated integers",
                    ));
                }
            }
            Ok(())
        }
        // pub-definition.json: "The only allowed characters are [a-z0-9_]".
        "pub"
            if !name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') =>
        {
            Err(not_permitted(
                Component::Name,
                "a pub package name uses only [a-z0-9_]",
            ))
        }
        _ => Ok(()),
    }
}

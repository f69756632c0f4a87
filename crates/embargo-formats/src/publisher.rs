//! Who publishes an advisory and where: the facts every export needs besides the record, and
//! the one place that spells the public URLs of the published files.

use embargo_domain::advisory::AdvisoryId;

/// The publishing organisation and instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publisher {
    /// Organisation name ("Spartan Conseil"): CSAF `publisher.name`, CVE assigner short name
    /// when none is configured.
    pub name: String,
    /// The instance's public base URL without a trailing slash
    /// (`https://security.example.org`): CSAF `publisher.namespace` and every link.
    pub base_url: String,
    /// Security contact (`mailto:` or URL): CSAF `publisher.contact_details`.
    pub contact: Option<String>,
    /// The program's product name (CVE `affected[].product` when the record has no package).
    pub product: String,
    /// CVE Services organisation UUID and short name, when the program is (or uses) a CNA.
    pub cve_org_id: Option<String>,
    /// CVE Services short name.
    pub cve_short_name: Option<String>,
}

impl Publisher {
    /// `{base}/advisories/{id}`: the public HTML page.
    pub fn advisory_url(&self, id: &AdvisoryId) -> String {
        format!("{}/advisories/{id}", self.base_url)
    }

    /// The CSAF file name (CSAF 2.0 §5.1: lower case, `+`/`_`… replaced): `obs-sa-2026-0001.json`.
    pub fn csaf_file_name(id: &AdvisoryId) -> String {
        let lower: String = id
            .as_str()
            .chars()
            .map(|c| {
                let c = c.to_ascii_lowercase();
                if c.is_ascii_alphanumeric() || c == '+' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        format!("{lower}.json")
    }

    /// `{base}/.well-known/csaf/white/{year}/{file}` (CSAF 2.0 §7.1.11 folder per year, TLP:WHITE
    /// distribution only: Embargo publishes nothing restricted).
    pub fn csaf_url(&self, id: &AdvisoryId) -> String {
        format!(
            "{}/.well-known/csaf/white/{}/{}",
            self.base_url,
            id.year(),
            Self::csaf_file_name(id)
        )
    }

    /// `{base}/.well-known/csaf/provider-metadata.json`.
    pub fn provider_metadata_url(&self) -> String {
        format!("{}/.well-known/csaf/provider-metadata.json", self.base_url)
    }
}

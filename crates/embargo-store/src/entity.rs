//! sea-orm entities: one module per table of the migrations in `migrations/`.
//!
//! Column types are the portable subset (text, integers, booleans, UTC timestamps) so that the
//! same entity reads and writes both SQLite and PostgreSQL.

macro_rules! no_relations {
    () => {
        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}
        impl ActiveModelBehavior for ActiveModel {}
    };
}

pub mod user {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "users")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub email: String,
        pub display_name: String,
        pub role: String,
        pub password_hash: Option<String>,
        pub password_changed_at: Option<DateTimeUtc>,
        pub totp_secret: Option<String>,
        pub totp_enabled_at: Option<DateTimeUtc>,
        pub totp_last_step: Option<i64>,
        pub disabled_at: Option<DateTimeUtc>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod recovery_code {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "recovery_codes")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub user_id: i64,
        pub code_hash: String,
        pub used_at: Option<DateTimeUtc>,
        pub created_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod setup_token {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "setup_tokens")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub token_hash: String,
        pub user_id: Option<i64>,
        pub purpose: String,
        pub expires_at: DateTimeUtc,
        pub used_at: Option<DateTimeUtc>,
        pub created_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod session {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "sessions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub user_id: i64,
        pub csrf_token: String,
        pub mfa_verified: bool,
        pub created_at: DateTimeUtc,
        pub last_seen_at: DateTimeUtc,
        pub expires_at: DateTimeUtc,
        pub ip: String,
        pub user_agent: String,
    }
    no_relations!();
}

pub mod api_token {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "api_tokens")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub user_id: i64,
        pub name: String,
        pub scope: String,
        pub secret_hash: String,
        pub created_at: DateTimeUtc,
        pub expires_at: Option<DateTimeUtc>,
        pub revoked_at: Option<DateTimeUtc>,
        pub last_used_at: Option<DateTimeUtc>,
    }
    no_relations!();
}

pub mod login_throttle {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "login_throttle")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub key: String,
        pub failures: i32,
        pub last_failure_at: DateTimeUtc,
        pub blocked_until: DateTimeUtc,
    }
    no_relations!();
}

pub mod audit_log {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "audit_log")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub seq: i64,
        pub at: DateTimeUtc,
        pub actor: String,
        pub action: String,
        pub target: String,
        pub detail: String,
        pub ip: String,
        pub prev_hash: String,
        pub hash: String,
    }
    no_relations!();
}

pub mod audit_head {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "audit_head")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i32,
        pub seq: i64,
        pub hash: String,
    }
    no_relations!();
}

pub mod access_log {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "access_log")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub at: DateTimeUtc,
        pub request_id: String,
        pub method: String,
        pub route: String,
        pub status: i32,
        pub duration_us: i64,
        pub ip: String,
        pub ip_hashed: bool,
    }
    no_relations!();
}

pub mod job {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "jobs")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub kind: String,
        pub key: String,
        pub payload: String,
        pub state: String,
        pub run_at: DateTimeUtc,
        pub interval_secs: Option<i64>,
        pub attempts: i32,
        pub max_attempts: i32,
        pub lease_owner: Option<String>,
        pub lease_until: Option<DateTimeUtc>,
        pub last_error: Option<String>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod job_run {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "job_runs")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub job_id: i64,
        pub kind: String,
        pub owner: String,
        pub started_at: DateTimeUtc,
        pub finished_at: Option<DateTimeUtc>,
        pub outcome: String,
        pub error: Option<String>,
    }
    no_relations!();
}

pub mod program {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "programs")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub slug: String,
        pub name: String,
        pub policy_toml: String,
        pub revision: i32,
        pub is_default: bool,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod program_member {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "program_members")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub program_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: i64,
        pub role: String,
        pub created_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod submission {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "submissions")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub program_id: Option<i64>,
        pub channel: String,
        pub received_at: DateTimeUtc,
        pub raw: String,
        pub size: i64,
        pub state: String,
        pub case_id: Option<i64>,
        pub error: Option<String>,
        pub processed_at: Option<DateTimeUtc>,
    }
    no_relations!();
}

pub mod case {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "cases")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub program_id: i64,
        pub reference: String,
        pub state: String,
        pub previous_state: Option<String>,
        pub severity: Option<String>,
        pub title: String,
        pub report: String,
        pub reporter: String,
        pub reporter_email_hash: Option<String>,
        pub tracking_hash: String,
        pub assignee_id: Option<i64>,
        pub channel: String,
        pub version: i32,
        pub received_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod case_message {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "case_messages")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub case_id: i64,
        pub author: String,
        pub author_user_id: Option<i64>,
        pub visibility: String,
        pub body: String,
        pub via: String,
        pub created_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod case_event {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "case_events")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub case_id: i64,
        pub at: DateTimeUtc,
        pub actor: String,
        pub kind: String,
        pub detail: String,
    }
    no_relations!();
}

pub mod attachment {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "attachments")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub case_id: i64,
        pub message_id: Option<i64>,
        pub filename: String,
        pub content_type: String,
        pub size: i64,
        pub sha256: String,
        pub data: Vec<u8>,
        pub created_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod case_search {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "case_search")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub case_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub token: String,
    }
    no_relations!();
}

pub mod program_key {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "program_keys")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub program_id: i64,
        pub fingerprint: String,
        pub public_armored: String,
        pub secret_sealed: String,
        pub created_at: DateTimeUtc,
        pub retired_at: Option<DateTimeUtc>,
    }
    no_relations!();
}

pub mod outbox {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "outbox")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub kind: String,
        pub program_id: Option<i64>,
        pub case_id: Option<i64>,
        pub webhook_id: Option<i64>,
        pub event: String,
        pub dedupe_key: Option<String>,
        pub summary: String,
        pub payload: String,
        pub state: String,
        pub attempts: i32,
        pub next_attempt_at: DateTimeUtc,
        pub last_error: Option<String>,
        pub created_at: DateTimeUtc,
        pub sent_at: Option<DateTimeUtc>,
    }
    no_relations!();
}

pub mod outbox_attempt {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "outbox_attempts")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub outbox_id: i64,
        pub at: DateTimeUtc,
        pub ok: bool,
        pub detail: String,
        pub duration_ms: i64,
    }
    no_relations!();
}

pub mod webhook {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "webhooks")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub program_id: i64,
        pub url: String,
        pub secret: String,
        pub events: String,
        pub active: bool,
        pub created_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod response_template {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "response_templates")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub program_id: i64,
        pub name: String,
        pub body: String,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod advisory {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "advisories")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub program_id: i64,
        pub advisory_id: String,
        pub status: String,
        pub record: String,
        pub publish_at: Option<DateTimeUtc>,
        pub publish_note: Option<String>,
        pub published_at: Option<DateTimeUtc>,
        pub published_revision: i32,
        pub published_record: Option<String>,
        pub version: i32,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod advisory_case {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "advisory_cases")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub advisory_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub case_id: i64,
    }
    no_relations!();
}

pub mod advisory_counter {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "advisory_counters")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub program_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub year: i32,
        pub next: i64,
    }
    no_relations!();
}

pub mod published_file {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "published_files")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub path: String,
        pub advisory_id: Option<i64>,
        pub content_type: String,
        pub body: Vec<u8>,
        pub sha256: String,
        pub updated_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod cve_id {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "cve_ids")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub program_id: i64,
        pub cve_id: String,
        pub state: String,
        pub advisory_id: Option<i64>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod embargo {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "embargoes")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub case_id: i64,
        pub ends_at: DateTimeUtc,
        pub time_zone: String,
        pub proposed_by: String,
        pub proposed_at: DateTimeUtc,
        pub team_agreed_at: Option<DateTimeUtc>,
        pub reporter_agreed_at: Option<DateTimeUtc>,
        pub override_reason: Option<String>,
        pub exploited_at: Option<DateTimeUtc>,
        pub version: i32,
    }
    no_relations!();
}

pub mod instance_key {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "instance_keys")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub purpose: String,
        pub key_id: String,
        pub public_key: String,
        pub secret_sealed: String,
        pub created_at: DateTimeUtc,
        pub retired_at: Option<DateTimeUtc>,
    }
    no_relations!();
}

pub mod participant {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "case_participants")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub case_id: i64,
        pub role: String,
        pub contact: String,
        pub secret_hash: String,
        pub nda_accepted_at: Option<DateTimeUtc>,
        pub nda_sha256: Option<String>,
        pub revoked_at: Option<DateTimeUtc>,
        pub invited_by: String,
        pub created_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod participant_view {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "participant_views")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub participant_id: i64,
        pub page: String,
        pub at: DateTimeUtc,
    }
    no_relations!();
}

pub mod vendor_status {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "vendor_statuses")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub case_id: i64,
        pub participant_id: i64,
        pub status: String,
        pub sealed: String,
        pub stated_on: String,
        pub updated_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod prenotification {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "prenotifications")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub case_id: i64,
        pub participant_id: i64,
        pub ends_at: DateTimeUtc,
        pub ack_hash: String,
        pub sent_at: DateTimeUtc,
        pub acknowledged_at: Option<DateTimeUtc>,
    }
    no_relations!();
}

pub mod coordination_message {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "coordination_messages")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub case_id: i64,
        pub participant_id: Option<i64>,
        pub author: String,
        pub body: String,
        pub created_at: DateTimeUtc,
    }
    no_relations!();
}

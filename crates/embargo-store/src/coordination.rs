//! Coordination of a case: invited participants (per-case role, NDA acceptance, revocation),
//! their view log, vendor statuses per product, pre-notifications with acknowledgement, the
//! team–participant thread, and the running embargoes the jobs look at. Contact details,
//! statements and messages arrive sealed; this module never sees them in clear.

use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    sea_query::Expr,
};

use crate::entity::{
    coordination_message, embargo, participant, participant_view, prenotification, vendor_status,
};
use crate::{StoreError, Ts, stmt};

pub use coordination_message::Model as CoordinationMessage;
pub use participant::Model as Participant;
pub use prenotification::Model as Prenotification;
pub use vendor_status::Model as VendorStatus;

/// A participant to add.
pub struct NewParticipant<'a> {
    pub case_id: i64,
    pub role: &'a str,
    pub contact_sealed: &'a str,
    pub secret_hash: &'a str,
    pub invited_by: &'a str,
}

pub async fn add_participant(
    db: &impl ConnectionTrait,
    p: NewParticipant<'_>,
    now: Ts,
) -> Result<Participant, StoreError> {
    Ok(participant::ActiveModel {
        case_id: Set(p.case_id),
        role: Set(p.role.to_owned()),
        contact: Set(p.contact_sealed.to_owned()),
        secret_hash: Set(p.secret_hash.to_owned()),
        nda_accepted_at: Set(None),
        nda_sha256: Set(None),
        revoked_at: Set(None),
        invited_by: Set(p.invited_by.to_owned()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// The participants of a case, oldest first (revoked ones included).
pub async fn participants(
    db: &impl ConnectionTrait,
    case_id: i64,
) -> Result<Vec<Participant>, StoreError> {
    Ok(participant::Entity::find()
        .filter(participant::Column::CaseId.eq(case_id))
        .order_by_asc(participant::Column::Id)
        .all(db)
        .await?)
}

pub async fn participant(
    db: &impl ConnectionTrait,
    id: i64,
) -> Result<Option<Participant>, StoreError> {
    Ok(participant::Entity::find_by_id(id).one(db).await?)
}

/// The participant an invitation link belongs to (revoked ones too: the caller refuses them).
pub async fn participant_by_secret(
    db: &impl ConnectionTrait,
    secret_hash: &str,
) -> Result<Option<Participant>, StoreError> {
    Ok(participant::Entity::find()
        .filter(participant::Column::SecretHash.eq(secret_hash))
        .one(db)
        .await?)
}

/// Revokes a participant of `case_id`; false when there is none or it was revoked already.
pub async fn revoke_participant(
    db: &impl ConnectionTrait,
    case_id: i64,
    id: i64,
    now: Ts,
) -> Result<bool, StoreError> {
    let res = participant::Entity::update_many()
        .col_expr(participant::Column::RevokedAt, Expr::value(Some(now)))
        .filter(participant::Column::Id.eq(id))
        .filter(participant::Column::CaseId.eq(case_id))
        .filter(participant::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Records the NDA acceptance (once); false when it was accepted already.
pub async fn accept_nda(
    db: &impl ConnectionTrait,
    id: i64,
    nda_sha256: &str,
    now: Ts,
) -> Result<bool, StoreError> {
    let res = participant::Entity::update_many()
        .col_expr(participant::Column::NdaAcceptedAt, Expr::value(Some(now)))
        .col_expr(
            participant::Column::NdaSha256,
            Expr::value(Some(nda_sha256.to_owned())),
        )
        .filter(participant::Column::Id.eq(id))
        .filter(participant::Column::NdaAcceptedAt.is_null())
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

pub async fn record_view(
    db: &impl ConnectionTrait,
    participant_id: i64,
    page: &str,
    now: Ts,
) -> Result<(), StoreError> {
    participant_view::ActiveModel {
        participant_id: Set(participant_id),
        page: Set(page.to_owned()),
        at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Per participant of the case: (participant id, number of views, last view).
pub async fn view_summary(
    db: &impl ConnectionTrait,
    case_id: i64,
) -> Result<Vec<(i64, i64, Ts)>, StoreError> {
    let rows = db
        .query_all_raw(stmt(
            db.get_database_backend(),
            "SELECT v.participant_id, COUNT(*) AS n, MAX(v.at) AS last FROM participant_views v \
             JOIN case_participants p ON p.id = v.participant_id WHERE p.case_id = $1 \
             GROUP BY v.participant_id",
            [case_id.into()],
        ))
        .await?;
    let mut out = Vec::new();
    for r in rows {
        let id: i64 = r.try_get("", "participant_id")?;
        let n: i64 = r.try_get("", "n")?;
        // MAX() loses the column type on SQLite (text) but not on PostgreSQL.
        let last: Ts = match r.try_get::<Ts>("", "last") {
            Ok(t) => t,
            Err(_) => {
                let s: String = r.try_get("", "last")?;
                s.parse()
                    .map_err(|e| StoreError::Corrupt(format!("participant view time: {e}")))?
            }
        };
        out.push((id, n, last));
    }
    Ok(out)
}

// ---- vendor statuses ----

pub async fn statuses(
    db: &impl ConnectionTrait,
    case_id: i64,
) -> Result<Vec<VendorStatus>, StoreError> {
    Ok(vendor_status::Entity::find()
        .filter(vendor_status::Column::CaseId.eq(case_id))
        .order_by_asc(vendor_status::Column::Id)
        .all(db)
        .await?)
}

/// Inserts a status (`id` None) or replaces the one with `id` (of the same participant).
#[expect(
    clippy::too_many_arguments,
    reason = "the row's columns, named at the call"
)]
pub async fn save_status(
    db: &impl ConnectionTrait,
    id: Option<i64>,
    case_id: i64,
    participant_id: i64,
    status: &str,
    sealed: &str,
    stated_on: &str,
    now: Ts,
) -> Result<(), StoreError> {
    match id {
        None => {
            vendor_status::ActiveModel {
                case_id: Set(case_id),
                participant_id: Set(participant_id),
                status: Set(status.to_owned()),
                sealed: Set(sealed.to_owned()),
                stated_on: Set(stated_on.to_owned()),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await?;
        }
        Some(id) => {
            vendor_status::Entity::update_many()
                .col_expr(vendor_status::Column::Status, Expr::value(status))
                .col_expr(vendor_status::Column::Sealed, Expr::value(sealed))
                .col_expr(vendor_status::Column::StatedOn, Expr::value(stated_on))
                .col_expr(vendor_status::Column::UpdatedAt, Expr::value(now))
                .filter(vendor_status::Column::Id.eq(id))
                .filter(vendor_status::Column::ParticipantId.eq(participant_id))
                .exec(db)
                .await?;
        }
    }
    Ok(())
}

// ---- pre-notifications ----

/// Records a pre-notification of `participant_id` for the embargo ending at `ends_at`; false
/// when one was recorded already (so the job sends each once, whichever instance runs it).
pub async fn add_prenotification(
    db: &impl ConnectionTrait,
    case_id: i64,
    participant_id: i64,
    ends_at: Ts,
    ack_hash: &str,
    now: Ts,
) -> Result<bool, StoreError> {
    let res = prenotification::Entity::insert(prenotification::ActiveModel {
        case_id: Set(case_id),
        participant_id: Set(participant_id),
        ends_at: Set(ends_at),
        ack_hash: Set(ack_hash.to_owned()),
        sent_at: Set(now),
        acknowledged_at: Set(None),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            prenotification::Column::ParticipantId,
            prenotification::Column::EndsAt,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(res == 1)
}

pub async fn prenotifications(
    db: &impl ConnectionTrait,
    case_id: i64,
) -> Result<Vec<Prenotification>, StoreError> {
    Ok(prenotification::Entity::find()
        .filter(prenotification::Column::CaseId.eq(case_id))
        .order_by_asc(prenotification::Column::Id)
        .all(db)
        .await?)
}

pub async fn prenotification_by_ack(
    db: &impl ConnectionTrait,
    ack_hash: &str,
) -> Result<Option<Prenotification>, StoreError> {
    Ok(prenotification::Entity::find()
        .filter(prenotification::Column::AckHash.eq(ack_hash))
        .one(db)
        .await?)
}

/// Marks a pre-notification acknowledged (once); false when it was already.
pub async fn acknowledge(db: &impl ConnectionTrait, id: i64, now: Ts) -> Result<bool, StoreError> {
    let res = prenotification::Entity::update_many()
        .col_expr(
            prenotification::Column::AcknowledgedAt,
            Expr::value(Some(now)),
        )
        .filter(prenotification::Column::Id.eq(id))
        .filter(prenotification::Column::AcknowledgedAt.is_null())
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

// ---- the thread ----

pub async fn add_message(
    db: &impl ConnectionTrait,
    case_id: i64,
    participant_id: Option<i64>,
    author: &str,
    body_sealed: &str,
    now: Ts,
) -> Result<CoordinationMessage, StoreError> {
    Ok(coordination_message::ActiveModel {
        case_id: Set(case_id),
        participant_id: Set(participant_id),
        author: Set(author.to_owned()),
        body: Set(body_sealed.to_owned()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

pub async fn messages(
    db: &impl ConnectionTrait,
    case_id: i64,
) -> Result<Vec<CoordinationMessage>, StoreError> {
    Ok(coordination_message::Entity::find()
        .filter(coordination_message::Column::CaseId.eq(case_id))
        .order_by_asc(coordination_message::Column::Id)
        .all(db)
        .await?)
}

// ---- running embargoes ----

/// Embargoes that have not ended at `now`, soonest first: what the pre-notification and
/// reminder job looks at.
pub async fn running_embargoes(
    db: &impl ConnectionTrait,
    now: Ts,
) -> Result<Vec<embargo::Model>, StoreError> {
    Ok(embargo::Entity::find()
        .filter(embargo::Column::EndsAt.gt(now))
        .order_by_asc(embargo::Column::EndsAt)
        .all(db)
        .await?)
}

//! Adding and updating programs (the policy is linted first and stored verbatim), members,
//! and rendering the published documents.

use embargo_domain::account::{Email, Role};
use embargo_domain::policy::{Diagnostic, Policy, lint};
use embargo_store::{Store, Ts, program, user};
use serde_json::json;

use crate::admin::service::Actor;
use crate::audit;
use crate::error::{AppError, AppResult};

/// Why a policy could not be saved.
#[derive(Debug)]
pub enum SaveError {
    /// The policy has errors (each with line and column).
    Invalid(Vec<Diagnostic>),
    Other(AppError),
}

impl From<AppError> for SaveError {
    fn from(e: AppError) -> Self {
        SaveError::Other(e)
    }
}

impl From<embargo_store::DbErr> for SaveError {
    fn from(e: embargo_store::DbErr) -> Self {
        SaveError::Other(e.into())
    }
}

impl From<embargo_store::StoreError> for SaveError {
    fn from(e: embargo_store::StoreError) -> Self {
        SaveError::Other(e.into())
    }
}

pub fn today(now: Ts) -> jiff::civil::Date {
    embargo_domain::policy::utc_date_from_unix_seconds(now.timestamp())
        .unwrap_or(jiff::civil::date(2000, 1, 1))
}

/// Parses and lints; errors stop the save, warnings come back with the policy.
pub fn check(src: &str, file: &str, now: Ts) -> Result<(Policy, Vec<Diagnostic>), Vec<Diagnostic>> {
    let diagnostics = lint(src, file, today(now));
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(diagnostics);
    }
    match Policy::from_toml(src, file) {
        Ok(p) => Ok((p, diagnostics)),
        Err(e) => Err(e),
    }
}

fn slug_error(file: &str, message: String) -> Vec<Diagnostic> {
    vec![Diagnostic {
        level: embargo_domain::policy::Level::Error,
        file: file.to_owned(),
        line: 1,
        column: 1,
        message,
        hint: None,
    }]
}

pub async fn add(
    store: &Store,
    src: &str,
    file: &str,
    actor: &Actor,
    now: Ts,
) -> Result<(program::Program, Vec<Diagnostic>), SaveError> {
    let (policy, warnings) = check(src, file, now).map_err(SaveError::Invalid)?;
    let txn = store.begin().await?;
    if program::by_slug(&txn, &policy.program.slug)
        .await?
        .is_some()
    {
        return Err(SaveError::Invalid(slug_error(
            file,
            format!(
                "a program with slug `{}` already exists; update it instead",
                policy.program.slug
            ),
        )));
    }
    let p = program::create(&txn, &policy.program.slug, &policy.program.name, src, now).await?;
    audit::record(
        &txn,
        &actor.id,
        &actor.ip,
        "program.created",
        &format!("program:{}", p.slug),
        json!({ "name": p.name }),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok((p, warnings))
}

pub async fn update(
    store: &Store,
    slug: &str,
    src: &str,
    file: &str,
    expected_revision: Option<i32>,
    actor: &Actor,
    now: Ts,
) -> Result<(program::Program, Vec<Diagnostic>), SaveError> {
    let (policy, warnings) = check(src, file, now).map_err(SaveError::Invalid)?;
    if policy.program.slug != slug {
        return Err(SaveError::Invalid(slug_error(
            file,
            format!(
                "the slug is `{slug}` and cannot change (the policy says `{}`)",
                policy.program.slug
            ),
        )));
    }
    let txn = store.begin().await?;
    let current = program::by_slug(&txn, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let p = program::update_policy(
        &txn,
        current.id,
        &policy.program.name,
        src,
        expected_revision,
        now,
    )
    .await?;
    audit::record(
        &txn,
        &actor.id,
        &actor.ip,
        "program.policy_updated",
        &format!("program:{slug}"),
        json!({ "revision": p.revision }),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok((p, warnings))
}

pub async fn make_default(store: &Store, slug: &str, actor: &Actor, now: Ts) -> AppResult<()> {
    let txn = store.begin().await?;
    let p = program::by_slug(&txn, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    program::set_default(&txn, p.id).await?;
    audit::record(
        &txn,
        &actor.id,
        &actor.ip,
        "program.made_default",
        &format!("program:{slug}"),
        json!({}),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// A stored policy as the model (stored policies passed the linter when saved).
pub fn policy_of(p: &program::Program) -> AppResult<Policy> {
    Policy::from_toml(&p.policy_toml, &format!("{}.toml", p.slug)).map_err(|d| {
        AppError::internal(anyhow::anyhow!(
            "stored policy of {} no longer parses: {}",
            p.slug,
            d.first().map(ToString::to_string).unwrap_or_default()
        ))
    })
}

pub async fn add_member(
    store: &Store,
    slug: &str,
    email: &str,
    role: Role,
    actor: &Actor,
    now: Ts,
) -> AppResult<()> {
    let email = Email::parse(email).map_err(|e| AppError::validation("email", e.to_string()))?;
    let txn = store.begin().await?;
    let p = program::by_slug(&txn, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let u = user::by_email(&txn, email.as_str()).await?.ok_or_else(|| {
        AppError::validation(
            "email",
            format!("no team account {email}; create the user first"),
        )
    })?;
    program::set_member(&txn, p.id, u.id, role.as_str(), now).await?;
    audit::record(
        &txn,
        &actor.id,
        &actor.ip,
        "program.member_set",
        &format!("program:{slug}"),
        json!({ "user": u.id, "role": role.as_str() }),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

pub async fn remove_member(
    store: &Store,
    slug: &str,
    user_id: i64,
    actor: &Actor,
    now: Ts,
) -> AppResult<()> {
    let txn = store.begin().await?;
    let p = program::by_slug(&txn, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    if !program::remove_member(&txn, p.id, user_id).await? {
        return Err(AppError::NotFound);
    }
    audit::record(
        &txn,
        &actor.id,
        &actor.ip,
        "program.member_removed",
        &format!("program:{slug}"),
        json!({ "user": user_id }),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The programs a team member may see, with their role in each: admins see every program
/// (as admin), others only those they are members of.
pub async fn visible_to(
    store: &Store,
    user_id: i64,
    global: Role,
) -> AppResult<Vec<(program::Program, Role)>> {
    let all = program::list(store.conn()).await?;
    if global == Role::Admin {
        return Ok(all.into_iter().map(|p| (p, Role::Admin)).collect());
    }
    let mine = program::memberships(store.conn(), user_id).await?;
    Ok(all
        .into_iter()
        .filter_map(|p| {
            let m = mine.iter().find(|m| m.program_id == p.id)?;
            Some((p, m.role.parse().ok()?))
        })
        .collect())
}

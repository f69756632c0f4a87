//! `embargo admin …`: user management from the shell, through the same services (and audit
//! log) as the web UI, with actor `cli`.

use std::process::ExitCode;

use embargo_app::admin::service::{self as admin, Actor};
use embargo_domain::account::{Role, TokenScope};

use super::now;
use crate::{AdminCommand, DataArgs, init_logging, load_config};

async fn open(
    data: &DataArgs,
) -> anyhow::Result<(embargo_app::config::Config, embargo_store::Store)> {
    let config = load_config(data, None, None)?;
    let _ = init_logging(&config, "warn", false);
    let (store, _) = embargo_app::serve::open(&config).await?;
    Ok((config, store))
}

fn public_url(config: &embargo_app::config::Config) -> String {
    config.effective_public_url(config.listen)
}

fn err(e: embargo_app::error::AppError) -> anyhow::Error {
    match e {
        embargo_app::error::AppError::NotFound => anyhow::anyhow!("no such user"),
        other => anyhow::anyhow!("{other}"),
    }
}

pub async fn run(command: AdminCommand) -> anyhow::Result<ExitCode> {
    match command {
        AdminCommand::CreateUser {
            data,
            email,
            role,
            name,
        } => {
            let role: Role = role.parse()?;
            let (config, store) = open(&data).await?;
            let (_, link) = admin::create_user(
                &store,
                &email,
                &name,
                role,
                &Actor::cli(),
                &public_url(&config),
                now(),
            )
            .await
            .map_err(err)?;
            println!("Created {email} ({role}). One-time setup link (valid 1 hour):");
            println!("  {link}");
        }
        AdminCommand::ResetPassword { data, email } => {
            let (config, store) = open(&data).await?;
            let u = admin::find(&store, &email).await.map_err(err)?;
            let link = admin::reset_link(&store, u.id, &Actor::cli(), &public_url(&config), now())
                .await
                .map_err(err)?;
            println!(
                "One-time password reset link for {} (valid 1 hour):",
                u.email
            );
            println!("  {link}");
        }
        AdminCommand::DisableUser {
            data,
            email,
            enable,
        } => {
            let (_, store) = open(&data).await?;
            let u = admin::find(&store, &email).await.map_err(err)?;
            admin::set_disabled(&store, u.id, !enable, &Actor::cli(), now())
                .await
                .map_err(err)?;
            println!(
                "{} is now {}.",
                u.email,
                if enable { "enabled" } else { "disabled" }
            );
        }
        AdminCommand::ListUsers { data, json } => {
            let (_, store) = open(&data).await?;
            let users = embargo_store::user::list(store.conn()).await?;
            if json {
                let rows: Vec<_> = users
                    .iter()
                    .map(|u| serde_json::json!({
                        "id": u.id, "email": u.email, "name": u.display_name, "role": u.role,
                        "totp": u.totp_enabled_at.is_some(), "disabled": u.disabled_at.is_some(),
                    }))
                    .collect();
                println!("{}", serde_json::to_string_pretty(&rows)?);
            } else {
                println!(
                    "{:<5} {:<32} {:<10} {:<5} {:<9}",
                    "ID", "E-MAIL", "ROLE", "2FA", "STATUS"
                );
                for u in users {
                    let status = if u.disabled_at.is_some() {
                        "disabled"
                    } else if u.password_hash.is_none() {
                        "invited"
                    } else {
                        "active"
                    };
                    println!(
                        "{:<5} {:<32} {:<10} {:<5} {:<9}",
                        u.id,
                        u.email,
                        u.role,
                        if u.totp_enabled_at.is_some() {
                            "on"
                        } else {
                            "off"
                        },
                        status
                    );
                }
            }
        }
        AdminCommand::Reset2fa { data, email } => {
            let (_, store) = open(&data).await?;
            let u = admin::find(&store, &email).await.map_err(err)?;
            admin::reset_second_factor(&store, u.id, &Actor::cli(), now())
                .await
                .map_err(err)?;
            println!(
                "Two-factor authentication is off for {}; their sessions were ended. They can enrol again from their account page.",
                u.email
            );
        }
        AdminCommand::CreateToken {
            data,
            email,
            scope,
            name,
            expires_days,
        } => {
            let scope: TokenScope = scope.parse()?;
            let (_, store) = open(&data).await?;
            let u = admin::find(&store, &email).await.map_err(err)?;
            let days = (expires_days > 0).then_some(expires_days);
            let req = embargo_app::account::service::TokenRequest {
                name: &name,
                scope,
                expires_in_days: days,
            };
            let t = embargo_app::account::service::create_token(
                &store,
                u.id,
                req,
                &Actor::cli(),
                now(),
            )
            .await
            .map_err(err)?;
            println!(
                "Token for {} (scope {scope}); it is shown only this once:",
                u.email
            );
            println!("{}", t.token);
        }
    }
    Ok(ExitCode::SUCCESS)
}

//! Background jobs: the runner that claims due jobs under a database lease (see
//! `embargo_store::job`), the job kinds, and the access-log writer.
//!
//! Every job is idempotent, so a job whose owner died mid-run and is taken over after its lease
//! expires does no harm by running again.

use std::time::Duration;

use embargo_store::access_log::NewAccess;
use embargo_store::{access_log, job, session};
use tokio::sync::{mpsc, watch};

use crate::state::AppState;

/// Replace retained client IPs by their salted hash once they are older than the window.
pub const HASH_IPS: &str = "access_log.hash_ips";
/// Delete expired and idle sessions.
pub const PURGE_SESSIONS: &str = "session.purge";

/// Send due mail and webhook calls from the outbox.
pub const DELIVER_OUTBOX: &str = "outbox.deliver";
/// Tell the team about SLA deadlines coming up.
pub const REMIND_CLOCKS: &str = "sla.remind";

/// File inbound mail left unfiled (the process stopped between storing and filing it).
pub const SWEEP_MAIL: &str = "mail.sweep";

/// Publish scheduled advisories whose embargo has ended.
pub const PUBLISH_ADVISORIES: &str = "advisory.publish";

/// Send pre-notifications whose time has come, and remind the team of embargoes ending.
pub const PRENOTIFY: &str = "embargo.prenotify";

/// Ingest the configured feed sources (`[feed] sources`), incrementally.
pub const FEED_REFRESH: &str = "feed.refresh";

/// Periodic jobs and their intervals (seconds; `feed.refresh` takes `[feed] refresh_secs`).
pub const PERIODIC: &[(&str, i64)] = &[
    (HASH_IPS, 3600),
    (PURGE_SESSIONS, 3600),
    (DELIVER_OUTBOX, 5),
    (REMIND_CLOCKS, 600),
    (SWEEP_MAIL, 60),
    (PUBLISH_ADVISORIES, 15),
    (PRENOTIFY, 60),
    (FEED_REFRESH, 3600),
];

pub async fn ensure_periodic(state: &AppState) -> anyhow::Result<()> {
    let now = state.now();
    for (kind, every) in PERIODIC {
        let every = if *kind == FEED_REFRESH {
            i64::from(state.config.feed.refresh_secs)
        } else {
            *every
        };
        job::ensure_periodic(state.store.conn(), kind, every, now, now).await?;
    }
    Ok(())
}

/// Runs one job. Unknown kinds fail (and are retried, then parked as failed).
pub async fn run_job(state: &AppState, j: &job::Job) -> anyhow::Result<String> {
    let now = state.now();
    match j.kind.as_str() {
        HASH_IPS => {
            let cutoff =
                now - chrono::Duration::days(i64::from(state.config.access_log.retention_days));
            let n = access_log::hash_ips_before(state.store.conn(), cutoff, |ip| {
                state.keys.hash_ip(ip)
            })
            .await?;
            Ok(format!("hashed {n} entries"))
        }
        PURGE_SESSIONS => {
            let idle =
                chrono::Duration::minutes(i64::from(state.config.security.session_idle_minutes));
            let n = session::purge_expired(state.store.conn(), now, now - idle).await?;
            // Job run records are kept for a week: enough to see what ran, bounded in size.
            let runs = job::prune_runs(state.store.conn(), now - chrono::Duration::days(7)).await?;
            Ok(format!("purged {n} sessions, {runs} job run records"))
        }
        DELIVER_OUTBOX => {
            let (sent, failed) = crate::outbox::deliver_due(state).await?;
            Ok(format!("sent {sent}, failed {failed}"))
        }
        REMIND_CLOCKS => {
            let n = crate::notification::remind_due(state)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            Ok(format!("queued {n} reminders"))
        }
        SWEEP_MAIL => {
            let n = crate::mail::ingest::sweep(state)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            Ok(format!("filed {n} messages"))
        }
        PUBLISH_ADVISORIES => {
            let n = crate::publication::service::run_due(state)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            Ok(format!("published {n} advisories"))
        }
        PRENOTIFY => {
            let (sent, reminded) = crate::coordination::prenotify::run_due(state)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            Ok(format!(
                "sent {sent} pre-notifications, {reminded} reminders"
            ))
        }
        FEED_REFRESH => refresh_feed(state, now).await,
        other => anyhow::bail!("unknown job kind `{other}`"),
    }
}

async fn refresh_feed(state: &AppState, now: embargo_store::Ts) -> anyhow::Result<String> {
    if state.config.feed.sources.is_empty() {
        return Ok("no feed sources configured".into());
    }
    // A source not there (yet) must not keep the others out.
    let (present, missing): (Vec<std::path::PathBuf>, Vec<std::path::PathBuf>) = state
        .config
        .feed
        .sources
        .iter()
        .map(std::path::PathBuf::from)
        .partition(|p| p.exists());
    let mut s = if present.is_empty() {
        embargo_feed::Summary::default()
    } else {
        embargo_feed::ingest(
            &state.store,
            &present,
            &embargo_feed::IngestOptions::default(),
            now,
            |_| {},
        )
        .await?
    };
    s.failed_inputs.extend(
        missing
            .iter()
            .map(|p| format!("{}: no such file or directory", p.display())),
    );
    let summary = format!(
        "read {}: {} new, {} modified, {} unchanged, {} stale, {} rejected",
        s.read, s.new, s.modified, s.unchanged, s.stale, s.rejected
    );
    // What could be read is in; an unreadable source fails the run so that it is retried
    // and shows in the job log.
    if !s.failed_inputs.is_empty() {
        anyhow::bail!("{summary}; unreadable: {}", s.failed_inputs.join("; "));
    }
    Ok(summary)
}

/// Claims and runs every due job once; returns how many ran. The runner loop calls this; tests
/// call it directly with an injected clock.
pub async fn run_due(state: &AppState, owner: &str) -> anyhow::Result<usize> {
    let lease = chrono::Duration::seconds(i64::from(state.config.jobs.lease_secs));
    let claimed = job::claim_due(state.store.conn(), owner, state.now(), lease, 8).await?;
    for j in &claimed {
        let run_id = job::start_run(state.store.conn(), j, owner, state.now()).await?;
        let result = run_job(state, j).await;
        let now = state.now();
        match result {
            Ok(summary) => {
                job::complete(state.store.conn(), j, owner, now).await?;
                job::finish_run(state.store.conn(), run_id, "ok", None, now).await?;
                metrics::counter!("job_runs_total", "kind" => j.kind.clone(), "outcome" => "ok")
                    .increment(1);
                tracing::info!(kind = %j.kind, job = j.id, %summary, "job done");
            }
            Err(e) => {
                let msg = format!("{e:#}");
                // Exponential retry: 30 s, 1 min, 2 min … capped at an hour.
                let delay = 30i64.saturating_mul(1 << j.attempts.clamp(0, 7)).min(3600);
                job::fail(
                    state.store.conn(),
                    j,
                    owner,
                    &msg,
                    now + chrono::Duration::seconds(delay),
                    now,
                )
                .await?;
                job::finish_run(state.store.conn(), run_id, "error", Some(&msg), now).await?;
                metrics::counter!("job_runs_total", "kind" => j.kind.clone(), "outcome" => "error")
                    .increment(1);
                tracing::warn!(kind = %j.kind, job = j.id, error = %msg, "job failed");
            }
        }
    }
    Ok(claimed.len())
}

/// The runner loop, until `shutdown` flips.
pub async fn runner(state: AppState, mut shutdown: watch::Receiver<bool>) {
    let owner = state.instance_id.clone();
    let every = Duration::from_millis(state.config.jobs.poll_interval_ms.max(50));
    loop {
        // The per-IP limiter keeps a cell per address; forget the ones that are full again.
        state.post_limiter.retain_recent();
        if let Err(e) = run_due(&state, &owner).await {
            tracing::warn!(error = %format!("{e:#}"), "job runner");
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = shutdown.changed() => break,
        }
    }
}

/// Writes access-log entries in batches (one transaction per batch, at most every second), so
/// logging never adds a database write to a request and one fsync covers thousands of
/// requests. Ends when every sender is dropped, flushing what is left.
pub async fn access_log_writer(store: embargo_store::Store, mut rx: mpsc::Receiver<NewAccess>) {
    const BATCH: usize = 20_000;
    let mut batch = Vec::with_capacity(1024);
    loop {
        let first = rx.recv().await;
        let Some(first) = first else { break };
        batch.push(first);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(1);
        while batch.len() < BATCH {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(e)) => batch.push(e),
                _ => break,
            }
        }
        if let Err(e) = write_batch(&store, &batch).await {
            tracing::warn!(error = %e, lost = batch.len(), "access log write failed");
        }
        batch.clear();
    }
}

async fn write_batch(store: &embargo_store::Store, batch: &[NewAccess]) -> anyhow::Result<()> {
    let txn = store.begin().await?;
    // SQLite allows 32,766 bound values per statement; 9 columns × 2,000 rows stays below.
    for chunk in batch.chunks(2000) {
        access_log::insert_batch(&txn, chunk).await?;
    }
    txn.commit().await?;
    Ok(())
}

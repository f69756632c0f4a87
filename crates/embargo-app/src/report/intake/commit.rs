//! Group commit of report submissions (ADR 0008): submissions that arrive while a batch is
//! being written queue, and the next batch writes them all in one transaction with one commit
//! (on SQLite, one fsync). Each submission is answered only after the commit that holds it.

use embargo_store::Store;

use super::{Prepared, Submitted, write};
use crate::error::{AppError, AppResult};

/// Most submissions written in one transaction.
const MAX_BATCH: usize = 64;

struct Pending {
    job: Prepared,
    reply: tokio::sync::oneshot::Sender<AppResult<Submitted>>,
}

/// The submissions waiting for the writer of one server instance, and whether a writer task
/// is running. One mutex guards both, so a submission is never left queued with no writer.
#[derive(Default)]
struct Queue {
    pending: Vec<Pending>,
    writing: bool,
}

type Committer = std::sync::Mutex<Queue>;

fn lock(c: &Committer) -> std::sync::MutexGuard<'_, Queue> {
    c.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The queue of this server instance (one per `AppState`, by its instance id).
fn committer(state: &crate::state::AppState) -> std::sync::Arc<Committer> {
    use std::collections::HashMap;
    use std::sync::{Arc, LazyLock, Mutex, PoisonError};
    static ALL: LazyLock<Mutex<HashMap<String, Arc<Committer>>>> = LazyLock::new(Default::default);
    ALL.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .entry(state.instance_id.clone())
        .or_default()
        .clone()
}

/// Queues the submission and waits for the commit that includes it. If no writer task is
/// running, starts one: it writes whatever is queued, as one transaction, until the queue is
/// empty. Submissions arriving while a batch is written wait for the next one, so under load
/// one commit (one fsync) covers many submissions and an idle server adds no delay.
pub(super) async fn group_commit(job: Prepared) -> AppResult<Submitted> {
    let c = committer(&job.state);
    let (reply, answer) = tokio::sync::oneshot::channel();
    let start = {
        let mut q = lock(&c);
        q.pending.push(Pending { job, reply });
        !std::mem::replace(&mut q.writing, true)
    };
    if start {
        // A task of its own: a client that goes away does not abort a batch that holds
        // other clients' submissions.
        tokio::spawn(write_queued(c));
    }
    answer
        .await
        .map_err(|_| AppError::internal(anyhow::anyhow!("the intake writer stopped")))?
}

/// Clears `writing` if the writer task ends abnormally (panic, runtime shutdown), so that the
/// next submission starts a new one for whatever is still queued.
struct Writing(std::sync::Arc<Committer>, bool);

impl Drop for Writing {
    fn drop(&mut self) {
        if !self.1 {
            lock(&self.0).writing = false;
        }
    }
}

async fn write_queued(c: std::sync::Arc<Committer>) {
    let mut guard = Writing(c, false);
    loop {
        let batch: Vec<Pending> = {
            let mut q = lock(&guard.0);
            if q.pending.is_empty() {
                q.writing = false;
                guard.1 = true;
                return;
            }
            let n = q.pending.len().min(MAX_BATCH);
            q.pending.drain(..n).collect()
        };
        commit_batch(batch).await;
    }
}

/// Writes a batch in one transaction and answers each submission after the commit. If a
/// statement fails, the batch is rolled back and each submission is retried alone, so one
/// bad submission fails only itself. A failed commit fails the whole batch (none of it is
/// acknowledged).
async fn commit_batch(batch: Vec<Pending>) {
    let jobs: Vec<&Prepared> = batch.iter().map(|p| &p.job).collect();
    let Some(store) = jobs.first().map(|j| j.state.store.clone()) else {
        return;
    };
    let results: Vec<AppResult<Submitted>> = match write_committed(&store, &jobs).await {
        Ok(done) => done.into_iter().map(Ok).collect(),
        Err((e, false)) if jobs.len() > 1 => {
            tracing::warn!(error = %e, size = jobs.len(), "intake batch failed; retrying one by one");
            let mut out = Vec::with_capacity(jobs.len());
            for j in &jobs {
                out.push(match write_committed(&store, &[j]).await {
                    Ok(mut done) => done
                        .pop()
                        .ok_or_else(|| AppError::internal(anyhow::anyhow!("nothing written"))),
                    Err((e, _)) => Err(e),
                });
            }
            out
        }
        Err((e, _)) if jobs.len() == 1 => vec![Err(e)],
        Err((e, _)) => {
            tracing::error!(error = %e, size = jobs.len(), "intake batch commit failed");
            jobs.iter()
                .map(|_| {
                    Err(AppError::internal(anyhow::anyhow!(
                        "the commit failed: {e}"
                    )))
                })
                .collect()
        }
    };
    for (p, r) in batch.into_iter().zip(results) {
        // The client may have gone away; its submission is stored all the same.
        let _ = p.reply.send(r);
    }
}

/// One transaction; the error says whether it happened at the commit.
async fn write_committed(
    store: &Store,
    jobs: &[&Prepared],
) -> Result<Vec<Submitted>, (AppError, bool)> {
    let txn = store.begin().await.map_err(|e| (e.into(), false))?;
    let done = write(&txn, jobs).await.map_err(|e| (e, false))?;
    txn.commit().await.map_err(|e| (e.into(), true))?;
    Ok(done)
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests")]
mod tests {
    use std::collections::BTreeSet;
    use std::sync::Arc;

    use embargo_store::{ConnectionTrait, testing};

    use super::super::*;
    use crate::clock::ManualClock;
    use crate::config::Config;
    use crate::keys::Keys;
    use crate::state::AppState;

    /// Submissions that arrive together are written in shared transactions: each gets its own
    /// number and answer, every one is stored with its raw submission, timeline entry, tokens
    /// and audit entry, and the audit chain stays intact.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_submissions_are_committed_together_and_each_answered() {
        for db in testing::all().await {
            let now = chrono::TimeZone::timestamp_opt(&chrono::Utc, 1_800_000_000, 0).unwrap();
            let (log, _log_rx) = tokio::sync::mpsc::channel(16);
            let state = AppState::new(
                Config::default(),
                db.store.clone(),
                Keys::from_master(&[7; 32]),
                Arc::new(ManualClock::new(now)),
                "http://127.0.0.1:9".into(),
                log,
            );
            let toml =
                include_str!("../../../../../examples/policies/home-automation-integration.toml");
            let prog = program::create(db.store.conn(), "spook", "Spook", toml, now)
                .await
                .unwrap();
            let policy = Policy::from_toml(toml, "spook.toml").unwrap();
            let origin = Origin {
                channel: "api",
                actor: "anonymous".into(),
                ip: "127.0.0.1".into(),
            };
            let mut handles = Vec::new();
            for i in 0..40 {
                let (state, prog, policy, origin) =
                    (state.clone(), prog.clone(), policy.clone(), origin.clone());
                handles.push(tokio::spawn(async move {
                    let mut fields = BTreeMap::new();
                    fields.insert("title".to_owned(), format!("Report {i}"));
                    fields.insert("description".to_owned(), format!("Overflow number{i}"));
                    let input = ReportInput {
                        fields,
                        ..Default::default()
                    };
                    submit(&state, &prog, &policy, input, &origin).await
                }));
            }
            let mut refs = BTreeSet::new();
            for h in handles {
                let done = h.await.unwrap().unwrap();
                let row = case::by_reference(db.store.conn(), &done.reference)
                    .await
                    .unwrap()
                    .unwrap();
                assert_eq!(
                    row.tracking_hash,
                    sha256_hex(done.tracking_secret.as_bytes())
                );
                refs.insert(done.reference);
            }
            let want: BTreeSet<String> = (1..=40).map(|n| format!("SPOOK-2027-{n:04}")).collect();
            assert_eq!(refs, want, "{}: every number once", db.name);
            let c = db.store.conn();
            let count = |sql: &'static str| async move {
                c.query_one_raw(embargo_store::stmt(c.get_database_backend(), sql, []))
                    .await
                    .unwrap()
                    .unwrap()
                    .try_get::<i64>("", "n")
                    .unwrap()
            };
            assert_eq!(count("SELECT COUNT(*) AS n FROM submissions WHERE state = 'processed' AND case_id IS NOT NULL").await, 40);
            assert_eq!(
                count("SELECT COUNT(*) AS n FROM case_events WHERE kind = 'received'").await,
                40
            );
            assert_eq!(
                count("SELECT COUNT(DISTINCT case_id) AS n FROM case_search").await,
                40
            );
            let tokens = [state.keys.blind("word", "number17")];
            let (found, total) = case::queue(
                c,
                &case::QueueFilter {
                    program_ids: vec![prog.id],
                    tokens: tokens.to_vec(),
                    limit: 10,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
            assert_eq!((total, found.len()), (1, 1), "{}: searchable", db.name);
            assert_eq!(
                embargo_store::audit::verify(c).await.unwrap(),
                embargo_store::audit::Verdict::Intact { entries: 40 },
                "{}",
                db.name
            );
            db.cleanup().await;
        }
    }
}

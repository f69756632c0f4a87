//! `embargo ingest-mail`: files one message from standard input, for an MTA's pipe transport
//! (Postfix `pipe`, Exim `pipe`, a `.forward`). The message is stored before it is parsed;
//! what cannot be filed is kept in the quarantine.
//!
//! Exit codes follow sysexits(3), which MTAs understand: 0 stored (filed or quarantined),
//! 65 (EX_DATAERR) too large, 75 (EX_TEMPFAIL) the database could not store it (the MTA
//! keeps the message and tries again).

use std::io::Read;
use std::process::ExitCode;

use embargo_app::mail::ingest::{self, Envelope, Outcome};

use crate::{DataArgs, init_logging, load_config};

#[derive(clap::Args)]
pub struct IngestArgs {
    #[command(flatten)]
    data: DataArgs,
    /// The program new reports go to (slug). Default: by recipient, then `mail.default_program`,
    /// then the default program.
    #[arg(long)]
    program: Option<String>,
    /// The envelope recipient (the MTA's `${recipient}`), used for reply tokens and programs.
    #[arg(long)]
    recipient: Vec<String>,
    /// The envelope sender (the MTA's `${sender}`).
    #[arg(long, default_value = "")]
    sender: String,
}

const EX_DATAERR: u8 = 65;
const EX_TEMPFAIL: u8 = 75;

pub async fn run(args: IngestArgs) -> anyhow::Result<ExitCode> {
    let config = load_config(&args.data, None, None)?;
    let _ = init_logging(&config, "warn", false);
    let limit = config.mail.max_message_bytes;
    let mut raw = Vec::new();
    std::io::stdin()
        .take(limit as u64 + 1)
        .read_to_end(&mut raw)?;
    if raw.len() > limit {
        eprintln!("error: the message is larger than mail.max_message_bytes ({limit} bytes)");
        return Ok(ExitCode::from(EX_DATAERR));
    }
    let (store, keys) = match embargo_app::serve::open(&config).await {
        Ok(v) => v,
        Err(e) => {
            eprintln!("error: cannot open the database: {e:#}");
            return Ok(ExitCode::from(EX_TEMPFAIL));
        }
    };
    let program_id = match &args.program {
        Some(slug) => match embargo_store::program::by_slug(store.conn(), slug).await? {
            Some(p) => Some(p.id),
            None => {
                eprintln!("error: no program `{slug}` (see `embargo program list`)");
                return Ok(ExitCode::from(EX_DATAERR));
            }
        },
        None => None,
    };
    let state = embargo_app::serve::offline_state(config, store, keys);
    let envelope = Envelope {
        mail_from: args.sender,
        rcpt_to: args.recipient,
        via: "pipe".into(),
        ..Default::default()
    };
    let id = match ingest::store_raw(&state, program_id, envelope, &raw).await {
        Ok(id) => id,
        Err(e) => {
            eprintln!("error: cannot store the message: {e}");
            return Ok(ExitCode::from(EX_TEMPFAIL));
        }
    };
    // Stored: from here on the message is ours; a filing error leaves it for the sweep job.
    match ingest::process(&state, id).await {
        Ok(Outcome::Case(r)) => println!("stored as message {id}: new case {r}"),
        Ok(Outcome::Reply(r)) => println!("stored as message {id}: reply added to {r}"),
        Ok(Outcome::Quarantined(why)) => {
            println!("stored as message {id}: quarantined: {why}");
        }
        Err(e) => eprintln!("stored as message {id}; filing failed ({e}); the server will retry"),
    }
    Ok(ExitCode::SUCCESS)
}

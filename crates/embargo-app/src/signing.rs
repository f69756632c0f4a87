//! Per-program OpenPGP keys and the signatures made with them. Keys are Ed25519Legacy (EdDSA
//! v4), which GnuPG 2.2 reads; one is created on first use, its secret part sealed with the
//! master key, its public part published at `/p/{slug}/pgp-key.asc`.

use embargo_store::{Store, Ts, program};
use pgp::composed::{
    ArmorOptions, CleartextSignedMessage, Deserializable, KeyType, SecretKeyParamsBuilder,
    SignedSecretKey,
};
use pgp::types::{KeyDetails, Password};

use crate::error::{AppError, AppResult};
use crate::keys::Keys;

fn pgp_error(e: impl std::fmt::Display) -> AppError {
    AppError::internal(anyhow::anyhow!("OpenPGP: {e}"))
}

fn sealing_context(program_id: i64) -> String {
    format!("program:{program_id}:pgp-secret")
}

/// A new signing key for a program.
pub fn generate(user_id: &str) -> AppResult<SignedSecretKey> {
    let mut params = SecretKeyParamsBuilder::default();
    params
        .key_type(KeyType::Ed25519Legacy)
        .can_certify(true)
        .can_sign(true)
        .primary_user_id(user_id.into());
    let params = params.build().map_err(pgp_error)?;
    params
        .generate(chacha20poly1305::aead::OsRng)
        .map_err(pgp_error)
}

/// The program's current key, created (and stored) on first use.
pub async fn program_key(
    store: &Store,
    keys: &Keys,
    prog: &program::Program,
    now: Ts,
) -> AppResult<(SignedSecretKey, program::Key)> {
    if let Some(row) = program::current_key(store.conn(), prog.id).await? {
        let armored = keys
            .open(&row.secret_sealed, &sealing_context(prog.id))
            .map_err(AppError::internal)?;
        let text = String::from_utf8(armored).map_err(AppError::internal)?;
        let (key, _) = SignedSecretKey::from_armor_single(text.as_bytes()).map_err(pgp_error)?;
        return Ok((key, row));
    }
    let key = generate(&format!(
        "{} security team (Embargo) <security+{}@embargo.invalid>",
        prog.name, prog.slug
    ))?;
    let secret = key
        .to_armored_string(ArmorOptions::default())
        .map_err(pgp_error)?;
    let public = key
        .to_public_key()
        .to_armored_string(ArmorOptions::default())
        .map_err(pgp_error)?;
    let fingerprint = hex::encode_upper(key.fingerprint().as_bytes());
    let txn = store.begin().await?;
    // Another request may have created it meanwhile; the newest current key wins for both.
    let row = match program::current_key(&txn, prog.id).await? {
        Some(existing) => existing,
        None => {
            program::add_key(
                &txn,
                prog.id,
                &fingerprint,
                &public,
                &keys.seal(secret.as_bytes(), &sealing_context(prog.id)),
                now,
            )
            .await?
        }
    };
    txn.commit().await?;
    if row.fingerprint != fingerprint {
        return Box::pin(program_key(store, keys, prog, now)).await;
    }
    Ok((key, row))
}

/// `text` as an OpenPGP cleartext signed message (RFC 9580 §7), as RFC 9116 §2.3 recommends
/// for security.txt.
pub fn clear_sign(key: &SignedSecretKey, text: &str) -> AppResult<String> {
    let msg = CleartextSignedMessage::sign(
        chacha20poly1305::aead::OsRng,
        text,
        &key.primary_key,
        &Password::empty(),
    )
    .map_err(pgp_error)?;
    msg.to_armored_string(ArmorOptions::default())
        .map_err(pgp_error)
}

//! OpenPGP for the instance: per-program keys (Ed25519Legacy primary for signatures plus a
//! Curve25519Legacy encryption subkey, both readable by GnuPG 2.2), cleartext signatures,
//! encryption to a reporter's key, decryption of mail sent to the program key, and signature
//! checks. A program key is created on first use; its secret part is sealed with the master
//! key and its public part published at `/p/{slug}/pgp-key.asc`.

use embargo_store::{Store, Ts, program};
use pgp::composed::{
    ArmorOptions, CleartextSignedMessage, Deserializable, DetachedSignature, EncryptionCaps,
    KeyType, Message, MessageBuilder, SecretKeyParamsBuilder, SignedPublicKey, SignedSecretKey,
    SubkeyParamsBuilder,
};
use pgp::crypto::ecc_curve::ECCCurve;
use pgp::crypto::hash::HashAlgorithm;
use pgp::crypto::sym::SymmetricKeyAlgorithm;
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
    let mut encryption = SubkeyParamsBuilder::default();
    encryption
        .key_type(KeyType::ECDH(ECCCurve::Curve25519Legacy))
        .can_sign(false)
        .can_encrypt(EncryptionCaps::All)
        .can_authenticate(false);
    let mut params = SecretKeyParamsBuilder::default();
    params
        .key_type(KeyType::Ed25519Legacy)
        .can_certify(true)
        .can_sign(true)
        .primary_user_id(user_id.into())
        .subkey(encryption.build().map_err(pgp_error)?);
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

/// An ASCII-armoured detached signature (binary, SHA-256) over `data`: the `.asc` next to a
/// published CSAF file (CSAF 2.0 §7.1.19), which `gpg --verify file.asc file` checks.
pub fn sign_detached(key: &SignedSecretKey, data: &[u8]) -> AppResult<String> {
    let sig = DetachedSignature::sign_binary_data(
        chacha20poly1305::aead::OsRng,
        &key.primary_key,
        &Password::empty(),
        HashAlgorithm::Sha256,
        data,
    )
    .map_err(pgp_error)?;
    sig.to_armored_string(ArmorOptions::default())
        .map_err(pgp_error)
}

/// What went wrong with someone else's OpenPGP data (a reporter's key, an encrypted mail): a
/// clear message for the person or the quarantine list, never an internal error.
#[derive(Debug, thiserror::Error)]
pub enum PgpError {
    #[error("the OpenPGP public key cannot be read: {0}")]
    BadKey(String),
    #[error("the OpenPGP key {0} has no valid encryption subkey")]
    NoEncryptionKey(String),
    #[error("the OpenPGP message cannot be read: {0}")]
    BadMessage(String),
    #[error("the message is not encrypted to this program's key ({0})")]
    WrongKey(String),
    #[error("the signature does not verify: {0}")]
    BadSignature(String),
}

/// Parses an ASCII-armoured (or binary) public key and checks its self-signatures.
pub fn parse_public_key(data: &[u8]) -> Result<SignedPublicKey, PgpError> {
    let (key, _) = SignedPublicKey::from_reader_single(std::io::BufReader::new(data))
        .map_err(|e| PgpError::BadKey(e.to_string()))?;
    key.verify_bindings()
        .map_err(|e| PgpError::BadKey(format!("self-signature check failed: {e}")))?;
    Ok(key)
}

pub fn fingerprint(key: &SignedPublicKey) -> String {
    hex::encode_upper(key.fingerprint().as_bytes())
}

/// Encrypts `data` to every valid encryption subkey of `recipient` (SEIPDv1 with AES-256,
/// which every OpenPGP implementation since RFC 4880 reads), ASCII-armoured.
pub fn encrypt(recipient: &SignedPublicKey, data: &[u8]) -> Result<String, PgpError> {
    let subkeys: Vec<_> = recipient
        .public_subkeys
        .iter()
        .filter(|sk| {
            sk.signatures.iter().any(|sig| {
                let f = sig.key_flags();
                f.encrypt_comms() || f.encrypt_storage()
            }) && sk.verify_bindings(&recipient.primary_key).is_ok()
        })
        .collect();
    if subkeys.is_empty() {
        return Err(PgpError::NoEncryptionKey(fingerprint(recipient)));
    }
    let rng = chacha20poly1305::aead::OsRng;
    let mut builder =
        MessageBuilder::from_bytes("", data.to_vec()).seipd_v1(rng, SymmetricKeyAlgorithm::AES256);
    for sk in subkeys {
        builder
            .encrypt_to_key(rng, &sk)
            .map_err(|e| PgpError::BadKey(e.to_string()))?;
    }
    builder
        .to_armored_string(rng, ArmorOptions::default())
        .map_err(|e| PgpError::BadMessage(e.to_string()))
}

/// Decrypts an OpenPGP message (armoured or binary) with the program key, decompressing one
/// layer if the sender compressed (GnuPG does by default).
pub fn decrypt(key: &SignedSecretKey, data: &[u8]) -> Result<Vec<u8>, PgpError> {
    let msg = Message::from_reader(std::io::BufReader::new(data))
        .map_err(|e| PgpError::BadMessage(e.to_string()))?
        .0;
    let mut plain = msg
        .decrypt(&Password::empty(), key)
        .map_err(|e| PgpError::WrongKey(e.to_string()))?;
    if plain.is_compressed() {
        plain = plain
            .decompress()
            .map_err(|e| PgpError::BadMessage(e.to_string()))?;
    }
    plain
        .as_data_vec()
        .map_err(|e| PgpError::BadMessage(e.to_string()))
}

/// Checks a detached signature (RFC 3156 §5) over `content` against `signer`'s primary key or
/// any of its subkeys.
pub fn verify_detached(
    signer: &SignedPublicKey,
    content: &[u8],
    signature: &[u8],
) -> Result<(), PgpError> {
    let (sig, _) = DetachedSignature::from_reader_single(std::io::BufReader::new(signature))
        .map_err(|e| PgpError::BadSignature(e.to_string()))?;
    if sig.verify(&signer.primary_key, content).is_ok()
        || signer
            .public_subkeys
            .iter()
            .any(|sk| sig.verify(&sk.key, content).is_ok())
    {
        return Ok(());
    }
    Err(PgpError::BadSignature(format!(
        "not made by key {}",
        fingerprint(signer)
    )))
}

/// Checks an inline cleartext-signed block and returns its text.
pub fn verify_cleartext(signer: &SignedPublicKey, armored: &str) -> Result<String, PgpError> {
    let (msg, _) = CleartextSignedMessage::from_string(armored)
        .map_err(|e| PgpError::BadSignature(e.to_string()))?;
    let ok = msg.verify(&signer.primary_key).is_ok()
        || signer
            .public_subkeys
            .iter()
            .any(|sk| msg.verify(&sk.key).is_ok());
    if ok {
        Ok(msg.signed_text())
    } else {
        Err(PgpError::BadSignature(format!(
            "not made by key {}",
            fingerprint(signer)
        )))
    }
}

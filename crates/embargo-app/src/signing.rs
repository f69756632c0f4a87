//! The instance's minisign key: created on first use (the secret sealed with the master key,
//! shared by every instance through the database; the store keeps retired keys for a future
//! rotation command), and `.minisig` signatures over published manifests that `minisign -V` verifies.

use embargo_store::{Store, Ts, advisory};

use crate::error::{AppError, AppResult};
use crate::keys::Keys;

pub const PURPOSE: &str = "minisign";

/// A usable key: the secret opened, the public key in minisign's text form.
pub struct MinisignKey {
    pub key_id: String,
    secret: minisign::SecretKey,
    public: minisign::PublicKey,
    /// `untrusted comment: …\nRW…\n` (the `.pub` file).
    pub public_text: String,
}

fn sealing_context(key_id: &str) -> String {
    format!("instance-key:{PURPOSE}:{key_id}")
}

fn ms_error(e: minisign::PError) -> AppError {
    AppError::internal(anyhow::anyhow!("minisign: {e}"))
}

/// minisign's key id: the 8-byte key number, upper-case hex, as `minisign` prints it.
fn key_id(pk: &minisign::PublicKey) -> String {
    let bytes = pk.keynum();
    bytes.iter().rev().map(|b| format!("{b:02X}")).collect()
}

fn open(keys: &Keys, row: &advisory::InstanceKey) -> AppResult<MinisignKey> {
    let secret_text = keys
        .open(&row.secret_sealed, &sealing_context(&row.key_id))
        .map_err(AppError::internal)?;
    let secret_text = String::from_utf8(secret_text).map_err(AppError::internal)?;
    let secret = minisign::SecretKeyBox::from_string(&secret_text)
        .and_then(|b| b.into_unencrypted_secret_key())
        .map_err(ms_error)?;
    let public = minisign::PublicKeyBox::from_string(&row.public_key)
        .and_then(|b| b.into_public_key())
        .map_err(ms_error)?;
    Ok(MinisignKey {
        key_id: row.key_id.clone(),
        secret,
        public,
        public_text: row.public_key.clone(),
    })
}

async fn create(store: &Store, keys: &Keys, now: Ts) -> AppResult<advisory::InstanceKey> {
    let kp = minisign::KeyPair::generate_unencrypted_keypair().map_err(ms_error)?;
    let id = key_id(&kp.pk);
    let public = kp.pk.to_box().map_err(ms_error)?.into_string();
    let secret = kp
        .sk
        .to_box(Some(&format!("Embargo instance key {id}")))
        .map_err(ms_error)?
        .into_string();
    let txn = store.begin().await?;
    // Another instance may have created one meanwhile: keep the first.
    if let Some(existing) = advisory::current_instance_key(&txn, PURPOSE).await? {
        return Ok(existing);
    }
    let row = advisory::add_instance_key(
        &txn,
        PURPOSE,
        &id,
        &public,
        &keys.seal(secret.as_bytes(), &sealing_context(&id)),
        false,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// The current key, created on first use.
pub async fn current(store: &Store, keys: &Keys, now: Ts) -> AppResult<MinisignKey> {
    let row = match advisory::current_instance_key(store.conn(), PURPOSE).await? {
        Some(r) => r,
        None => create(store, keys, now).await?,
    };
    open(keys, &row)
}

impl MinisignKey {
    /// A `.minisig` over `data` (prehashed, as minisign ≥ 0.8 writes by default), with the
    /// trusted comment signed too.
    pub fn sign(&self, data: &[u8], trusted_comment: &str) -> AppResult<String> {
        let sig = minisign::sign(
            Some(&self.public),
            &self.secret,
            std::io::Cursor::new(data),
            Some(trusted_comment),
            Some(&format!("signature from Embargo key {}", self.key_id)),
        )
        .map_err(ms_error)?;
        Ok(sig.into_string())
    }
}

/// Checks a `.minisig` against a public key text (tests and `embargo kit verify`).
pub fn verify(public_text: &str, data: &[u8], signature: &str) -> Result<(), String> {
    let pk = minisign::PublicKeyBox::from_string(public_text)
        .and_then(|b| b.into_public_key())
        .map_err(|e| e.to_string())?;
    let sig = minisign::SignatureBox::from_string(signature).map_err(|e| e.to_string())?;
    minisign::verify(&pk, &sig, std::io::Cursor::new(data), true, false, false)
        .map_err(|e| e.to_string())
}

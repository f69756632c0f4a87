//! Shared server state: configuration, database, keys, clock, limiters, metrics.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

use embargo_store::Store;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use tokio::sync::mpsc;

use crate::clock::Clock;
use crate::config::Config;
use crate::keys::Keys;

#[derive(Clone, Debug)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub config: Config,
    pub store: Store,
    pub keys: Keys,
    pub clock: Arc<dyn Clock>,
    /// Base URL for links and the Origin check, without trailing slash.
    pub public_url: String,
    /// `scheme://host[:port]` of `public_url`, what browsers send as Origin.
    pub public_origin: String,
    /// Cookies get `Secure` (and the `__Host-` prefix) when served over HTTPS.
    pub secure_cookies: bool,
    /// Unauthenticated POSTs per client IP.
    pub post_limiter: DefaultKeyedRateLimiter<IpAddr>,
    pub access_log: mpsc::Sender<embargo_store::access_log::NewAccess>,
    /// Identifies this process as a job lease owner.
    pub instance_id: String,
    /// When this instance last scheduled a `last_used_at` write, per token id.
    token_touches: std::sync::Mutex<std::collections::HashMap<String, embargo_store::Ts>>,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("public_url", &self.public_url)
            .finish_non_exhaustive()
    }
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub fn new(
        config: Config,
        store: Store,
        keys: Keys,
        clock: Arc<dyn Clock>,
        public_url: String,
        access_log: mpsc::Sender<embargo_store::access_log::NewAccess>,
    ) -> AppState {
        let per_minute = NonZeroU32::new(config.security.unauthenticated_posts_per_minute.max(1))
            .unwrap_or(NonZeroU32::MIN);
        let public_origin = url::Url::parse(&public_url)
            .map(|u| u.origin().ascii_serialization())
            .unwrap_or_else(|_| public_url.clone());
        let secure_cookies = public_url.starts_with("https://");
        AppState(Arc::new(Inner {
            post_limiter: RateLimiter::keyed(Quota::per_minute(per_minute)),
            config,
            store,
            keys,
            clock,
            public_origin,
            public_url,
            secure_cookies,
            access_log,
            instance_id: format!("{}-{}", hostname(), uuid::Uuid::new_v4().simple()),
            token_touches: std::sync::Mutex::new(std::collections::HashMap::new()),
        }))
    }

    pub fn now(&self) -> embargo_store::Ts {
        self.clock.now()
    }

    /// True when this instance should record a use of `token_id` now (at most once a minute).
    pub fn claim_token_touch(&self, token_id: &str, now: embargo_store::Ts) -> bool {
        let Ok(mut map) = self.token_touches.lock() else {
            return false;
        };
        if map
            .get(token_id)
            .is_some_and(|last| now - *last < chrono::Duration::minutes(1))
        {
            return false;
        }
        if map.len() > 10_000 {
            map.retain(|_, last| now - *last < chrono::Duration::minutes(1));
        }
        map.insert(token_id.to_owned(), now);
        true
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|s| s.trim().to_owned())
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "embargo".into())
}

//! The source of "now". Production reads the system clock; tests inject a clock they move.

use std::sync::{Arc, Mutex};

use chrono::Utc;
use embargo_store::{Ts, micros};

pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current instant, truncated to microseconds (what the database stores).
    fn now(&self) -> Ts;
}

#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Ts {
        micros(Utc::now())
    }
}

/// A clock that only moves when told to.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<Mutex<Ts>>);

impl ManualClock {
    pub fn new(start: Ts) -> ManualClock {
        ManualClock(Arc::new(Mutex::new(micros(start))))
    }

    pub fn advance(&self, by: chrono::Duration) {
        if let Ok(mut t) = self.0.lock() {
            *t += by;
        }
    }

    pub fn set(&self, to: Ts) {
        if let Ok(mut t) = self.0.lock() {
            *t = micros(to);
        }
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Ts {
        self.0
            .lock()
            .map(|t| *t)
            .unwrap_or_else(|p| *p.into_inner())
    }
}

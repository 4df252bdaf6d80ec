//! When cached credentials are good, due for a refresh, or spent: a pure decision given the
//! time, and the state a transport keeps behind its lock (the cached credentials and the
//! source that gave them).

use std::time::Duration;

use di_proto::{Credentials, Timestamp};

use crate::chain::{ChainOptions, Resolver};
use crate::{Environment, Resolved, Source};

/// How long before their expiry cached credentials are refreshed: 5 minutes, inside the
/// 15-minute minimum session STS grants.
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// Credentials with less than this left are not used: a call signed with them could reach
/// the service after they expire.
pub const EXPIRY_FLOOR: Duration = Duration::from_secs(10);

/// What cached credentials are good for at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// Use them.
    Fresh,
    /// Still usable, but within the refresh margin: one caller refreshes while the others
    /// keep using them (and they are kept if that refresh fails).
    RefreshAhead,
    /// Not usable: refresh before signing anything.
    Expired,
}

/// The freshness at `now` of credentials that expire at `expiration` (never, for `None`),
/// refreshed `margin` ahead.
///
/// ```
/// use std::time::Duration;
/// use di_credentials::{freshness, Freshness};
/// use di_proto::Timestamp;
///
/// let expiry = Timestamp::from_unix_seconds(10_000)?;
/// let at = |seconds| Timestamp::from_unix_seconds(seconds).unwrap();
/// let margin = Duration::from_secs(300);
/// assert_eq!(freshness(Some(expiry), at(9_000), margin), Freshness::Fresh);
/// assert_eq!(freshness(Some(expiry), at(9_800), margin), Freshness::RefreshAhead);
/// assert_eq!(freshness(Some(expiry), at(9_995), margin), Freshness::Expired);
/// assert_eq!(freshness(None, at(i32::MAX as i64), margin), Freshness::Fresh);
/// # Ok::<(), di_proto::Error>(())
/// ```
pub fn freshness(expiration: Option<Timestamp>, now: Timestamp, margin: Duration) -> Freshness {
    let Some(expiration) = expiration else {
        return Freshness::Fresh;
    };
    let left = expiration.unix_seconds().saturating_sub(now.unix_seconds());
    let seconds = |duration: Duration| i64::try_from(duration.as_secs()).unwrap_or(i64::MAX);
    if left < seconds(EXPIRY_FLOOR) {
        Freshness::Expired
    } else if left <= seconds(margin) {
        Freshness::RefreshAhead
    } else {
        Freshness::Fresh
    }
}

/// What a cached provider does next.
#[derive(Debug)]
pub enum Lookup {
    /// Sign with these.
    Use(Credentials),
    /// Sign with these, and refresh if no other caller is refreshing already.
    UseAndRefresh(Credentials),
    /// Refresh (or wait for the caller refreshing) before signing.
    Refresh,
}

/// The state of a cached default-chain provider: the last credentials and the source that
/// gave them. A transport keeps it behind a lock; refreshing goes through
/// [`ChainCache::resolver`], which asks the remembered source only.
#[derive(Debug, Clone)]
pub struct ChainCache {
    env: Environment,
    options: ChainOptions,
    cached: Option<Resolved>,
    refreshes: u64,
}

impl ChainCache {
    /// Nothing cached yet.
    pub fn new(env: Environment, options: ChainOptions) -> Self {
        ChainCache {
            env,
            options,
            cached: None,
            refreshes: 0,
        }
    }

    /// What to do at `now`.
    pub fn lookup(&self, now: Timestamp) -> Lookup {
        let Some(cached) = &self.cached else {
            return Lookup::Refresh;
        };
        match freshness(cached.expiration, now, self.options.refresh_margin()) {
            Freshness::Fresh => Lookup::Use(cached.credentials.clone()),
            Freshness::RefreshAhead => Lookup::UseAndRefresh(cached.credentials.clone()),
            Freshness::Expired => Lookup::Refresh,
        }
    }

    /// A resolver for the next refresh: the remembered source alone once one worked, the
    /// whole chain before.
    pub fn resolver(&self) -> Resolver {
        match &self.cached {
            Some(cached) => {
                Resolver::for_source(self.env.clone(), self.options.clone(), cached.source)
            }
            None => Resolver::new(self.env.clone(), self.options.clone()),
        }
    }

    /// Keeps `resolved` as the current credentials.
    pub fn store(&mut self, resolved: Resolved) {
        self.refreshes = self.refreshes.saturating_add(1);
        self.cached = Some(resolved);
    }

    /// The source that gave the current credentials.
    pub fn source(&self) -> Option<Source> {
        self.cached.as_ref().map(|cached| cached.source)
    }

    /// The current credentials, as resolved.
    pub fn current(&self) -> Option<&Resolved> {
        self.cached.as_ref()
    }

    /// How many times credentials were resolved (the first time included).
    pub fn refreshes(&self) -> u64 {
        self.refreshes
    }
}

//! When cached credentials are good, due for a refresh, or spent: a pure decision given the
//! time, and the state a transport keeps behind its lock (the cached credentials and the
//! source that gave them); and, around a refresh, whether it is still needed once the refresh
//! lock is held and what to serve when it ends. The transports keep the locks, the clock and
//! the HTTP exchanges.

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

/// What a caller holding the refresh lock does: from [`ChainCache::recheck_ahead`] or
/// [`ChainCache::recheck_expired`].
#[derive(Debug)]
#[must_use]
pub enum Recheck {
    /// Sign with these: the caller that held the lock before refreshed already.
    Use(Credentials),
    /// Refresh now, still holding the lock: run [`ChainCache::resolver`] to its end and give
    /// its result to [`ChainCache::refreshed`].
    Refresh(PendingRefresh),
}

/// A refresh a caller took on, to hand back with its result to [`ChainCache::refreshed`]: it
/// remembers whether the cached credentials are to be served if the refresh fails.
#[derive(Debug)]
#[must_use]
pub struct PendingRefresh {
    /// The cached credentials, for a refresh ahead of expiry; `None` when they are spent.
    kept: Option<Credentials>,
}

impl PendingRefresh {
    /// Whether this refresh is ahead of expiry, so that its failure keeps the cached
    /// credentials; `false` when they are spent, and a failure is the caller's error.
    pub fn is_ahead(&self) -> bool {
        self.kept.is_some()
    }
}

/// What to serve after a refresh that did not fail the call: from [`ChainCache::refreshed`].
#[derive(Debug)]
#[must_use]
pub enum Refreshed<E> {
    /// The new credentials, now cached.
    New(Credentials),
    /// The refresh ahead of expiry failed with `error`: the cached credentials, served still
    /// (worth a warning).
    Kept {
        /// The cached credentials, as the caller first looked them up.
        credentials: Credentials,
        /// Why the refresh failed.
        error: E,
    },
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

    /// What a caller does once it holds the refresh lock, taken without waiting after
    /// [`lookup`](Self::lookup) at `now` said [`Lookup::UseAndRefresh`] with `cached`: refresh
    /// while the cache is still due at that same `now`, keeping `cached` if the refresh fails;
    /// otherwise (the caller that held the lock before refreshed) use the current credentials.
    pub fn recheck_ahead(&self, cached: Credentials, now: Timestamp) -> Recheck {
        match self.lookup(now) {
            Lookup::UseAndRefresh(_) => Recheck::Refresh(PendingRefresh { kept: Some(cached) }),
            // Refreshed meanwhile: the current credentials, whatever their freshness.
            Lookup::Use(_) | Lookup::Refresh => Recheck::Use(
                self.cached
                    .as_ref()
                    .map_or(cached, |current| current.credentials.clone()),
            ),
        }
    }

    /// What a caller does once it holds the refresh lock, which it waited for after
    /// [`lookup`](Self::lookup) said [`Lookup::Refresh`]; `now` is the time read once the lock
    /// is held. Use the cached credentials if the caller that held the lock before left
    /// usable ones (even within the refresh margin); otherwise refresh, and a failure is the
    /// caller's error.
    ///
    /// ```
    /// use di_credentials::{
    ///     ChainCache, ChainOptions, Environment, Lookup, Recheck, Refreshed, Step,
    /// };
    /// use di_proto::Timestamp;
    ///
    /// let env = Environment::empty()
    ///     .with_var("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI5tExample")
    ///     .with_var("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "example-secret");
    /// let mut cache = ChainCache::new(env, ChainOptions::new());
    /// let now = Timestamp::from_unix_seconds(1_700_000_000)?;
    /// // Nothing cached: take the refresh lock, waiting for it, and look again.
    /// assert!(matches!(cache.lookup(now), Lookup::Refresh));
    /// let Recheck::Refresh(refresh) = cache.recheck_expired(now) else { panic!("refresh") };
    /// assert!(!refresh.is_ahead());
    /// let Step::Done(result) = cache.resolver().next(now, "nonce", None) else {
    ///     panic!("the environment needs no exchange");
    /// };
    /// let Ok(Refreshed::New(credentials)) = cache.refreshed(refresh, result) else {
    ///     panic!("resolved");
    /// };
    /// assert_eq!(credentials.access_key_id(), "LTAI5tExample");
    /// // A caller that waited meanwhile finds them.
    /// assert!(matches!(cache.recheck_expired(now), Recheck::Use(_)));
    /// # Ok::<(), di_proto::Error>(())
    /// ```
    pub fn recheck_expired(&self, now: Timestamp) -> Recheck {
        match self.lookup(now) {
            Lookup::Use(credentials) | Lookup::UseAndRefresh(credentials) => {
                Recheck::Use(credentials)
            }
            Lookup::Refresh => Recheck::Refresh(PendingRefresh { kept: None }),
        }
    }

    /// Ends `refresh` with `result`, the end of [`resolver`](Self::resolver): new credentials
    /// are stored and served; a failure ahead of expiry serves the cached credentials
    /// ([`Refreshed::Kept`], with the error); a failure once they are spent is the error.
    ///
    /// # Errors
    /// The `result`'s error, when `refresh` was not ahead of expiry.
    pub fn refreshed<E>(
        &mut self,
        refresh: PendingRefresh,
        result: Result<Resolved, E>,
    ) -> Result<Refreshed<E>, E> {
        match (result, refresh.kept) {
            (Ok(resolved), _) => {
                let credentials = resolved.credentials.clone();
                self.store(resolved);
                Ok(Refreshed::New(credentials))
            }
            (Err(error), Some(credentials)) => Ok(Refreshed::Kept { credentials, error }),
            (Err(error), None) => Err(error),
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

#[cfg(test)]
mod tests {
    use super::*;

    const MARGIN: Duration = DEFAULT_REFRESH_MARGIN;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_unix_seconds(seconds).unwrap()
    }

    fn resolved(id: &str, expiration: i64) -> Resolved {
        Resolved {
            credentials: Credentials::new(id, "secret").unwrap(),
            expiration: Some(at(expiration)),
            source: Source::CredentialsUri,
            detail: "test".to_owned(),
        }
    }

    /// A cache holding `STS.old`, which expires at 10 000.
    fn cache() -> ChainCache {
        let mut cache = ChainCache::new(Environment::empty(), ChainOptions::new());
        cache.store(resolved("STS.old", 10_000));
        cache
    }

    fn id(credentials: &Credentials) -> &str {
        credentials.access_key_id()
    }

    #[test]
    fn fresh_credentials_are_used_as_they_are() {
        let cache = cache();
        let now = at(10_000 - 301);
        let Lookup::Use(credentials) = cache.lookup(now) else {
            panic!("fresh");
        };
        assert_eq!(id(&credentials), "STS.old");
        // Fresh at the second look too (a caller that waited for another's refresh).
        let Recheck::Use(credentials) = cache.recheck_expired(now) else {
            panic!("fresh");
        };
        assert_eq!(id(&credentials), "STS.old");
        assert_eq!(cache.refreshes(), 1);
    }

    #[test]
    fn near_expiry_a_refresh_that_works_is_stored_and_served() {
        let mut cache = cache();
        let now = at(10_000 - MARGIN.as_secs() as i64);
        let Lookup::UseAndRefresh(cached) = cache.lookup(now) else {
            panic!("due");
        };
        let Recheck::Refresh(refresh) = cache.recheck_ahead(cached, now) else {
            panic!("still due");
        };
        assert!(refresh.is_ahead());
        let result: Result<_, String> = Ok(resolved("STS.new", 20_000));
        let Ok(Refreshed::New(credentials)) = cache.refreshed(refresh, result) else {
            panic!("new");
        };
        assert_eq!(id(&credentials), "STS.new");
        assert_eq!(cache.refreshes(), 2);
        assert_eq!(cache.current().unwrap().expiration, Some(at(20_000)));
        assert!(matches!(cache.lookup(now), Lookup::Use(_)));
    }

    #[test]
    fn near_expiry_a_failed_refresh_keeps_the_cached_credentials() {
        let mut cache = cache();
        let now = at(10_000 - 10);
        let Lookup::UseAndRefresh(cached) = cache.lookup(now) else {
            panic!("due, and still usable");
        };
        let Recheck::Refresh(refresh) = cache.recheck_ahead(cached, now) else {
            panic!("still due");
        };
        let result: Result<Resolved, _> = Err("no answer".to_owned());
        let Ok(Refreshed::Kept { credentials, error }) = cache.refreshed(refresh, result) else {
            panic!("kept");
        };
        assert_eq!(id(&credentials), "STS.old");
        assert_eq!(error, "no answer");
        // Nothing stored: the next caller is due to refresh again.
        assert_eq!(cache.refreshes(), 1);
        assert!(matches!(cache.lookup(now), Lookup::UseAndRefresh(_)));
    }

    #[test]
    fn expired_a_failed_refresh_is_the_error() {
        let mut cache = cache();
        let now = at(10_000 - 9);
        assert!(matches!(cache.lookup(now), Lookup::Refresh));
        let Recheck::Refresh(refresh) = cache.recheck_expired(now) else {
            panic!("spent");
        };
        assert!(!refresh.is_ahead());
        let result: Result<Resolved, _> = Err("no answer".to_owned());
        let Err(error) = cache.refreshed(refresh, result) else {
            panic!("the error");
        };
        assert_eq!(error, "no answer");
        assert_eq!(cache.refreshes(), 1);
        assert!(matches!(cache.lookup(now), Lookup::Refresh));
    }

    #[test]
    fn expired_a_refresh_that_works_is_stored_and_served() {
        let mut cache = ChainCache::new(Environment::empty(), ChainOptions::new());
        let now = at(5_000);
        assert!(matches!(cache.lookup(now), Lookup::Refresh));
        let Recheck::Refresh(refresh) = cache.recheck_expired(now) else {
            panic!("nothing cached");
        };
        let result: Result<_, String> = Ok(resolved("STS.new", 10_000));
        let Ok(Refreshed::New(credentials)) = cache.refreshed(refresh, result) else {
            panic!("new");
        };
        assert_eq!(id(&credentials), "STS.new");
        assert_eq!(cache.source(), Some(Source::CredentialsUri));
    }

    #[test]
    fn a_caller_that_waited_uses_what_the_refresher_left() {
        // The refresher left credentials within the margin: they are used, not refreshed
        // again by the caller that waited.
        let mut cache = cache();
        let now = at(10_000 - 100);
        assert!(matches!(cache.lookup(at(10_000 - 5)), Lookup::Refresh));
        let Recheck::Use(credentials) = cache.recheck_expired(now) else {
            panic!("usable");
        };
        assert_eq!(id(&credentials), "STS.old");
        // A refresher that left spent credentials: the caller that waited refreshes.
        cache.store(resolved("STS.short", 10_000 - 95));
        assert!(matches!(
            cache.recheck_expired(now),
            Recheck::Refresh(PendingRefresh { kept: None })
        ));
    }

    #[test]
    fn a_refresh_ahead_done_meanwhile_is_not_done_again() {
        let mut cache = cache();
        let now = at(10_000 - 100);
        let Lookup::UseAndRefresh(cached) = cache.lookup(now) else {
            panic!("due");
        };
        // Another caller refreshed between this caller's look and its taking the lock.
        cache.store(resolved("STS.new", 20_000));
        let Recheck::Use(credentials) = cache.recheck_ahead(cached, now) else {
            panic!("refreshed already");
        };
        assert_eq!(id(&credentials), "STS.new");
    }

    #[test]
    fn a_refresh_ahead_still_due_keeps_the_first_look() {
        // Another caller refreshed to credentials that are due as well: this caller refreshes
        // again, and keeps what it first looked up if that fails (as the transports did).
        let mut cache = cache();
        let now = at(10_000 - 100);
        let Lookup::UseAndRefresh(cached) = cache.lookup(now) else {
            panic!("due");
        };
        cache.store(resolved("STS.due", 10_000 - 50));
        let Recheck::Refresh(refresh) = cache.recheck_ahead(cached, now) else {
            panic!("still due");
        };
        let result: Result<Resolved, _> = Err(());
        let Ok(Refreshed::Kept { credentials, .. }) = cache.refreshed(refresh, result) else {
            panic!("kept");
        };
        assert_eq!(id(&credentials), "STS.old");
    }
}

//! [`IronParams`]: the iron options that shape a seal (iterations, ttl,
//! clock skew and offset, the legacy fallback).

use super::IronError;

/// The iron options that shape a seal.
///
/// Start from [`IronParams::H3_V1`] or [`IronParams::H3_V2`] and adjust with the `with_*`
/// methods.
///
/// ```
/// use session_runtime::h3::iron::IronParams;
///
/// // h3 v2 `useSession(event, { password, maxAge: 3600 })`:
/// let params = IronParams::H3_V2.with_ttl_ms(3600 * 1000);
/// assert_eq!(params.encryption_iterations, 8192);
/// assert!(params.legacy_fallback);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct IronParams {
    /// PBKDF2 iterations for the encryption key.
    pub encryption_iterations: u32,
    /// PBKDF2 iterations for the integrity (HMAC) key.
    pub integrity_iterations: u32,
    /// Seal lifetime in milliseconds; `0` writes no expiration (iron `ttl`).
    pub ttl_ms: u64,
    /// How long after its expiration a seal is still accepted (iron `timestampSkewSec`, 60 s).
    pub timestamp_skew_ms: u64,
    /// Added to the caller's clock on seal and unseal (iron `localtimeOffsetMsec`).
    pub localtime_offset_ms: i64,
    /// When unsealing fails with [`IronError::BadHmac`] and `integrity_iterations != 1`,
    /// retry once with one iteration for both keys (h3 v2 `legacySealFallback`).
    pub legacy_fallback: bool,
}

impl IronParams {
    /// h3 1.x, hapi iron and iron-webcrypto defaults: one iteration, no ttl, 60 s skew.
    pub const H3_V1: Self = Self {
        encryption_iterations: 1,
        integrity_iterations: 1,
        ttl_ms: 0,
        timestamp_skew_ms: 60_000,
        localtime_offset_ms: 0,
        legacy_fallback: false,
    };

    /// h3 2.x defaults: 8192 iterations for both keys, with the legacy one-iteration fallback.
    pub const H3_V2: Self = Self {
        encryption_iterations: 8192,
        integrity_iterations: 8192,
        ttl_ms: 0,
        timestamp_skew_ms: 60_000,
        localtime_offset_ms: 0,
        legacy_fallback: true,
    };

    /// Sets the seal lifetime (h3 passes `maxAge * 1000`); `0` means no expiration.
    #[must_use]
    pub const fn with_ttl_ms(mut self, ttl_ms: u64) -> Self {
        self.ttl_ms = ttl_ms;
        self
    }

    /// Sets the accepted clock skew after expiration.
    #[must_use]
    pub const fn with_timestamp_skew_ms(mut self, skew_ms: u64) -> Self {
        self.timestamp_skew_ms = skew_ms;
        self
    }

    /// Sets the offset added to the caller's clock.
    #[must_use]
    pub const fn with_localtime_offset_ms(mut self, offset_ms: i64) -> Self {
        self.localtime_offset_ms = offset_ms;
        self
    }

    /// Sets the PBKDF2 iterations of both keys.
    #[must_use]
    pub const fn with_iterations(mut self, iterations: u32) -> Self {
        self.encryption_iterations = iterations;
        self.integrity_iterations = iterations;
        self
    }

    /// Enables or disables the legacy one-iteration fallback.
    #[must_use]
    pub const fn with_legacy_fallback(mut self, enabled: bool) -> Self {
        self.legacy_fallback = enabled;
        self
    }

    pub(super) fn validate(&self) -> Result<(), IronError> {
        if self.encryption_iterations == 0 || self.integrity_iterations == 0 {
            return Err(IronError::InvalidParams(
                "PBKDF2 iterations must be at least 1",
            ));
        }
        Ok(())
    }

    pub(super) fn legacy(&self) -> Self {
        Self {
            encryption_iterations: 1,
            integrity_iterations: 1,
            legacy_fallback: false,
            ..*self
        }
    }

    /// The clock as iron sees it: caller time plus the local offset.
    pub(super) fn now(&self, now_ms: u64) -> i128 {
        i128::from(now_ms) + i128::from(self.localtime_offset_ms)
    }
}

impl Default for IronParams {
    fn default() -> Self {
        Self::H3_V1
    }
}

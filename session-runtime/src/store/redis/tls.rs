//! TLS for [`RedisStore`](super::RedisStore) (feature `redis-tls`): the
//! rustls crypto provider and the custom root certificates.

use rustls::crypto::CryptoProvider;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject as _;

use crate::error::{StoreError, StoreErrorKind};

/// Makes sure rustls has a process-wide crypto provider before redis builds
/// its TLS configuration (`rustls::ClientConfig::builder()`).
///
/// rustls picks one from its crate features only when exactly one provider
/// is compiled in, and panics otherwise: an application that also links
/// rustls with `aws-lc-rs` (its default) would get a panic on the first
/// `rediss://` connection. So unless the application installed a provider
/// first (which is then used), this installs `ring`, as rustls itself does
/// when `ring` is the only provider.
pub(super) fn install_crypto_provider() {
    if CryptoProvider::get_default().is_none() {
        // Losing a race with another installer is fine: any provider does.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

/// Checks that `pem` holds at least one well-formed certificate: redis
/// would otherwise trust an empty set and refuse every server with a
/// less helpful error.
pub(super) fn check_root_certificates(pem: &[u8]) -> Result<(), StoreError> {
    let mut count = 0usize;
    for certificate in CertificateDer::pem_slice_iter(pem) {
        certificate.map_err(|e| {
            StoreError::new(
                StoreErrorKind::Other,
                format!("redis TLS root certificates: not PEM certificates: {e}"),
            )
        })?;
        count += 1;
    }
    if count == 0 {
        return Err(StoreError::new(
            StoreErrorKind::Other,
            "redis TLS root certificates: no PEM CERTIFICATE block",
        ));
    }
    Ok(())
}

/// Whether `error` is a TLS failure (the handshake refused, a certificate
/// not trusted or not for the host): redis keeps the `rustls::Error`, or
/// the I/O error that carries it, behind an `Arc` as the error's source.
pub(super) fn is_tls_failure(error: &redis::RedisError) -> bool {
    use std::error::Error;
    use std::sync::Arc;

    fn is_tls(error: &(dyn Error + 'static)) -> bool {
        error.is::<rustls::Error>()
            || error
                .downcast_ref::<std::io::Error>()
                .and_then(std::io::Error::get_ref)
                .is_some_and(<dyn Error + Send + Sync>::is::<rustls::Error>)
    }

    error.source().is_some_and(|source| {
        is_tls(source)
            || source
                .downcast_ref::<Arc<dyn Error + Send + Sync>>()
                .is_some_and(|inner| is_tls(&**inner))
    })
}

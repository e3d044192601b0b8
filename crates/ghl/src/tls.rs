//! One TLS stack for the whole process: rustls with the `ring` provider, no OpenSSL.

use std::sync::Once;

static INSTALL: Once = Once::new();

/// Installs `ring` as the process-wide rustls crypto provider, once.
///
/// reqwest is built without a provider of its own so that exactly one crypto library is linked;
/// every HTTP client in the process is built after this has run.
pub fn install_crypto_provider() {
    INSTALL.call_once(|| {
        // Another part of the process may have installed the same provider first; that is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

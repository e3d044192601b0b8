//! One TLS stack for the whole process: rustls with the `ring` provider, no OpenSSL.

use std::sync::Once;

static INSTALL: Once = Once::new();

/// Installs `ring` as the process-wide rustls crypto provider, once.
///
/// reqwest is built without a provider of its own (the workspace links exactly one crypto
/// library), so a provider must be installed before the first HTTP client is built.
pub fn install_crypto_provider() {
    INSTALL.call_once(|| {
        // Another crate of the process (the GHL client) may have installed it first; fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

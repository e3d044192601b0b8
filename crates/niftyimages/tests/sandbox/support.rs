//! A sandbox per test and clients holding its keys.

use niftyimages::{ApiKey, NiftyClient};
use sandbox::nifty::{NiftySandbox, NiftySandboxConfig};

pub struct Harness {
    pub sandbox: NiftySandbox,
}

impl Harness {
    pub async fn start() -> Self {
        Self::start_with(NiftySandboxConfig {
            seed: Some(7),
            ..NiftySandboxConfig::default()
        })
        .await
    }

    pub async fn start_with(config: NiftySandboxConfig) -> Self {
        let sandbox = NiftySandbox::start(config).await.expect("sandbox starts");
        Self { sandbox }
    }

    pub fn account(&self) -> NiftyClient {
        NiftyClient::connect(
            self.sandbox.api_url(),
            ApiKey::account(self.sandbox.account_key()),
        )
        .unwrap()
    }

    pub fn store(&self, name: &str) -> NiftyClient {
        self.account()
            .with_key(ApiKey::store(self.sandbox.store_key(name).unwrap()))
    }

    /// A client with timer `index`'s key, and that timer's image URL.
    pub fn timer(&self, index: usize) -> (NiftyClient, String) {
        let timer = &self.sandbox.info().timers[index];
        (
            self.account().with_key(ApiKey::timer(&timer.key)),
            timer.image_url.clone(),
        )
    }

    pub fn image_url(&self, name: &str) -> String {
        self.sandbox
            .info()
            .images
            .iter()
            .find(|i| i.name == name)
            .unwrap()
            .url
            .clone()
    }
}

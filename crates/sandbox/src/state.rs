//! The whole sandbox behind one `Arc`: the world, tokens, budgets, log, webhooks and settings.

use parking_lot::{Mutex, RwLock};
use serde::{Deserialize, Serialize};

use crate::api_error::ApiError;
use crate::auth::{App, Tokens};
use crate::clock::Clock;
use crate::ids::IdGenerator;
use crate::rate_limit::RateLimiter;
use crate::request_log::RequestLog;
use crate::settings::Settings;
use crate::webhooks::{Envelope, Webhooks};
use crate::world::{Ctx, World};

/// One location as the startup line and `/_sandbox/info` describe it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LocationInfo {
    pub id: String,
    pub name: String,
    /// A Private Integration Token for this location (sandbox credentials only).
    pub pit: String,
}

pub struct SandboxState {
    /// The base URL the sandbox answers on.
    pub url: String,
    pub settings: RwLock<Settings>,
    pub world: Mutex<World>,
    pub tokens: Mutex<Tokens>,
    pub app: App,
    pub company_id: String,
    pub locations: Vec<LocationInfo>,
    pub clock: Clock,
    pub ids: IdGenerator,
    pub limiter: RateLimiter,
    pub log: RequestLog,
    pub webhooks: Webhooks,
}

impl std::fmt::Debug for SandboxState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxState")
            .field("url", &self.url)
            .field("app", &self.app)
            .field("tokens", &*self.tokens.lock())
            .finish_non_exhaustive()
    }
}

impl SandboxState {
    /// Runs a change on the world and sends the webhooks it caused once it has succeeded.
    pub fn mutate<T>(
        &self,
        change: impl FnOnce(&mut World, &mut Ctx<'_>) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let mut ctx = Ctx::new(self.clock.now(), &self.ids);
        let webhook_settings = self.settings.read().webhooks.clone();
        ctx.task_create_omits_contact = webhook_settings.task_create_omits_contact;
        let result = change(&mut self.world.lock(), &mut ctx)?;
        self.webhooks.dispatch(
            ctx.events,
            &Envelope {
                app_id: self.app.app_id.clone(),
                version_id: self.app.version_id.clone(),
            },
            &self.ids,
            &webhook_settings,
        );
        Ok(result)
    }

    pub fn location_ids(&self) -> Vec<String> {
        self.locations.iter().map(|l| l.id.clone()).collect()
    }
}

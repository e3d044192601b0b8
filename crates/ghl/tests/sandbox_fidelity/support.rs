//! Shared pieces: a sandbox per test, clients for its locations, and the control API.

use std::sync::Arc;

use ghl::{ClientConfig, GhlClient, StaticToken};
use sandbox::{RunningSandbox, SandboxConfig};
use std::collections::BTreeSet;

use ghl_spec::SpecCheck;
use serde_json::Value;

pub struct Harness {
    pub sandbox: RunningSandbox,
    pub http: reqwest::Client,
}

impl Harness {
    pub async fn start() -> Self {
        Self::start_with(SandboxConfig::default()).await
    }

    pub async fn start_with(config: SandboxConfig) -> Self {
        let sandbox = sandbox::start(config).await.expect("sandbox starts");
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self { sandbox, http }
    }

    pub fn location(&self, index: usize) -> String {
        self.sandbox.location_id(index).to_owned()
    }

    /// A client holding location `index`'s Private Integration Token.
    pub fn client(&self, index: usize) -> GhlClient {
        self.client_with_token(self.sandbox.pit(index))
    }

    pub fn client_with_token(&self, token: &str) -> GhlClient {
        let config = ClientConfig::with_base_url(self.sandbox.url()).unwrap();
        GhlClient::new(config, Arc::new(StaticToken::new(token))).unwrap()
    }

    pub async fn control(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self
            .http
            .request(method, format!("{}/_sandbox{path}", self.sandbox.url()));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert!(
            status.is_success(),
            "control call {path} failed: {status} {body}"
        );
        body
    }

    pub async fn settings(&self, patch: Value) {
        self.control(reqwest::Method::PATCH, "/settings", Some(patch))
            .await;
    }

    pub async fn state(&self, location_index: usize) -> Value {
        let location = self.location(location_index);
        let state = self
            .control(
                reqwest::Method::GET,
                &format!("/state?location_id={location}"),
                None,
            )
            .await;
        state["locations"][0].clone()
    }

    pub async fn requests(&self) -> Value {
        self.control(reqwest::Method::GET, "/requests", None).await
    }

    /// Grants an OAuth token through the sandbox's instant-approve authorize page.
    pub async fn oauth_grant(
        &self,
        scopes: &str,
        extra: &[(&str, &str)],
    ) -> ghl::oauth::TokenGrant {
        let info = self.sandbox.info();
        let mut url = reqwest::Url::parse(&info.authorize_url).unwrap();
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &info.client_id)
            .append_pair("redirect_uri", "http://127.0.0.1:9/callback")
            .append_pair("scope", scopes)
            .append_pair("state", "xyz");
        for (k, v) in extra {
            url.query_pairs_mut().append_pair(k, v);
        }
        let response = self.http.get(url).send().await.unwrap();
        assert_eq!(response.status(), 302);
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        let redirect = reqwest::Url::parse(&location).unwrap();
        let pairs: std::collections::HashMap<String, String> =
            redirect.query_pairs().into_owned().collect();
        assert_eq!(pairs["state"], "xyz");
        let client = self.client_with_token("unused");
        client
            .exchange_authorization_code(
                &self.app(),
                &pairs["code"],
                Some("http://127.0.0.1:9/callback"),
                None,
            )
            .await
            .expect("code exchange")
            .into_inner()
    }

    pub fn app(&self) -> ghl::oauth::ClientCredentials {
        let info = self.sandbox.info();
        ghl::oauth::ClientCredentials::new(info.client_id.clone(), info.client_secret.clone())
    }
}

impl Harness {
    /// Checks every request the client sent and every answer the sandbox gave against GHL's
    /// spec (with the live exceptions), and returns the operations seen answering 2xx.
    pub async fn assert_log_matches_spec(&self) -> BTreeSet<(String, String)> {
        let spec = SpecCheck::load().unwrap();
        let log = self.requests().await;
        let mut failures = Vec::new();
        let mut succeeded = BTreeSet::new();
        for entry in log["requests"].as_array().unwrap() {
            let method = entry["method"].as_str().unwrap();
            let route = entry["route"].as_str().unwrap();
            let Some(path) = spec.spec_path(method, route) else {
                continue;
            };
            let status = entry["status"].as_u64().unwrap() as u16;
            let fault = entry["fault"].as_str();
            if matches!(fault, Some("dropped" | "dropped_after_apply")) {
                continue; // no answer was sent
            }
            // Requests: those the client sent (tests also send malformed ones on purpose).
            let from_client = entry["user_agent"]
                .as_str()
                .is_some_and(|ua| ua.starts_with("nifty-ghl/"));
            let request_body = entry.get("request_body").filter(|b| !b.is_null());
            if from_client && let Err(errors) = spec.check_request(method, &path, request_body) {
                failures.push(format!("request {method} {path}: {errors:?}"));
            }
            let body = entry.get("response_body").cloned().unwrap_or(Value::Null);
            if let Err(errors) = spec.check_response(method, &path, status, &body) {
                failures.push(format!(
                    "response {status} {method} {path}: {errors:?}\n  body: {body}"
                ));
            }
            if (200..300).contains(&status) {
                succeeded.insert((method.to_owned(), path));
            }
        }
        assert!(
            failures.is_empty(),
            "bodies that do not match the spec:\n{}",
            failures.join("\n")
        );
        succeeded
    }
}

pub fn email(tag: &str) -> String {
    format!("{tag}@example.com")
}

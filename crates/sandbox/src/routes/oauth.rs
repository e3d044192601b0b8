//! GHL's OAuth: the authorisation page (which, in the sandbox, approves at once), the token
//! endpoint, and agency → location tokens.

use axum::extract::{Extension, Query, State};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::StatusCode;
use serde_json::{Map, Value, json};

use super::{AppState, Params, reply};
use crate::api_error::ApiError;
use crate::auth::{
    AUTH_CLASS_MESSAGE, AuthorizeRequest, Caller, Issued, Issuer, TokenKind, UserType,
};

/// `GET /oauth/chooselocation` (and `/v2/…`). A real GHL shows a location picker; the sandbox
/// approves at once and redirects with a code. Sandbox-only parameters: `location_id` picks
/// the location (default: the first), `user_type=Company` asks for an agency token.
pub async fn choose_location(
    State(state): State<AppState>,
    Query(params): Query<Params>,
) -> Result<Response, ApiError> {
    let param = |name: &str| {
        params
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    };
    if param("response_type") != Some("code") {
        return Err(ApiError::BadRequest("response_type must be code".into()));
    }
    if param("client_id") != Some(state.app.client_id.as_str()) {
        return Err(ApiError::BadRequest(
            "Invalid client_id: no app has this client id".into(),
        ));
    }
    let redirect_uri = param("redirect_uri")
        .ok_or_else(|| ApiError::BadRequest("redirect_uri is required".into()))?;
    let mut redirect = url::Url::parse(redirect_uri)
        .map_err(|_| ApiError::BadRequest("redirect_uri must be an absolute URL".into()))?;
    let scopes: Vec<String> = param("scope")
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    if scopes.is_empty() {
        return Err(ApiError::BadRequest("scope is required".into()));
    }
    let user_type = match param("user_type") {
        None | Some("Location") => UserType::Location,
        Some("Company") => UserType::Company,
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "user_type must be Location or Company, not {other}"
            )));
        }
    };
    let location_id = match user_type {
        UserType::Company => None,
        UserType::Location => {
            let wanted = param("location_id").map(str::to_owned);
            let known = state.location_ids();
            match wanted {
                Some(id) if known.contains(&id) => Some(id),
                Some(id) => return Err(ApiError::BadRequest(format!("Location {id} not found"))),
                None => known.first().cloned(),
            }
        }
    };
    let code = state.tokens.lock().issue_code(
        &state.ids,
        AuthorizeRequest {
            redirect_uri: redirect_uri.to_owned(),
            scopes,
            user_type,
            location_id,
        },
        state.clock.now_ms(),
    );
    {
        let mut query = redirect.query_pairs_mut();
        query.append_pair("code", &code);
        if let Some(csrf_state) = param("state") {
            query.append_pair("state", csrf_state);
        }
    }
    Ok((
        StatusCode::FOUND,
        [(http::header::LOCATION, redirect.to_string())],
    )
        .into_response())
}

/// `POST /oauth/token`, form-encoded: `authorization_code` or `refresh_token`.
pub async fn token(State(state): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let form: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).map_err(|_| {
        ApiError::BadRequest("The body must be application/x-www-form-urlencoded".into())
    })?;
    let fields: Map<String, Value> = form
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    let body = Value::Object(fields);
    let mut check = crate::checker::Checker::new(&body)?;
    let client_id = check.required_string("client_id");
    let client_secret = check.required_string("client_secret");
    let grant_type = check.required_string("grant_type");
    let code = check.string("code", false).flatten();
    let refresh_token = check.string("refresh_token", false).flatten();
    let _user_type = check.string("user_type", false);
    let redirect_uri = check.string("redirect_uri", false).flatten();
    check.finish()?;
    if client_id.as_deref() != Some(state.app.client_id.as_str())
        || client_secret.as_deref() != Some(state.app.client_secret.as_str())
    {
        return Err(ApiError::InvalidClient);
    }
    let lifetime_secs = state.settings.read().access_token_lifetime_secs;
    let locations = state.location_ids();
    let issuer = Issuer {
        ids: &state.ids,
        app: &state.app,
        company_id: &state.company_id,
        all_locations: &locations,
        lifetime_secs,
        now_ms: state.clock.now_ms(),
    };
    let issued = match grant_type.as_deref() {
        Some("authorization_code") => {
            let code = code
                .ok_or_else(|| ApiError::Unprocessable(vec!["code should not be empty".into()]))?;
            state
                .tokens
                .lock()
                .redeem_code(&issuer, &code, redirect_uri.as_deref())?
        }
        Some("refresh_token") => {
            let refresh_token = refresh_token.ok_or_else(|| {
                ApiError::Unprocessable(vec!["refresh_token should not be empty".into()])
            })?;
            state
                .tokens
                .lock()
                .redeem_refresh(&issuer, &refresh_token)?
        }
        Some("client_credentials") => {
            return Err(ApiError::OAuth {
                code: "unsupported_grant_type",
                message: "client_credentials is not enabled for this app".into(),
            });
        }
        _ => {
            return Err(ApiError::Unprocessable(vec![
                "grant_type must be one of the following values: authorization_code, refresh_token, client_credentials".into(),
            ]));
        }
    };
    reply(StatusCode::OK, token_body(&issued))
}

fn token_body(issued: &Issued) -> Value {
    let mut body = json!({
        "access_token": issued.access_token,
        "token_type": "Bearer",
        "expires_in": issued.expires_in,
        "scope": issued.scope,
        "userType": issued.user_type,
        "companyId": issued.company_id,
        "userId": issued.user_id,
    });
    if let Some(refresh_token) = &issued.refresh_token {
        body["refresh_token"] = json!(refresh_token);
    }
    match issued.user_type {
        UserType::Location => {
            body["locationId"] = json!(issued.location_id);
            body["isBulkInstallation"] = json!(false);
        }
        UserType::Company => {
            body["approvedLocations"] = json!(issued.approved_locations);
            body["isBulkInstallation"] = json!(true);
        }
    }
    body
}

/// `POST /oauth/locationToken`, form-encoded, with an agency token.
pub async fn location_token(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> Result<Response, ApiError> {
    if caller.kind != TokenKind::Company {
        return Err(ApiError::Unauthorized(AUTH_CLASS_MESSAGE.into()));
    }
    caller.require("oauth.write")?;
    let form: Params = serde_urlencoded::from_bytes(&body).map_err(|_| {
        ApiError::BadRequest("The body must be application/x-www-form-urlencoded".into())
    })?;
    let mut missing = Vec::new();
    for name in ["companyId", "locationId"] {
        if form.get(name).is_none_or(|v| v.is_empty()) {
            missing.push(format!("{name} should not be empty"));
        }
    }
    if let Some(extra) = form
        .keys()
        .find(|k| !["companyId", "locationId"].contains(&k.as_str()))
    {
        missing.push(format!("property {extra} should not exist"));
    }
    if !missing.is_empty() {
        return Err(ApiError::Unprocessable(missing));
    }
    if form["companyId"] != caller.company_id {
        return Err(ApiError::Forbidden(
            "The token does not have access to this company".into(),
        ));
    }
    let location_id = &form["locationId"];
    if !state.location_ids().contains(location_id) {
        return Err(ApiError::BadRequest(format!(
            "Location {location_id} not found or the app is not installed there"
        )));
    }
    let lifetime_secs = state.settings.read().access_token_lifetime_secs;
    let issued = state.tokens.lock().mint_location_token(
        &state.ids,
        &caller,
        location_id,
        lifetime_secs,
        state.clock.now_ms(),
    );
    reply(
        StatusCode::OK,
        json!({
            "access_token": issued.access_token,
            "token_type": "Bearer",
            "expires_in": issued.expires_in,
            "scope": issued.scope,
            "locationId": issued.location_id,
            "userId": issued.user_id,
            "appId": state.app.app_id,
            "versionId": state.app.version_id,
        }),
    )
}

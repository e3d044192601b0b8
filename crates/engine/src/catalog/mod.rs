//! The operations catalog: every action (a GHL call or a NiftyImages call) and every trigger
//! (a NiftyImages-side event type or a GHL webhook) nifty-ghl knows, each with its service,
//! name, HTTP method and path, what authorises it (a GHL OAuth scope or a NiftyImages key
//! kind), input schema and a one-line description. Recipes name operations from here, and
//! `nifty-ghl ops list|show` prints it.
//!
//! The catalog is data, built once. The scope of a GHL action is not written here: it comes
//! from [`ghl::required_scope`], the same function the client uses to refuse a call the
//! connection was not granted, so the two cannot disagree. NiftyImages has no OAuth: its
//! actions name the kind of API key the call takes, and the tests hold their method+path pairs
//! and key kinds to [`niftyimages::OPERATIONS`], the list the client's own tests check.

mod ghl_actions;
mod ghl_triggers;
mod niftyimages_actions;
mod schema;
#[cfg(test)]
mod tests;
mod triggers;

use std::sync::OnceLock;

use serde::Serialize;
use serde_json::Value;

pub use niftyimages::KeyKind;

/// The service an action calls, or a trigger's event comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    Ghl,
    #[serde(rename = "niftyimages")]
    NiftyImages,
}

impl Service {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ghl => "ghl",
            Self::NiftyImages => "niftyimages",
        }
    }
}

/// What an operation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A call nifty-ghl makes (to GHL or to NiftyImages).
    Action,
    /// An event that starts a recipe.
    Trigger,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Action => "action",
            Self::Trigger => "trigger",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Delete => "DELETE",
        }
    }

    fn as_http(self) -> reqwest::Method {
        match self {
            Self::Get => reqwest::Method::GET,
            Self::Post => reqwest::Method::POST,
            Self::Put => reqwest::Method::PUT,
            Self::Delete => reqwest::Method::DELETE,
        }
    }
}

/// How an action's body is sent. Inputs that are not path parameters go into the body when
/// there is one, and into the query string when there is none, except those an action lists
/// in [`Operation::query`] (NiftyImages' `?url=` on its PUT and POST calls).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Body {
    Json,
    /// `application/x-www-form-urlencoded` (the OAuth token calls).
    Form,
}

/// One entry of the catalog.
#[derive(Debug, Clone, Serialize)]
pub struct Operation {
    /// Dotted: `<service>.<resource>.<verb>` for actions, `niftyimages.<event type>` and
    /// `ghl.<webhook type>` for triggers.
    pub name: &'static str,
    pub kind: Kind,
    /// Which API an action calls, or where a trigger's event comes from.
    pub service: Service,
    /// The call (actions only).
    pub method: Option<Method>,
    /// The path (actions only): a GHL path exactly as the official OpenAPI files spell it
    /// (placeholders `{name}`), or a NiftyImages path relative to `/v1` as its docs spell it
    /// (placeholders `:name`).
    pub path: Option<&'static str>,
    /// The action's request body, if it sends one.
    pub body: Option<Body>,
    /// Inputs sent in the query string although the action has a body.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub query: &'static [&'static str],
    /// The OAuth scope the connection needs for a GHL call (none for the token endpoint, for
    /// NiftyImages calls and for triggers).
    pub scope: Option<&'static str>,
    /// The kind of NiftyImages API key a NiftyImages call takes (none for GHL and triggers).
    pub key_kind: Option<KeyKind>,
    /// The event type a trigger stands for, as events carry it in `type`.
    pub event_type: Option<&'static str>,
    pub description: &'static str,
    /// JSON Schema (draft 7) of the inputs: an object whose `required` list names what must be
    /// given. For a trigger, the event's `data`.
    pub input_schema: Value,
}

impl Operation {
    fn action(
        name: &'static str,
        method: Method,
        path: &'static str,
        body: Option<Body>,
        description: &'static str,
        inputs: schema::Inputs,
    ) -> Self {
        // `/contacts/` is `["contacts", ""]`, as the client builds it.
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        Self {
            name,
            kind: Kind::Action,
            service: Service::Ghl,
            method: Some(method),
            path: Some(path),
            body,
            query: &[],
            scope: ghl::required_scope(&method.as_http(), &segments),
            key_kind: None,
            event_type: None,
            description,
            input_schema: inputs.schema(),
        }
    }

    /// A NiftyImages call: authorised by a key of `key_kind`, so it has no OAuth scope.
    #[allow(clippy::too_many_arguments)]
    fn niftyimages_action(
        name: &'static str,
        method: Method,
        path: &'static str,
        body: Option<Body>,
        query: &'static [&'static str],
        key_kind: KeyKind,
        description: &'static str,
        inputs: schema::Inputs,
    ) -> Self {
        Self {
            name,
            kind: Kind::Action,
            service: Service::NiftyImages,
            method: Some(method),
            path: Some(path),
            body,
            query,
            scope: None,
            key_kind: Some(key_kind),
            event_type: None,
            description,
            input_schema: inputs.schema(),
        }
    }

    fn trigger(
        service: Service,
        name: &'static str,
        event_type: &'static str,
        description: &'static str,
        inputs: schema::Inputs,
    ) -> Self {
        Self {
            name,
            kind: Kind::Trigger,
            service,
            method: None,
            path: None,
            body: None,
            query: &[],
            scope: None,
            key_kind: None,
            event_type: Some(event_type),
            description,
            input_schema: inputs.schema(),
        }
    }

    /// The names of every input, required or not.
    pub fn input_names(&self) -> Vec<&str> {
        self.input_schema["properties"]
            .as_object()
            .map(|p| p.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }

    /// The inputs that must always be given. Some operations also need one of a few optional
    /// inputs (an email or a phone); the schema's `anyOf` says which.
    pub fn required_inputs(&self) -> Vec<&str> {
        self.input_schema["required"]
            .as_array()
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    }

    /// Groups of inputs of which at least one must be given (a contact by id or by email),
    /// read back from the schema's `anyOf` (or `allOf` of `anyOf`s).
    pub fn at_least_one_of(&self) -> Vec<Vec<&str>> {
        fn group(any_of: &Value) -> Vec<&str> {
            any_of
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|branch| branch["required"].get(0)?.as_str())
                .collect()
        }
        let schema = &self.input_schema;
        let mut groups = Vec::new();
        if let Some(any_of) = schema.get("anyOf") {
            groups.push(group(any_of));
        }
        for part in schema
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            groups.push(group(&part["anyOf"]));
        }
        groups
    }

    /// The path parameters of an action, in the order the path names them (`{name}` in GHL
    /// paths, `:name` in NiftyImages ones).
    pub fn path_params(&self) -> Vec<&'static str> {
        self.path
            .map(|path| {
                path.split('/')
                    .filter_map(|s| {
                        s.strip_prefix('{')
                            .and_then(|s| s.strip_suffix('}'))
                            .or_else(|| s.strip_prefix(':'))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Every operation: the GHL actions, the NiftyImages actions, then the triggers.
pub fn all() -> &'static [Operation] {
    static CATALOG: OnceLock<Vec<Operation>> = OnceLock::new();
    CATALOG.get_or_init(|| {
        let mut operations = ghl_actions::operations();
        operations.extend(niftyimages_actions::operations());
        operations.extend(triggers::operations());
        operations.extend(ghl_triggers::operations());
        operations
    })
}

/// The operation with this exact name.
pub fn find(name: &str) -> Option<&'static Operation> {
    all().iter().find(|op| op.name == name)
}

/// The operation with this name, or an error that names the closest ones.
pub fn lookup(name: &str) -> Result<&'static Operation, UnknownOperation> {
    find(name).ok_or_else(|| UnknownOperation {
        name: name.to_owned(),
        closest: closest(name, 3),
    })
}

/// A name the catalog does not have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message())]
pub struct UnknownOperation {
    pub name: String,
    /// The nearest names, best first (may be empty).
    pub closest: Vec<&'static str>,
}

impl UnknownOperation {
    fn message(&self) -> String {
        match self.closest.as_slice() {
            [] => format!(
                "unknown operation {:?}; names look like ghl.contacts.upsert or niftyimages.contact.created",
                self.name
            ),
            [one] => format!("unknown operation {:?}; did you mean {one}?", self.name),
            several => format!(
                "unknown operation {:?}; did you mean one of {}?",
                self.name,
                several.join(", ")
            ),
        }
    }
}

/// Up to `limit` names close to `name`: those containing it (so `remove_all` finds
/// `ghl.campaigns.remove_all`), then the nearest within a few edits of the full name or of the
/// name without its `ghl.`/`niftyimages.` prefix (so `contact.updated` finds the trigger).
pub fn closest(name: &str, limit: usize) -> Vec<&'static str> {
    let wanted = name.trim().to_lowercase();
    let allowed = (wanted.chars().count() / 3).clamp(2, 6);
    let mut scored: Vec<(bool, usize, &'static str)> = all()
        .iter()
        .filter_map(|op| {
            let bare = op.name.split_once('.').map_or(op.name, |(_, rest)| rest);
            let distance = edit_distance(&wanted, op.name).min(edit_distance(&wanted, bare));
            let contains = wanted.len() >= 3 && op.name.contains(wanted.as_str());
            (contains || distance <= allowed).then_some((!contains, distance, op.name))
        })
        .collect();
    scored.sort();
    // A near miss is the answer; names several edits further off would only be noise.
    let best = scored.first().map_or(0, |(_, distance, _)| *distance);
    scored
        .into_iter()
        .filter(|(not_contained, distance, _)| !not_contained || *distance <= best + 1)
        .take(limit)
        .map(|(_, _, n)| n)
        .collect()
}

/// Levenshtein distance over characters: the fewest insertions, deletions and substitutions
/// that turn `a` into `b`.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = Vec::with_capacity(b.len() + 1);
        current.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != *cb);
            let delete = previous[j + 1] + 1;
            let insert = current[j] + 1;
            current.push(substitute.min(delete).min(insert));
        }
        previous = current;
    }
    previous[b.len()]
}

/// The JSON Schema (draft 7) of a whole event of `event_type`, envelope and `data`, as
/// published at `/schemas/{event_type}.json`.
pub fn event_schema(event_type: &str) -> Option<Value> {
    let trigger = all().iter().find(|op| op.event_type == Some(event_type))?;
    Some(serde_json::json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": format!("/schemas/{event_type}.json"),
        "title": format!("NiftyImages event {event_type}"),
        "description": trigger.description,
        "type": "object",
        "additionalProperties": false,
        "required": ["type", "data"],
        "properties": {
            "id": {"type": "string", "minLength": 1, "maxLength": 200,
                   "description": "unique per event; a repeat is acknowledged and dropped (else the webhook-id is used)"},
            "type": {"const": event_type},
            "occurred_at": {"type": ["string", "null"], "format": "date-time"},
            "location_id": {"type": ["string", "null"], "pattern": "^[A-Za-z0-9]{20}$",
                            "description": "the GHL location; else pipeline.default_location_id"},
            "data": trigger.input_schema,
        },
    }))
}

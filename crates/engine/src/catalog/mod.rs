//! The operations catalog: every action (a GHL call) and every trigger (a NiftyImages-side
//! event type) nifty-ghl can run, each with its name, HTTP method and path, required scope,
//! input schema and a one-line description. Recipes name operations from here, and
//! `nifty-ghl ops list|show` prints it.
//!
//! The catalog is data, built once. The scope of an action is not written here: it comes from
//! [`ghl::required_scope`], the same function the client uses to refuse a call the connection
//! was not granted, so the two cannot disagree.

mod ghl_actions;
mod ghl_triggers;
mod schema;
#[cfg(test)]
mod tests;
mod triggers;

use std::sync::OnceLock;

use serde::Serialize;
use serde_json::Value;

/// What an operation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A call nifty-ghl makes (to GHL).
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
/// there is one, and into the query string when there is none.
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
    /// Dotted: `ghl.<resource>.<verb>` for actions, `niftyimages.<event type>` for triggers.
    pub name: &'static str,
    pub kind: Kind,
    /// The GHL call (actions only).
    pub method: Option<Method>,
    /// The GHL path, exactly as the official OpenAPI files spell it (actions only).
    pub path: Option<&'static str>,
    /// The action's request body, if it sends one.
    pub body: Option<Body>,
    /// The OAuth scope the connection needs for the call (none for the token endpoint and for
    /// triggers).
    pub scope: Option<&'static str>,
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
            method: Some(method),
            path: Some(path),
            body,
            scope: ghl::required_scope(&method.as_http(), &segments),
            event_type: None,
            description,
            input_schema: inputs.schema(),
        }
    }

    fn trigger(
        name: &'static str,
        event_type: &'static str,
        description: &'static str,
        inputs: schema::Inputs,
    ) -> Self {
        Self {
            name,
            kind: Kind::Trigger,
            method: None,
            path: None,
            body: None,
            scope: None,
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

    /// The path parameters of an action, in the order the path names them.
    pub fn path_params(&self) -> Vec<&'static str> {
        self.path
            .map(|path| {
                path.split('/')
                    .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Every operation: the GHL actions, then the triggers.
pub fn all() -> &'static [Operation] {
    static CATALOG: OnceLock<Vec<Operation>> = OnceLock::new();
    CATALOG.get_or_init(|| {
        let mut operations = ghl_actions::operations();
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

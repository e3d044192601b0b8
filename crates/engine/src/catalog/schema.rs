//! Small builders for the catalog's input schemas (JSON Schema, draft 7), so that each entry
//! reads as a list of its inputs rather than as nested `json!` literals.

use serde_json::{Map, Value, json};

/// The inputs of one operation, as a JSON Schema object.
#[derive(Debug, Default)]
pub(super) struct Inputs {
    properties: Map<String, Value>,
    required: Vec<&'static str>,
    at_least_one: Vec<Vec<&'static str>>,
    /// Whether this is an event's `data`: the event door lets fields through that nobody
    /// reads, and takes `null` for a field that is absent. An action's inputs refuse unknown
    /// names instead, so a misspelt input in a recipe cannot vanish silently.
    event_data: bool,
}

impl Inputs {
    pub(super) fn new() -> Self {
        Self::default()
    }

    /// The fields of an event's `data`.
    pub(super) fn event_data() -> Self {
        Self {
            event_data: true,
            ..Self::default()
        }
    }

    pub(super) fn required(mut self, name: &'static str, schema: Value) -> Self {
        self.properties.insert(name.to_owned(), schema);
        self.required.push(name);
        self
    }

    pub(super) fn optional(mut self, name: &'static str, mut schema: Value) -> Self {
        if self.event_data
            && let Some(kind) = schema.get("type").and_then(Value::as_str)
        {
            schema["type"] = json!([kind, "null"]);
        }
        self.properties.insert(name.to_owned(), schema);
        self
    }

    /// At least one of `names` (each already listed as an optional input) must be given.
    pub(super) fn at_least_one_of(mut self, names: &[&'static str]) -> Self {
        self.at_least_one.push(names.to_vec());
        self
    }

    pub(super) fn schema(self) -> Value {
        let mut schema = Map::new();
        schema.insert("type".into(), json!("object"));
        schema.insert("properties".into(), Value::Object(self.properties));
        schema.insert("required".into(), json!(self.required));
        match self.at_least_one.as_slice() {
            [] => {}
            [one] => {
                schema.insert("anyOf".into(), any_of_required(one));
            }
            several => {
                let all: Vec<Value> = several
                    .iter()
                    .map(|names| json!({"anyOf": any_of_required(names)}))
                    .collect();
                schema.insert("allOf".into(), Value::Array(all));
            }
        }
        if !self.event_data {
            schema.insert("additionalProperties".into(), json!(false));
        }
        Value::Object(schema)
    }
}

/// One branch per name: the name is present and not `null` (`required` alone would count a
/// `null`, which the event door treats as absent).
fn any_of_required(names: &[&'static str]) -> Value {
    Value::Array(
        names
            .iter()
            .map(|name| {
                json!({"required": [name], "properties": {*name: {"not": {"type": "null"}}}})
            })
            .collect(),
    )
}

pub(super) fn text(description: &str) -> Value {
    json!({"type": "string", "description": description})
}

/// A string with at least one character that is not white space: what the event door calls
/// "a non-empty string".
pub(super) fn non_empty(description: &str) -> Value {
    json!({"type": "string", "pattern": "\\S", "description": description})
}

/// An email address as the event door checks it: something before the first `@`, a dot after
/// it, no white space.
pub(super) fn email(description: &str) -> Value {
    json!({
        "type": "string",
        "format": "email",
        "pattern": "^[^@\\s]+@\\S*\\.\\S*$",
        "description": description,
    })
}

pub(super) fn date_time(description: &str) -> Value {
    json!({"type": "string", "format": "date-time", "description": description})
}

pub(super) fn flag(description: &str) -> Value {
    json!({"type": "boolean", "description": description})
}

pub(super) fn whole(description: &str) -> Value {
    json!({"type": "integer", "minimum": 0, "description": description})
}

pub(super) fn choice(values: &[&str], description: &str) -> Value {
    json!({"type": "string", "enum": values, "description": description})
}

pub(super) fn texts(description: &str) -> Value {
    json!({"type": "array", "items": {"type": "string"}, "description": description})
}

/// A list that must hold at least one non-empty string (tags, followers, ids).
pub(super) fn some_texts(description: &str) -> Value {
    json!({
        "type": "array",
        "items": {"type": "string", "pattern": "\\S"},
        "minItems": 1,
        "description": description,
    })
}

pub(super) fn any(description: &str) -> Value {
    json!({"description": description})
}

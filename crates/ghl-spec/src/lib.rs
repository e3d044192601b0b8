//! GHL's official OpenAPI files as body validators, for tests.
//!
//! Every request body the `ghl` client sends and every response body the sandbox answers is
//! checked against the schema the spec declares for that operation and status, with `$ref`s
//! resolved and OpenAPI's `nullable` turned into JSON Schema. Objects are strict: a property
//! the schema does not name is an error, as it is for GHL itself (its services refuse unknown
//! properties with "property X should not exist"). Where live GHL is known to differ from its
//! spec, the difference is applied from [`live_exceptions::LIVE_EXCEPTIONS`], each with its
//! reason.

pub mod live_exceptions;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

/// The spec files, relative to the repository root.
const SPEC_FILES: [(&str, &str); 4] = [
    ("contacts", "apps/contacts.json"),
    ("locations", "apps/locations.json"),
    ("oauth", "apps/oauth.json"),
    ("common", "common/common-schemas.json"),
];

/// The loaded spec documents, by short name, and their paths.
#[derive(Debug, Clone)]
pub struct SpecFiles {
    pub documents: BTreeMap<&'static str, Value>,
    paths: BTreeMap<&'static str, PathBuf>,
}

impl SpecFiles {
    /// The named schema of a document, for an exception to edit.
    pub fn schema_mut(&mut self, document: &str, name: &str) -> &mut Value {
        self.documents
            .get_mut(document)
            .and_then(|d| d.pointer_mut(&format!("/components/schemas/{name}")))
            .unwrap_or_else(|| panic!("the spec has no schema {name} in {document}"))
    }

    /// The operation object for `method path` in a document, for an exception to edit.
    pub fn operation_mut(&mut self, document: &str, method: &str, path: &str) -> &mut Value {
        let pointer = format!("/paths/{}/{}", escape_pointer(path), method.to_lowercase());
        self.documents
            .get_mut(document)
            .and_then(|d| d.pointer_mut(&pointer))
            .unwrap_or_else(|| panic!("the spec has no operation {method} {path} in {document}"))
    }

    /// Sets the JSON response schema of an operation's status.
    pub fn set_response(
        &mut self,
        document: &str,
        method: &str,
        path: &str,
        status: &str,
        schema: Value,
    ) {
        let operation = self.operation_mut(document, method, path);
        operation["responses"][status] = json!({
            "description": "live response (see live_exceptions.rs)",
            "content": {"application/json": {"schema": schema}},
        });
    }
}

fn escape_pointer(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// A path or query parameter an operation declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parameter {
    pub name: String,
    /// `path` or `query` (the `Version` header is left out: the client always sends it).
    pub location: String,
    pub required: bool,
}

/// One operation's validators.
struct Operation {
    /// Whether the spec says the request body is required.
    body_required: bool,
    /// The media type of the request body (`application/json`, or form-encoded for OAuth).
    body_media_type: Option<String>,
    parameters: Vec<Parameter>,
    /// The scopes of the operation's `security` block (empty when it declares none).
    scopes: Vec<String>,
    request: Option<jsonschema::Validator>,
    responses: BTreeMap<u16, jsonschema::Validator>,
}

/// Validators for every operation of the spec files.
pub struct SpecCheck {
    operations: BTreeMap<(String, String), Operation>,
    /// For statuses the spec does not declare (403, 404, 429, 5xx).
    undeclared_error: jsonschema::Validator,
}

impl std::fmt::Debug for SpecCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpecCheck")
            .field("operations", &self.operations.len())
            .finish()
    }
}

impl SpecCheck {
    /// Loads the spec files from the repository's `spec/ghl-openapi`.
    pub fn load() -> Result<Self, String> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../spec/ghl-openapi");
        Self::load_from(&root)
    }

    pub fn load_from(root: &Path) -> Result<Self, String> {
        let mut files = SpecFiles {
            documents: BTreeMap::new(),
            paths: BTreeMap::new(),
        };
        for (name, relative) in SPEC_FILES {
            let path = root.join(relative);
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let document: Value = serde_json::from_str(&text)
                .map_err(|e| format!("{} is not JSON: {e}", path.display()))?;
            files.documents.insert(name, document);
            files.paths.insert(name, path);
        }
        for exception in live_exceptions::LIVE_EXCEPTIONS {
            (exception.apply)(&mut files);
        }
        let mut operations = BTreeMap::new();
        for name in ["contacts", "locations", "oauth"] {
            let document = files.documents[name].clone();
            let Some(paths) = document.get("paths").and_then(Value::as_object) else {
                continue;
            };
            for (path, methods) in paths {
                let Some(methods) = methods.as_object() else {
                    continue;
                };
                for (method, operation) in methods {
                    let compiled = compile_operation(&files, name, operation)
                        .map_err(|e| format!("{} {path}: {e}", method.to_uppercase()))?;
                    operations.insert((method.to_uppercase(), path.clone()), compiled);
                }
            }
        }
        let undeclared_error = strict_validator(&json!({
            "type": "object",
            "properties": {
                "statusCode": {"type": "number"},
                "message": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
                "error": {"type": "string"},
                "traceId": {"type": "string"},
            },
            "required": ["statusCode", "message"],
        }))?;
        Ok(Self {
            operations,
            undeclared_error,
        })
    }

    /// Every operation as `(METHOD, path)`.
    pub fn operations(&self) -> Vec<(String, String)> {
        self.operations.keys().cloned().collect()
    }

    fn operation(&self, method: &str, route: &str) -> Option<&Operation> {
        let method = method.to_uppercase();
        let with_slash = format!("{route}/");
        self.operations
            .get(&(method.clone(), route.to_owned()))
            .or_else(|| self.operations.get(&(method, with_slash)))
    }

    /// The spec's path for a route the sandbox logged (`/contacts` is the spec's `/contacts/`).
    pub fn spec_path(&self, method: &str, route: &str) -> Option<String> {
        let method = method.to_uppercase();
        [route.to_owned(), format!("{route}/")]
            .into_iter()
            .find(|p| self.operations.contains_key(&(method.clone(), p.clone())))
    }

    /// The scopes the spec's `security` block gives an operation (empty if it gives none).
    pub fn scopes(&self, method: &str, path: &str) -> Vec<String> {
        self.operation(method, path)
            .map(|op| op.scopes.clone())
            .unwrap_or_default()
    }

    /// The path and query parameters the spec declares for an operation (empty if it has none
    /// or is not in the spec).
    pub fn parameters(&self, method: &str, path: &str) -> Vec<Parameter> {
        self.operation(method, path)
            .map(|op| op.parameters.clone())
            .unwrap_or_default()
    }

    /// The media type of the operation's request body, if it declares one.
    pub fn request_media_type(&self, method: &str, path: &str) -> Option<String> {
        self.operation(method, path)
            .and_then(|op| op.body_media_type.clone())
    }

    /// Checks a request body. Operations without a declared body accept only no body or `{}`.
    pub fn check_request(
        &self,
        method: &str,
        route: &str,
        body: Option<&Value>,
    ) -> Result<(), Vec<String>> {
        let operation = self
            .operation(method, route)
            .ok_or_else(|| vec![format!("{method} {route} is not in the spec")])?;
        match (&operation.request, body) {
            (Some(validator), Some(body)) => collect(validator, body),
            (Some(_), None) if operation.body_required => Err(vec![
                "the spec requires a request body; none was sent".into(),
            ]),
            (Some(_), None) => Ok(()),
            (None, None) => Ok(()),
            (None, Some(body)) if body == &json!({}) => Ok(()),
            (None, Some(body)) => Err(vec![format!(
                "the spec declares no request body, got {body}"
            )]),
        }
    }

    /// Checks a response body against the schema of its status.
    pub fn check_response(
        &self,
        method: &str,
        route: &str,
        status: u16,
        body: &Value,
    ) -> Result<(), Vec<String>> {
        let operation = self
            .operation(method, route)
            .ok_or_else(|| vec![format!("{method} {route} is not in the spec")])?;
        match operation.responses.get(&status) {
            Some(validator) => collect(validator, body),
            None if status >= 400 => collect(&self.undeclared_error, body),
            None => Err(vec![format!(
                "the spec declares no {status} answer for {method} {route} (declared: {:?})",
                operation.responses.keys().collect::<Vec<_>>()
            )]),
        }
    }
}

fn collect(validator: &jsonschema::Validator, body: &Value) -> Result<(), Vec<String>> {
    let errors: Vec<String> = validator
        .iter_errors(body)
        .map(|e| format!("at {}: {e}", e.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn compile_operation(
    files: &SpecFiles,
    document: &str,
    operation: &Value,
) -> Result<Operation, String> {
    let body_content = operation
        .pointer("/requestBody/content")
        .and_then(Value::as_object)
        .and_then(|content| content.iter().next());
    let body_media_type = body_content.map(|(media_type, _)| media_type.clone());
    let body_schema = body_content.and_then(|(_, media)| media.get("schema"));
    let request = match body_schema {
        Some(schema) => Some(strict_validator(&resolve(files, document, schema, 0)?)?),
        None => None,
    };
    let mut responses = BTreeMap::new();
    if let Some(declared) = operation.get("responses").and_then(Value::as_object) {
        for (status, response) in declared {
            let Ok(status) = status.parse::<u16>() else {
                continue;
            };
            if let Some(schema) = response.pointer("/content/application~1json/schema") {
                let resolved = resolve(files, document, schema, 0)?;
                responses.insert(status, strict_validator(&resolved)?);
            }
        }
    }
    // `security: [{"bearer": [...]}]`, or another scheme name such as `Agency-Access-Only`.
    let scopes = operation
        .pointer("/security/0")
        .and_then(Value::as_object)
        .and_then(|schemes| schemes.values().next())
        .and_then(Value::as_array)
        .map(|scopes| {
            scopes
                .iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let body_required = operation
        .pointer("/requestBody/required")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let parameters = operation
        .get("parameters")
        .and_then(Value::as_array)
        .map(|declared| {
            declared
                .iter()
                .filter_map(|p| {
                    let location = p.get("in")?.as_str()?;
                    let name = p.get("name")?.as_str()?;
                    (location == "path" || location == "query").then(|| Parameter {
                        name: name.to_owned(),
                        location: location.to_owned(),
                        required: p.get("required").and_then(Value::as_bool).unwrap_or(false),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(Operation {
        body_required,
        body_media_type,
        parameters,
        scopes,
        request,
        responses,
    })
}

/// Inlines every `$ref` (local or into another spec file).
fn resolve(
    files: &SpecFiles,
    document: &str,
    schema: &Value,
    depth: usize,
) -> Result<Value, String> {
    if depth > 40 {
        return Err("$ref nesting too deep (a cycle?)".into());
    }
    match schema {
        Value::Object(object) => {
            if let Some(reference) = object.get("$ref").and_then(Value::as_str) {
                let (file, pointer) = reference.split_once('#').unwrap_or((reference, ""));
                let target_document = if file.is_empty() {
                    document
                } else {
                    let base = files.paths[document].parent().unwrap_or(Path::new("."));
                    let target = base.join(file);
                    files
                        .paths
                        .iter()
                        .find(|(_, p)| same_file(p, &target))
                        .map(|(name, _)| *name)
                        .ok_or_else(|| format!("$ref to a file that is not loaded: {reference}"))?
                };
                let target = files.documents[target_document]
                    .pointer(pointer)
                    .ok_or_else(|| format!("$ref {reference} points nowhere"))?;
                let mut resolved = resolve(files, target_document, target, depth + 1)?;
                // Siblings of a $ref (nullable, description) still apply.
                if let Value::Object(resolved_object) = &mut resolved {
                    for (key, value) in object {
                        if key != "$ref" {
                            resolved_object.insert(key.clone(), value.clone());
                        }
                    }
                }
                return Ok(resolved);
            }
            let mut out = Map::new();
            for (key, value) in object {
                out.insert(key.clone(), resolve(files, document, value, depth + 1)?);
            }
            Ok(Value::Object(out))
        }
        Value::Array(items) => items
            .iter()
            .map(|item| resolve(files, document, item, depth + 1))
            .collect::<Result<_, _>>()
            .map(Value::Array),
        other => Ok(other.clone()),
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// OpenAPI 3.0 → JSON Schema (draft 7), strict: `nullable` becomes a `null` type, formats are
/// dropped (GHL does not enforce them), and objects with properties allow no others.
fn to_json_schema(schema: &Value) -> Value {
    match schema {
        Value::Object(object) => {
            let mut out = Map::new();
            for (key, value) in object {
                match key.as_str() {
                    "example" | "format" | "nullable" | "description" => {}
                    "properties" => {
                        let properties = value
                            .as_object()
                            .map(|p| {
                                p.iter()
                                    .map(|(k, v)| (k.clone(), to_json_schema(v)))
                                    .collect::<Map<_, _>>()
                            })
                            .unwrap_or_default();
                        out.insert(key.clone(), Value::Object(properties));
                    }
                    _ => {
                        out.insert(key.clone(), to_json_schema(value));
                    }
                }
            }
            if object.get("properties").is_some() && !object.contains_key("additionalProperties") {
                out.insert("additionalProperties".into(), Value::Bool(false));
            }
            if object.get("nullable") == Some(&Value::Bool(true)) {
                return json!({"anyOf": [Value::Object(out), {"type": "null"}]});
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(to_json_schema).collect()),
        other => other.clone(),
    }
}

fn strict_validator(schema: &Value) -> Result<jsonschema::Validator, String> {
    jsonschema::draft7::new(&to_json_schema(schema))
        .map_err(|e| format!("schema does not compile: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_every_operation_the_client_covers() {
        let spec = SpecCheck::load().unwrap();
        let operations = spec.operations();
        let contacts = operations
            .iter()
            .filter(|(_, p)| p.starts_with("/contacts"))
            .count();
        assert_eq!(contacts, 32, "{operations:?}");
        assert!(
            spec.spec_path("GET", "/locations/{locationId}/customFields")
                .is_some()
        );
        assert!(spec.spec_path("POST", "/oauth/token").is_some());
        assert_eq!(
            spec.spec_path("POST", "/contacts").as_deref(),
            Some("/contacts/")
        );
    }

    #[test]
    fn strict_objects_refuse_unknown_properties_and_wrong_types() {
        let spec = SpecCheck::load().unwrap();
        assert!(spec
            .check_request("POST", "/contacts/{contactId}/tasks", Some(&json!({"title": "t", "dueDate": "2026-01-01T00:00:00.000Z", "completed": false})))
            .is_ok());
        let errors = spec
            .check_request(
                "POST",
                "/contacts/{contactId}/tasks",
                Some(&json!({"title": "t", "dueDate": "d", "completed": "no", "colour": 1})),
            )
            .unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(
            spec.check_request(
                "POST",
                "/contacts/{contactId}/tasks",
                Some(&json!({"title": "t"}))
            )
            .is_err()
        );
        assert!(
            spec.check_response(
                "GET",
                "/contacts/{contactId}",
                200,
                &json!({"contact": {"id": "x", "email": null}})
            )
            .is_err(),
            "email is not nullable in a GET answer"
        );
        assert!(
            spec.check_response(
                "GET",
                "/contacts/{contactId}",
                200,
                &json!({"contact": {"id": "x", "invented": 1}})
            )
            .is_err()
        );
    }
}

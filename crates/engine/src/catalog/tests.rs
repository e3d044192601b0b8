//! What keeps the catalog honest: GHL actions against GHL's official OpenAPI files (with live
//! GHL's known differences applied) and against the calls the `ghl` client documents;
//! NiftyImages actions against the list the `niftyimages` client is tested to call and against
//! the NiftyImages sandbox's routes; triggers against the event door itself.

use std::collections::{BTreeMap, BTreeSet};

use ghl_spec::SpecCheck;
use serde_json::{Map, Value, json};

use super::*;
use crate::events::{EVENT_TYPES, parse_event};

/// The GHL actions (what the GHL spec checks below are about).
fn actions() -> impl Iterator<Item = &'static Operation> {
    all()
        .iter()
        .filter(|op| op.kind == Kind::Action && op.service == Service::Ghl)
}

fn niftyimages_actions() -> impl Iterator<Item = &'static Operation> {
    all()
        .iter()
        .filter(|op| op.kind == Kind::Action && op.service == Service::NiftyImages)
}

fn triggers() -> impl Iterator<Item = &'static Operation> {
    all().iter().filter(|op| {
        op.kind == Kind::Trigger && EVENT_TYPES.contains(&op.event_type.unwrap_or_default())
    })
}

fn ghl_triggers() -> impl Iterator<Item = &'static Operation> {
    all().iter().filter(|op| {
        op.kind == Kind::Trigger
            && crate::ghl_events::is_ghl_type(op.event_type.unwrap_or_default())
    })
}

fn method_and_path(op: &Operation) -> (String, String) {
    (
        op.method
            .expect("an action has a method")
            .as_str()
            .to_owned(),
        op.path.expect("an action has a path").to_owned(),
    )
}

/// A value the schema accepts, with every optional property filled in.
fn sample(schema: &Value) -> Value {
    if let Some(first) = schema.get("enum").and_then(|e| e.get(0)) {
        return first.clone();
    }
    match schema.get("format").and_then(Value::as_str) {
        Some("email") => return json!("ann@example.com"),
        Some("date-time") => return json!("2026-11-30T09:00:00Z"),
        _ => {}
    }
    let kind = match schema.get("type") {
        Some(Value::Array(kinds)) => kinds.iter().find(|k| *k != "null").cloned(),
        other => other.cloned(),
    };
    match kind.as_ref().and_then(Value::as_str) {
        Some("string") | None => json!("sample"),
        Some("integer" | "number") => json!(1),
        Some("boolean") => json!(true),
        Some("array") => match schema.get("items") {
            Some(items) => json!([sample(items)]),
            None => json!([]),
        },
        Some("object") => Value::Object(
            schema
                .get("properties")
                .and_then(Value::as_object)
                .map(|p| p.iter().map(|(k, v)| (k.clone(), sample(v))).collect())
                .unwrap_or_default(),
        ),
        Some(other) => panic!("no sample for type {other}"),
    }
}

/// Only what must be given: the required inputs and the first of each "at least one" group.
fn minimal_sample(op: &Operation) -> Map<String, Value> {
    let full = sample(&op.input_schema);
    let mut keep = op.required_inputs();
    keep.extend(op.at_least_one_of().into_iter().map(|g| g[0]));
    keep.into_iter()
        .map(|k| (k.to_owned(), full[k].clone()))
        .collect()
}

fn without_path_params(op: &Operation, inputs: Map<String, Value>) -> Value {
    let path = op.path_params();
    Value::Object(
        inputs
            .into_iter()
            .filter(|(k, _)| !path.contains(&k.as_str()))
            .collect(),
    )
}

fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::draft7::new(schema).expect("input schema compiles")
}

#[test]
fn names_are_unique_and_well_formed() {
    let mut seen = BTreeSet::new();
    for op in all() {
        assert!(seen.insert(op.name), "{} appears twice", op.name);
        let parts: Vec<&str> = op.name.split('.').collect();
        // A GHL webhook trigger keeps GHL's own PascalCase type (`ghl.ContactCreate`).
        let checked = if op.kind == Kind::Trigger && op.service == Service::Ghl {
            &parts[..1]
        } else {
            &parts[..]
        };
        assert!(
            checked.iter().all(|p| !p.is_empty()
                && p.starts_with(|c: char| c.is_ascii_lowercase())
                && p.chars().all(|c| c.is_ascii_lowercase() || c == '_')),
            "{} is not dotted lower_snake_case",
            op.name
        );
        match op.kind {
            Kind::Action => assert!(
                parts.len() == 3 && parts[0] == op.service.as_str(),
                "{}: actions are <service>.<resource>.<verb>",
                op.name
            ),
            Kind::Trigger => assert_eq!(
                op.name,
                format!("{}.{}", op.service.as_str(), op.event_type.unwrap()),
                "a trigger is named after its event type"
            ),
        }
        assert!(
            !op.description.is_empty() && !op.description.contains('\n'),
            "{}: one line of description",
            op.name
        );
    }
    let calls: BTreeSet<_> = actions().map(method_and_path).collect();
    assert_eq!(
        calls.len(),
        actions().count(),
        "two actions make the same call"
    );
}

#[test]
fn every_action_is_a_call_of_the_official_spec_with_its_scope() {
    let spec = SpecCheck::load().unwrap();
    let declared: BTreeSet<_> = spec.operations().into_iter().collect();
    for op in actions() {
        let (method, path) = method_and_path(op);
        assert!(
            declared.contains(&(method.clone(), path.clone())),
            "{}: {method} {path} is not in the spec (paths must match it byte for byte)",
            op.name
        );
        let scopes = spec.scopes(&method, &path);
        match (scopes.is_empty(), op.scope) {
            (false, Some(scope)) => assert!(
                scopes.iter().any(|s| s == scope),
                "{}: the spec asks for {scopes:?}, the catalog says {scope}",
                op.name
            ),
            (false, None) => panic!("{}: the spec asks for {scopes:?}", op.name),
            // The spec's bulk calls declare no security block; the client asks for
            // contacts.write like every other contacts write. The code exchange has no token.
            (true, scope) if path.starts_with("/contacts/bulk/") || path == "/oauth/token" => {
                assert!(
                    (path.starts_with("/contacts/bulk/") && scope == Some("contacts.write"))
                        || (path == "/oauth/token" && scope.is_none()),
                    "{}: the spec names no scope, the catalog says {scope:?}",
                    op.name
                )
            }
            // Recurring tasks declare no scope anywhere: the task search's, and its write twin.
            (true, scope) if path.contains("/recurring-tasks") => assert_eq!(
                scope,
                Some(if method == "GET" {
                    "locations/tasks.readonly"
                } else {
                    "locations/tasks.write"
                }),
                "{}",
                op.name
            ),
            // One record of a location collection: the collection's list or create scope.
            (true, scope) => {
                let collection = &path[..path.rfind('/').unwrap()];
                let verb = if method == "GET" { "GET" } else { "POST" };
                let expected = spec.scopes(verb, collection);
                assert!(
                    path.starts_with("/locations/") && expected.len() == 1,
                    "{}: the spec names no scope, the catalog says {scope:?}",
                    op.name
                );
                assert_eq!(scope, Some(expected[0].as_str()), "{}", op.name);
            }
        }
    }
}

#[test]
fn every_contacts_and_contact_related_location_operation_has_an_entry() {
    let spec = SpecCheck::load().unwrap();
    let catalogued: BTreeSet<_> = actions().map(method_and_path).collect();
    let contacts: Vec<_> = spec
        .operations()
        .into_iter()
        .filter(|(_, path)| path.starts_with("/contacts"))
        .collect();
    assert_eq!(
        contacts.len(),
        32,
        "apps/contacts.json changed: {contacts:?}"
    );
    // The calls of apps/locations.json that are not about contacts stay out.
    let not_contact_related = [
        ("GET", "/locations/search"),
        ("POST", "/locations/"),
        ("PUT", "/locations/{locationId}"),
        ("DELETE", "/locations/{locationId}"),
        ("POST", "/locations/{locationId}/customFields/upload"),
        ("GET", "/locations/{locationId}/templates"),
        ("DELETE", "/locations/{locationId}/templates/{id}"),
    ];
    let locations: Vec<_> = spec
        .operations()
        .into_iter()
        .filter(|(method, path)| {
            path.starts_with("/locations")
                && !not_contact_related.contains(&(method.as_str(), path.as_str()))
        })
        .collect();
    assert_eq!(
        locations.len(),
        22,
        "apps/locations.json changed: {locations:?}"
    );
    let oauth = [
        ("POST".to_owned(), "/oauth/token".to_owned()),
        ("POST".to_owned(), "/oauth/locationToken".to_owned()),
    ];
    for call in contacts.iter().chain(&locations).chain(&oauth) {
        assert!(catalogued.contains(call), "no catalog entry for {call:?}");
    }
    assert_eq!(
        catalogued.len(),
        contacts.len() + locations.len() + oauth.len()
    );
}

/// Each call the `ghl` client makes is documented on its method as `` `METHOD /path` ``; a
/// new method documented that way without a catalog entry fails here.
#[test]
fn every_call_the_ghl_client_documents_has_an_entry() {
    let shape = |path: &str| -> String {
        // Placeholders differ in name between docs and spec ({id}, {contactId}).
        path.split('/')
            .map(|s| if s.starts_with('{') { "{}" } else { s })
            .collect::<Vec<_>>()
            .join("/")
    };
    let catalogued: BTreeSet<(String, String)> = actions()
        .map(|op| {
            (
                op.method.unwrap().as_str().to_owned(),
                shape(op.path.unwrap()),
            )
        })
        .collect();
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ghl/src");
    let mut documented = BTreeSet::new();
    for file in std::fs::read_dir(&source).unwrap() {
        let text = std::fs::read_to_string(file.unwrap().path()).unwrap();
        for quoted in text.split('`').skip(1).step_by(2) {
            if let Some((method, path)) = quoted.split_once(' ')
                && ["GET", "POST", "PUT", "DELETE"].contains(&method)
                && path.starts_with('/')
            {
                documented.insert((method.to_owned(), shape(path)));
            }
        }
    }
    assert!(
        documented.len() >= 30,
        "the scan found too few documented calls: {documented:?}"
    );
    let missing: Vec<_> = documented.difference(&catalogued).collect();
    assert!(
        missing.is_empty(),
        "documented in crates/ghl but not catalogued: {missing:?}"
    );
}

#[test]
fn action_inputs_are_the_specs_path_query_and_body() {
    let spec = SpecCheck::load().unwrap();
    for op in actions() {
        let (method, path) = method_and_path(op);
        let parameters = spec.parameters(&method, &path);
        let names = op.input_names();
        let required = op.required_inputs();

        let spec_path: BTreeSet<&str> = parameters
            .iter()
            .filter(|p| p.location == "path")
            .map(|p| p.name.as_str())
            .collect();
        let ours: BTreeSet<&str> = op.path_params().into_iter().collect();
        // The path is the spec's, so its placeholders are; but the spec does not declare
        // every one as a parameter (`{type}` of the bulk tags call is missing).
        assert!(
            spec_path.is_subset(&ours),
            "{}: path parameters {ours:?}, the spec declares {spec_path:?}",
            op.name
        );
        for name in &ours {
            assert!(
                required.contains(name),
                "{}: {name} must be required",
                op.name
            );
        }

        let query: Vec<_> = parameters
            .iter()
            .filter(|p| p.location == "query")
            .collect();
        match op.body {
            None => {
                assert_eq!(spec.request_media_type(&method, &path), None, "{}", op.name);
                assert!(
                    spec.check_request(&method, &path, None).is_ok(),
                    "{}",
                    op.name
                );
                for name in names.iter().filter(|n| !ours.contains(*n)) {
                    assert!(
                        query.iter().any(|p| p.name == *name),
                        "{}: {name} is neither a path nor a query parameter of the spec",
                        op.name
                    );
                }
                for parameter in query.iter().filter(|p| p.required) {
                    assert!(
                        required.contains(&parameter.name.as_str()),
                        "{}: the spec requires the query parameter {}",
                        op.name,
                        parameter.name
                    );
                }
            }
            Some(body) => {
                let media = match body {
                    Body::Json => "application/json",
                    Body::Form => "application/x-www-form-urlencoded",
                };
                assert_eq!(
                    spec.request_media_type(&method, &path).as_deref(),
                    Some(media),
                    "{}",
                    op.name
                );
                assert!(query.is_empty(), "{}: a body and a query string", op.name);
                // Every input the catalog lists is a body field the spec knows (its objects
                // refuse unknown properties), with a type it takes…
                let full = sample(&op.input_schema).as_object().unwrap().clone();
                let full = without_path_params(op, full);
                if let Err(errors) = spec.check_request(&method, &path, Some(&full)) {
                    panic!("{}: the spec refuses {full}: {errors:?}", op.name);
                }
                // …and what the spec requires, the catalog requires.
                let minimal = without_path_params(op, minimal_sample(op));
                if let Err(errors) = spec.check_request(&method, &path, Some(&minimal)) {
                    panic!("{}: the spec refuses {minimal}: {errors:?}", op.name);
                }
            }
        }
    }
}

#[test]
fn every_input_schema_compiles_and_takes_its_samples() {
    for op in all() {
        let schema = &op.input_schema;
        assert_eq!(schema["type"], "object", "{}", op.name);
        let validator = validator(schema);
        let names = op.input_names();
        let groups = op.at_least_one_of();
        assert_eq!(
            groups.len(),
            schema.get("anyOf").map_or(0, |_| 1)
                + schema
                    .get("allOf")
                    .and_then(Value::as_array)
                    .map_or(0, Vec::len),
            "{}: every group is read back",
            op.name
        );
        for name in op
            .required_inputs()
            .into_iter()
            .chain(groups.into_iter().flatten())
        {
            assert!(names.contains(&name), "{}: {name} has no schema", op.name);
        }
        let full = sample(schema);
        assert!(validator.is_valid(&full), "{}: {full}", op.name);
        let minimal = Value::Object(minimal_sample(op));
        assert!(validator.is_valid(&minimal), "{}: {minimal}", op.name);
        for required in op.required_inputs() {
            let mut missing = full.clone();
            missing.as_object_mut().unwrap().remove(required);
            assert!(
                !validator.is_valid(&missing),
                "{}: without {required}",
                op.name
            );
        }
        if op.kind == Kind::Action {
            let mut unknown = full.clone();
            // A Data Store record takes the store's own field names, but single values only.
            unknown["noSuchInput"] = if schema["additionalProperties"] == json!(false) {
                json!(1)
            } else {
                json!({"nested": 1})
            };
            assert!(
                !validator.is_valid(&unknown),
                "{}: unknown inputs pass",
                op.name
            );
        }
    }
}

#[test]
fn one_trigger_per_event_type() {
    let mut by_type: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for op in all().iter().filter(|op| op.kind == Kind::Trigger) {
        assert!(op.method.is_none() && op.path.is_none() && op.scope.is_none());
        by_type
            .entry(op.event_type.unwrap())
            .or_default()
            .push(op.name);
    }
    for event_type in crate::events::all_event_types() {
        assert_eq!(
            by_type.remove(event_type).map(|names| names.len()),
            Some(1),
            "{event_type} needs exactly one trigger"
        );
    }
    assert!(
        by_type.is_empty(),
        "triggers for unknown event types: {by_type:?}"
    );
}

fn door(event_type: &str, data: &Value) -> Result<(), crate::events::EventProblem> {
    let event = json!({"id": "evt_1", "type": event_type, "data": data});
    parse_event(&event, "", None).map(|_| ())
}

/// Removes fields from (and spoils fields of) a valid event of each type: the door refuses
/// exactly when the trigger's schema does, and names the field the schema requires.
#[test]
fn trigger_schemas_refuse_what_the_event_door_refuses() {
    for op in triggers() {
        let event_type = op.event_type.unwrap();
        let schema = &op.input_schema;
        let validator = validator(schema);
        let full = sample(schema);
        let agree = |data: &Value, what: &str| -> bool {
            let door = door(event_type, data);
            let valid = validator.is_valid(data);
            assert_eq!(
                door.is_ok(),
                valid,
                "{}: {what}: the door says {door:?}, the schema says {valid}",
                op.name
            );
            valid
        };
        assert!(agree(&full, "a full sample"), "{}", op.name);

        let without = |names: &[&str]| -> Value {
            let mut data = full.clone();
            for name in names {
                data.as_object_mut().unwrap().remove(*name);
            }
            data
        };
        let groups = op.at_least_one_of();
        for name in op.input_names() {
            let data = without(&[name]);
            let required = op.required_inputs().contains(&name);
            assert_eq!(agree(&data, &format!("without {name}")), !required);
            if required {
                assert_eq!(
                    door(event_type, &data).unwrap_err().pointer,
                    format!("/data/{name}")
                );
            }
            // Values of the wrong kind: for a count, text and a negative number.
            let counts = schema["properties"][name]["type"] == "integer";
            let spoils = if counts {
                [json!("7"), json!(-1)]
            } else {
                [json!(7), json!("  ")]
            };
            for spoiled in spoils {
                let mut data = full.clone();
                data[name] = spoiled.clone();
                assert!(
                    !agree(&data, &format!("{name} = {spoiled}")),
                    "{}: {name} = {spoiled} passes both the door and the schema",
                    op.name
                );
            }
            let mut null = full.clone();
            null[name] = Value::Null;
            let in_a_group = groups.iter().any(|g| g.contains(&name));
            assert_eq!(
                agree(&null, &format!("{name} = null")),
                !required || in_a_group
            );
        }
        for group in &groups {
            assert!(!agree(
                &without(group),
                &format!("without all of {group:?}")
            ));
            let mut nulls = full.clone();
            for name in group {
                nulls[*name] = Value::Null;
            }
            assert!(!agree(&nulls, &format!("all of {group:?} null")));
        }
        let mut extra = full.clone();
        extra["somethingElse"] = json!("kept");
        assert!(agree(&extra, "an unknown field"));
    }
}

/// Starting from empty `data` and adding only the field the door complains about, each time:
/// what it ends up asking for is exactly the schema's required inputs (plus one of each
/// "at least one of" group).
#[test]
fn the_event_door_asks_for_exactly_the_required_inputs() {
    for op in triggers() {
        let event_type = op.event_type.unwrap();
        let full = sample(&op.input_schema);
        let mut data = json!({});
        let mut asked = BTreeSet::new();
        while let Err(problem) = door(event_type, &data) {
            let field = problem
                .pointer
                .strip_prefix("/data/")
                .unwrap_or_else(|| panic!("{}: {problem}", op.name))
                .to_owned();
            assert!(
                asked.insert(field.clone()),
                "{}: asked twice for {field}",
                op.name
            );
            data[&field] = full[&field].clone();
        }
        let expected: BTreeSet<String> = minimal_sample(op).keys().cloned().collect();
        assert_eq!(asked, expected, "{}", op.name);
    }
}

#[test]
fn unknown_names_are_answered_with_the_closest() {
    assert_eq!(
        find("ghl.tasks.complete").unwrap().name,
        "ghl.tasks.complete"
    );
    assert!(find("ghl.tasks").is_none());

    let typo = lookup("ghl.task.complete").unwrap_err();
    assert_eq!(typo.closest, vec!["ghl.tasks.complete"]);
    assert_eq!(
        typo.to_string(),
        "unknown operation \"ghl.task.complete\"; did you mean ghl.tasks.complete?"
    );
    assert!(typo.to_string().contains("did you mean"), "{typo}");

    let bare = lookup("contact.updated").unwrap_err();
    assert_eq!(bare.closest.first(), Some(&"niftyimages.contact.updated"));

    let part = lookup("remove_all").unwrap_err();
    assert_eq!(part.closest, vec!["ghl.campaigns.remove_all"]);

    let nothing = lookup("send.the.fax").unwrap_err();
    assert!(nothing.closest.is_empty(), "{:?}", nothing.closest);
    assert!(nothing.to_string().contains("ghl.contacts.upsert"));

    assert_eq!(edit_distance("kitten", "sitting"), 3);
    assert_eq!(edit_distance("", "abc"), 3);
    assert_eq!(edit_distance("same", "same"), 0);
}

#[test]
fn scopes_come_from_the_client() {
    assert_eq!(
        find("ghl.contacts.get").unwrap().scope,
        Some("contacts.readonly")
    );
    assert_eq!(
        find("ghl.contacts.search").unwrap().scope,
        Some("contacts.readonly")
    );
    assert_eq!(
        find("ghl.tasks.complete").unwrap().scope,
        Some("contacts.write")
    );
    assert_eq!(
        find("ghl.custom_fields.list").unwrap().scope,
        Some("locations/customFields.readonly")
    );
    assert_eq!(
        find("ghl.oauth.location_token").unwrap().scope,
        Some("oauth.write")
    );
    // Calls whose scope the spec leaves empty.
    assert_eq!(
        find("ghl.location_tags.update").unwrap().scope,
        Some("locations/tags.write")
    );
    assert_eq!(
        find("ghl.custom_values.get").unwrap().scope,
        Some("locations/customValues.readonly")
    );
    assert_eq!(
        find("ghl.recurring_tasks.create").unwrap().scope,
        Some("locations/tasks.write")
    );
}

/// A GHL trigger's schema requires what the webhook door requires, and takes the webhook
/// bodies GHL's documentation shows.
#[test]
fn ghl_trigger_schemas_require_what_the_webhook_door_requires() {
    let mut count = 0;
    for op in ghl_triggers() {
        count += 1;
        let event_type = op.event_type.unwrap();
        assert_eq!(op.name, format!("ghl.{event_type}"));
        let validator = validator(&op.input_schema);
        let full = sample(&op.input_schema);
        let webhook = |data: &Value| {
            let mut body = data.clone();
            body["type"] = json!(event_type);
            body["timestamp"] = json!("2026-11-27T10:00:00Z");
            body["webhookId"] = json!("w-1");
            if body.get("locationId").is_some_and(|l| l == "sample") {
                body["locationId"] = json!("Loc00000000000000001");
            }
            crate::ghl_events::from_webhook(&body).map(|_| ())
        };
        assert!(validator.is_valid(&full), "{}", op.name);
        assert!(webhook(&full).is_ok(), "{}", op.name);
        for name in op.required_inputs() {
            let mut data = full.clone();
            data.as_object_mut().unwrap().remove(name);
            assert!(!validator.is_valid(&data), "{} without {name}", op.name);
            assert_eq!(webhook(&data).unwrap_err().pointer, format!("/{name}"));
        }
    }
    assert_eq!(count, crate::ghl_events::GHL_EVENT_TYPES.len());
}

/// Bodies shaped like the examples on GHL's webhook pages (the same keys and kinds of value,
/// values of our own) pass the webhook door and their trigger's schema, and every key they
/// carry is a field the trigger lists: nothing GHL documents is missing, and each kind
/// recorded is the kind GHL sends.
#[test]
fn documented_ghl_webhook_bodies_fit_their_triggers() {
    let location = "Loc00000000000000001";
    let at = "2026-03-02T10:15:00.000Z";
    let message = json!({"locationId": location, "attachments": [], "body": "Is it in stock?",
        "contactId": "c-1", "contentType": "text/plain", "conversationId": "conv-1",
        "dateAdded": at, "direction": "inbound", "messageType": "SMS", "status": "delivered",
        "conversationProviderId": "cp-1", "chatWidgetId": "cw-1"});
    let call = json!({"locationId": location, "attachments": ["https://example.com/rec.mp3"],
        "contactId": "c-1", "conversationId": "conv-1", "dateAdded": at, "direction": "outbound",
        "messageType": "CALL", "userId": "u-1", "messageId": "m-1", "status": "completed",
        "callDuration": 95, "callStatus": "voicemail"});
    let email = json!({"locationId": location, "body": "<p>Thanks</p>", "contactId": "c-1",
        "conversationId": "conv-1", "dateAdded": at, "direction": "outbound",
        "messageType": "Email", "emailMessageId": "em-1", "from": "Shop <shop@example.com>",
        "threadId": "em-1", "subject": "Your order", "to": ["ann@example.com"],
        "source": "workflow", "conversationProviderId": "cp-1"});
    let opportunity = json!({"locationId": location, "id": "opp-1", "assignedTo": "u-1",
        "contactId": "c-1", "monetaryValue": 250.5, "name": "Spring offer",
        "pipelineId": "p-1", "pipelineStageId": "0b6c6f2e-5b7a-4f1e-9d55-1d1d2c3b4a59",
        "source": "web form", "status": "won", "dateAdded": at});
    let order = json!({"locationId": location, "_id": "o-1", "altId": location,
        "altType": "location", "status": "completed",
        "taxSummary": [{"_id": "t-1", "name": "VAT", "calculation": "exclusive", "rate": 20, "amount": 7}],
        "fulfillmentStatus": "unfulfilled", "contactId": "c-1", "currency": "EUR",
        "amount": 42, "liveMode": false,
        "amountSummary": {"subtotal": 35, "discount": 0, "tax": 7, "shipping": 0},
        "source": {"type": "funnel", "subType": "one_step_order_form", "id": "f-1", "name": "Offer"},
        "createdAt": at, "updatedAt": at,
        "contactSnapshot": {"id": "c-1", "email": "ann@example.com", "tags": []},
        "items": [{"name": "Mug", "qty": 1, "product": {"_id": "pr-1"}, "price": {"_id": "pc-1"}}]});
    let mut bodies = vec![
        ("InboundMessage", message.clone()),
        ("InboundMessage", call.clone()),
        ("OutboundMessage", message),
        ("OutboundMessage", call),
        ("OutboundMessage", email.clone()),
        (
            "ConversationUnreadUpdate",
            json!({"locationId": location, "id": "conv-1", "contactId": "c-1",
                "deleted": false, "inbox": true, "starred": false, "unreadCount": 2}),
        ),
        (
            "CampaignStatusUpdate",
            json!({"locationId": location, "id": "camp-1", "contactId": "c-1",
                "status": "paused", "templateId": "tpl-1", "replied": "yes", "dateAdded": at}),
        ),
        ("OrderCreate", order.clone()),
        ("OrderStatusUpdate", order),
    ];
    for kind in [
        "OpportunityCreate",
        "OpportunityUpdate",
        "OpportunityDelete",
        "OpportunityStageUpdate",
        "OpportunityStatusUpdate",
        "OpportunityMonetaryValueUpdate",
        "OpportunityAssignedToUpdate",
    ] {
        bodies.push((kind, opportunity.clone()));
    }
    // `source` is documented for outbound messages only.
    let mut inbound_email = email;
    inbound_email.as_object_mut().unwrap().remove("source");
    bodies.push(("InboundMessage", inbound_email));

    for (kind, data) in &bodies {
        let op = find(&format!("ghl.{kind}")).unwrap_or_else(|| panic!("no trigger for {kind}"));
        let names = op.input_names();
        for key in data.as_object().unwrap().keys() {
            assert!(
                names.contains(&key.as_str()),
                "{}: GHL documents {key}",
                op.name
            );
        }
        let errors: Vec<String> = validator(&op.input_schema)
            .iter_errors(data)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", op.name);
        let mut body = data.clone();
        body["type"] = json!(kind);
        body["timestamp"] = json!(at);
        body["webhookId"] = json!("w-1");
        let event = crate::ghl_events::from_webhook(&body)
            .unwrap_or_else(|problem| panic!("{kind}: {problem}"));
        assert_eq!(event.location_id.as_deref(), Some(location));
        assert_eq!(&event.data, data, "{kind}: the body is the event's data");
    }
}

/// NiftyImages actions are exactly `niftyimages::OPERATIONS` (method, path and key kind), the
/// list the client's sandbox tests prove it calls, entry for entry.
#[test]
fn niftyimages_actions_are_the_calls_the_client_makes() {
    let ours: BTreeSet<(String, String, KeyKind)> = niftyimages_actions()
        .map(|op| {
            let (method, path) = method_and_path(op);
            (
                method,
                path,
                op.key_kind.expect("a NiftyImages action has a key kind"),
            )
        })
        .collect();
    let client: BTreeSet<(String, String, KeyKind)> = niftyimages::OPERATIONS
        .iter()
        .map(|op| (op.method.to_owned(), op.path.to_owned(), op.key))
        .collect();
    assert_eq!(
        ours.len(),
        niftyimages_actions().count(),
        "two actions make one call"
    );
    assert_eq!(ours, client);
    for op in niftyimages_actions() {
        assert_eq!(
            op.scope, None,
            "{}: NiftyImages has no OAuth scopes",
            op.name
        );
        for name in op.path_params().into_iter().chain(op.query.iter().copied()) {
            assert!(op.input_names().contains(&name), "{}: {name}", op.name);
        }
        for name in op.path_params() {
            assert!(op.required_inputs().contains(&name), "{}: {name}", op.name);
        }
        assert!(
            op.query.is_empty() || op.body.is_some(),
            "{}: query inputs are listed only beside a body",
            op.name
        );
    }
    for op in actions() {
        assert_eq!(op.key_kind, None, "{}", op.name);
        assert!(op.query.is_empty(), "{}", op.name);
    }
}

/// Each NiftyImages action's method and path is a route of the NiftyImages sandbox, and takes
/// the key kind the catalog says: with such a key it gets past authentication, with a key of
/// another kind it is refused for the kind.
#[tokio::test]
async fn niftyimages_actions_are_routes_of_the_sandbox() {
    use sandbox::nifty::{NiftySandbox, NiftySandboxConfig};

    niftyimages::install_crypto_provider();
    let nifty = NiftySandbox::start(NiftySandboxConfig::default())
        .await
        .unwrap();
    let info = nifty.info().clone();
    let key = |kind: KeyKind| match kind {
        KeyKind::Account => info.account_key.clone(),
        KeyKind::Store => info.stores[0].key.clone(),
        KeyKind::Timer => info.timers[0].key.clone(),
    };
    let http = reqwest::Client::new();
    for op in niftyimages_actions() {
        let (method, path) = method_and_path(op);
        let concrete: Vec<&str> = path
            .split('/')
            .map(|s| if s.starts_with(':') { "x" } else { s })
            .collect();
        let url = format!("{}{}", nifty.api_url(), concrete.join("/"));
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let kind = op.key_kind.unwrap();
        let send = |key: String| {
            http.request(method.clone(), &url)
                .header("ApiKey", key)
                .header("Content-Type", "application/json")
                .body("{}")
                .send()
        };
        let right = send(key(kind)).await.unwrap();
        let status = right.status().as_u16();
        let body = right.text().await.unwrap();
        assert!(
            !matches!(status, 401 | 403 | 405) && !body.contains("No HTTP resource"),
            "{}: {method} {path} with a {kind} key answered {status} {body}",
            op.name
        );
        let other = if kind == KeyKind::Account {
            KeyKind::Store
        } else {
            KeyKind::Account
        };
        let wrong = send(key(other)).await.unwrap();
        assert_eq!(
            wrong.status().as_u16(),
            401,
            "{}: with a {other} key",
            op.name
        );
    }
}

/// The size of the catalog, printed and pinned so the README's counts stay true.
#[test]
fn the_catalog_counts() {
    let count = |service: Service, kind: Kind| {
        all()
            .iter()
            .filter(|op| op.service == service && op.kind == kind)
            .count()
    };
    let ghl_actions = count(Service::Ghl, Kind::Action);
    let nifty_actions = count(Service::NiftyImages, Kind::Action);
    let nifty_triggers = count(Service::NiftyImages, Kind::Trigger);
    let ghl_triggers = count(Service::Ghl, Kind::Trigger);
    println!(
        "catalog: {} operations = {ghl_actions} GHL actions + {nifty_actions} NiftyImages actions \
         + {nifty_triggers} NiftyImages-side triggers + {ghl_triggers} GHL webhook triggers",
        all().len()
    );
    assert_eq!(ghl_actions, 56);
    assert_eq!(nifty_actions, niftyimages::OPERATIONS.len());
    assert_eq!(nifty_actions, 31);
    assert_eq!(nifty_triggers, EVENT_TYPES.len());
    assert_eq!(ghl_triggers, crate::ghl_events::GHL_EVENT_TYPES.len());
    assert_eq!(ghl_triggers, 29);
    assert_eq!(
        all().len(),
        ghl_actions + nifty_actions + nifty_triggers + ghl_triggers
    );
    assert_eq!(
        all().len(),
        TOTAL,
        "update TOTAL and the README's catalog counts"
    );
}

/// Everything in the catalog; the README says the same.
const TOTAL: usize = 122;

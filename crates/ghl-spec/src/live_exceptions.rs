//! Where live GHL differs from its published spec, written down once.
//!
//! The `ghl` client follows live behaviour and the sandbox imitates it; the spec checker
//! applies these same differences before it compiles the spec, so the fidelity tests hold both
//! to the spec everywhere else. Each entry says what differs and how we know (the facts sheet,
//! `shared/facts/ghl-api.md`, §8 and §9, gives the sources).

use serde_json::json;

use crate::SpecFiles;

/// One known difference between the spec and live GHL.
#[derive(Debug)]
pub struct LiveException {
    pub what: &'static str,
    pub why: &'static str,
    pub apply: fn(&mut SpecFiles),
}

/// A contact as live search returns it: GHL's search documentation lists these fields (names
/// only lower-cased), plus the `searchAfter` cursor each result carries.
fn live_search_contact() -> serde_json::Value {
    let text = json!({"type": "string"});
    json!({
        "type": "object",
        "properties": {
            "id": text, "locationId": text, "email": text, "timezone": text, "country": text,
            "source": text, "dateAdded": text, "dateUpdated": text, "businessId": text,
            "address": text, "assignedTo": text, "city": text, "companyName": text,
            "dateOfBirth": text, "firstNameLowerCase": text, "lastNameLowerCase": text,
            "phone": text, "postalCode": text, "state": text, "type": text, "website": text,
            "dnd": {"type": "boolean"},
            "dndSettings": {"type": "object"},
            "tags": {"type": "array", "items": text},
            "followers": {"type": "array", "items": text},
            "customFields": {"type": "array", "items": {"type": "object", "properties": {"id": text, "value": {}}}},
            "searchAfter": {"type": "array"},
        },
        "required": ["id"],
    })
}

fn custom_field_write() -> serde_json::Value {
    json!({
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "key": {"type": "string"},
            "field_value": {},
            "fieldValue": {},
            "value": {},
        },
        "anyOf": [{"required": ["id"]}, {"required": ["key"]}],
    })
}

pub const LIVE_EXCEPTIONS: &[LiveException] = &[
    LiveException {
        what: "POST /contacts/search takes {locationId, pageLimit, page?, searchAfter?, query?, filters?, sort?}",
        why: "The spec's SearchBodyV2DTO is empty and links to an external document; GHL's search documentation and highlevel-api-docs#31 (422 without locationId and pageLimit) give the body.",
        apply: |files| {
            *files.schema_mut("contacts", "SearchBodyV2DTO") = json!({
                "type": "object",
                "properties": {
                    "locationId": {"type": "string"},
                    "pageLimit": {"type": "number"},
                    "page": {"type": "number"},
                    "searchAfter": {"type": "array"},
                    "query": {"type": "string"},
                    "filters": {"type": "array", "items": {"type": "object", "properties": {
                        "field": {"type": "string"}, "operator": {"type": "string"}, "value": {},
                        "group": {"type": "string", "enum": ["AND", "OR"]}, "filters": {"type": "array"},
                    }}},
                    "sort": {"type": "array", "items": {"type": "object", "properties": {
                        "field": {"type": "string"}, "direction": {"type": "string", "enum": ["asc", "desc"]},
                    }, "required": ["field", "direction"]}},
                },
                "required": ["locationId", "pageLimit"],
            });
        },
    },
    LiveException {
        what: "POST /contacts/search answers {contacts, total, traceId}",
        why: "The spec gives no 200 schema; live answers carry `total` (not `count`) and `traceId` (highlevel-api-docs#289), with contacts in the documented search shape.",
        apply: |files| {
            files.set_response(
                "contacts",
                "POST",
                "/contacts/search",
                "200",
                json!({
                    "type": "object",
                    "properties": {
                        "contacts": {"type": "array", "items": live_search_contact()},
                        "total": {"type": "number"},
                        "traceId": {"type": "string"},
                    },
                    "required": ["contacts", "total"],
                }),
            );
        },
    },
    LiveException {
        what: "GET /contacts/search/duplicate answers {contact: Contact | null}",
        why: "The spec gives no 200 schema; live answers hold the matching contact or null.",
        apply: |files| {
            files.set_response("contacts", "GET", "/contacts/search/duplicate", "200", json!({
                "type": "object",
                "properties": {
                    "contact": {"anyOf": [{"$ref": "#/components/schemas/GetContectByIdSchema"}, {"type": "null"}]},
                    "traceId": {"type": "string"},
                },
                "required": ["contact"],
            }));
        },
    },
    LiveException {
        what: "GET /contacts/ and GET /contacts/business/{id} list contacts with names, phone and address, and the list carries `meta`",
        why: "The spec's ContactsSearchSchema lists only a dozen fields, but the list gives each contact's name, phone and address, and the spec's own (otherwise unused) ContactsMetaSchema is the `meta` cursor object live lists carry (n8n-io/n8n#11353).",
        apply: |files| {
            let text = json!({"type": "string"});
            let schema = files.schema_mut("contacts", "ContactsSearchSchema");
            for field in [
                "contactName",
                "firstName",
                "lastName",
                "companyName",
                "phone",
                "type",
                "assignedTo",
                "city",
                "state",
                "postalCode",
                "address1",
                "dateUpdated",
                "dateOfBirth",
                "website",
            ] {
                schema["properties"][field] = text.clone();
            }
            schema["properties"]["dnd"] = json!({"type": "boolean"});
            let meta = files.schema_mut("contacts", "ContactsMetaSchema");
            meta["properties"]["nextPage"]["nullable"] = json!(true);
            meta["properties"]["currentPage"]["nullable"] = json!(true);
            let list = files.schema_mut("contacts", "ContactsSearchSuccessfulResponseDto");
            list["properties"]["meta"] = json!({"$ref": "#/components/schemas/ContactsMetaSchema"});
        },
    },
    LiveException {
        what: "Custom field values read back as any JSON type",
        why: "The spec types `value` as a string, but multi-option fields read back as arrays and numeric fields as numbers (GHL's search documentation; the webhook schemas allow string, number, array or object).",
        apply: |files| {
            files.schema_mut("contacts", "CustomFieldSchema")["properties"]["value"] = json!({});
        },
    },
    LiveException {
        what: "Custom field writes are {id | key, fieldValue}",
        why: "The spec's typed `field_value` variants are ignored by some live endpoints; `{id, fieldValue}` is the shape verified against live GHL (n8n-io/n8n#35392, fixed by PR #35988). The client sends `fieldValue`; the sandbox accepts `field_value`, `fieldValue` and `value`.",
        apply: |files| {
            for dto in ["CreateContactDto", "UpdateContactDto", "UpsertContactDto"] {
                files.schema_mut("contacts", dto)["properties"]["customFields"]["items"] =
                    custom_field_write();
            }
        },
    },
    LiveException {
        what: "dateOfBirth is written as a string",
        why: "The spec types it as an object, yet its example (`1990-09-25`) and its list of accepted formats (YYYY-MM-DD, MM/DD/YYYY…) are strings.",
        apply: |files| {
            for dto in ["CreateContactDto", "UpdateContactDto", "UpsertContactDto"] {
                files.schema_mut("contacts", dto)["properties"]["dateOfBirth"] =
                    json!({"type": "string", "nullable": true});
            }
        },
    },
    LiveException {
        what: "The bulk tags answer lists one object per contact",
        why: "The spec types `responses` as strings, but its own example (and live answers) are objects {contactId, message, type, oldTags, tagsAdded, tagsRemoved}.",
        apply: |files| {
            let text = json!({"type": "string"});
            let tags = json!({"type": "array", "items": text});
            files.schema_mut("contacts", "UpdateTagsResponseDTO")["properties"]["responses"]["items"] = json!({
                "type": "object",
                "properties": {
                    "contactId": text, "message": text, "type": {"type": "string", "enum": ["success", "error"]},
                    "oldTags": tags, "tagsAdded": tags, "tagsRemoved": tags,
                },
                "required": ["contactId", "type"],
            });
        },
    },
    LiveException {
        what: "The location task search answers {tasks: [task]}",
        why: "The spec types each item of `tasks` as an array, which no answer can be; items are task objects.",
        apply: |files| {
            let text = json!({"type": "string"});
            files.schema_mut("locations", "LocationTaskListSuccessfulResponseDto")["properties"]
                ["tasks"]["items"] = json!({
                "type": "object",
                "properties": {
                    "id": text, "title": text, "body": text, "assignedTo": text, "dueDate": text,
                    "completed": {"type": "boolean"}, "contactId": text,
                },
                "required": ["id"],
            });
        },
    },
    LiveException {
        what: "GET /locations/{locationId}/timezones answers {timeZones: [IANA name]}",
        why: "The spec declares the 200 with no body schema at all, and the facts sheet records no live answer. The sandbox answers this shape and the client reads it (or `timezones`, or a bare array), so a live answer in another shape shows up as a decode error rather than as silence. Unverified against live GHL.",
        apply: |files| {
            files.set_response(
                "locations",
                "GET",
                "/locations/{locationId}/timezones",
                "200",
                json!({
                    "type": "object",
                    "properties": {
                        "timeZones": {"type": "array", "items": {"type": "string"}},
                        "traceId": {"type": "string"},
                    },
                    "required": ["timeZones"],
                }),
            );
        },
    },
    LiveException {
        what: "A 400 may carry `meta` (duplicate contact) or an OAuth `error` code",
        why: "The duplicate-contact 400 ({message, meta: {contactId, contactName, matchingField}}) is seen in every integration but not in the spec (facts §2.4); the token endpoint names OAuth errors such as `invalid_grant` in `error`.",
        apply: |files| {
            let text = json!({"type": "string"});
            let bad_request = files.schema_mut("common", "BadRequestDTO");
            bad_request["properties"]["meta"] = json!({"type": "object", "properties": {
                "contactId": text, "contactName": text, "matchingField": text,
            }});
            bad_request["properties"]["error"] = text;
        },
    },
    LiveException {
        what: "Error answers carry a `traceId`",
        why: "GHL says every answer carries a traceId for its support (facts §1); the error DTOs of the spec do not list it. The client reads it from the body, or from an `x-trace-id`/`traceid` header.",
        apply: |files| {
            for dto in ["BadRequestDTO", "UnauthorizedDTO", "UnprocessableDTO"] {
                files.schema_mut("common", dto)["properties"]["traceId"] =
                    json!({"type": "string"});
            }
        },
    },
    LiveException {
        what: "403, 404, 429 and 5xx answers are {statusCode, message, error?}",
        why: "The contacts spec declares only 400, 401 and 422; live GHL also answers 403 for another location's token, 429 over the rate limit and 5xx, in the same shape (facts §5). Checked by SpecCheck's fallback for undeclared error statuses.",
        apply: |_| {},
    },
];

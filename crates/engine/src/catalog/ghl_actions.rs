//! The GHL calls the `ghl` client makes, one entry each: every operation of the spec's
//! `apps/contacts.json` (32), the contact-related calls of `apps/locations.json` (22: the
//! location and its time zones, location tags, custom fields, custom values, recurring tasks and
//! the task search), and the OAuth token calls (2). Paths are the spec's, byte for byte (the tests check them); input
//! names are the spec's too: path parameters by their placeholder, then query parameters for a
//! call without a body, body fields for one with a body.

use serde_json::json;

use super::schema::{
    Inputs, any, choice, date_time, flag, non_empty, some_texts, text, texts, whole,
};
use super::{Body, Method, Operation};

const CONTACT_ID: &str = "the GHL contact's id";
const LOCATION_ID: &str = "the GHL location (sub-account) id";

fn contact() -> Inputs {
    Inputs::new().required("contactId", non_empty(CONTACT_ID))
}

fn task() -> Inputs {
    contact().required("taskId", non_empty("the task's id"))
}

fn note() -> Inputs {
    // The spec names the note's path parameter plainly `id`.
    contact().required("id", non_empty("the note's id"))
}

/// The fields create, update and upsert share (the client's `ContactFields`).
fn contact_fields(inputs: Inputs) -> Inputs {
    let dnd_channel = json!({
        "type": "object",
        "properties": {
            "status": choice(&["active", "inactive", "permanent"], "do not disturb on this channel"),
            "message": text("why"),
            "code": text("a code of your own"),
        },
        "required": ["status"],
        "additionalProperties": false,
    });
    inputs
        .optional("firstName", text("first name"))
        .optional("lastName", text("last name"))
        .optional("name", text("full name"))
        .optional("email", text("email address"))
        .optional(
            "phone",
            text("phone number, E.164 preferred (+15550001111)"),
        )
        .optional("address1", text("street address"))
        .optional("city", text("city"))
        .optional("state", text("state or region"))
        .optional("postalCode", text("postal code"))
        .optional("website", text("website URL"))
        .optional("timezone", text("IANA time zone, such as Europe/Paris"))
        .optional("dnd", flag("do not disturb on every channel"))
        .optional(
            "dndSettings",
            json!({
                "type": "object",
                "description": "do not disturb per channel",
                "properties": {
                    "Call": dnd_channel, "Email": dnd_channel, "SMS": dnd_channel,
                    "WhatsApp": dnd_channel, "GMB": dnd_channel, "FB": dnd_channel,
                },
                "additionalProperties": false,
            }),
        )
        .optional(
            "tags",
            texts("tags; these replace all of the contact's tags (ghl.tags.add adds some)"),
        )
        .optional(
            "customFields",
            json!({
                "type": "array",
                "description": "custom field values, each by field id or by key (contact.pincode)",
                "items": {
                    "type": "object",
                    "properties": {
                        "id": text("the custom field's id"),
                        "key": text("the custom field's key, such as contact.pincode"),
                        "fieldValue": any("the value: text, number, list of options…"),
                    },
                    "required": ["fieldValue"],
                    "anyOf": [{"required": ["id"]}, {"required": ["key"]}],
                    "additionalProperties": false,
                },
            }),
        )
        .optional("source", text("where the contact came from"))
        .optional("dateOfBirth", text("date of birth, YYYY-MM-DD"))
        .optional("country", text("ISO-3166 alpha-2 country code, such as US"))
        .optional(
            "assignedTo",
            text("the GHL user the contact is assigned to"),
        )
}

fn task_fields(inputs: Inputs) -> Inputs {
    inputs
        .optional("body", text("the task's text"))
        .optional("assignedTo", text("the GHL user the task is assigned to"))
}

fn note_fields(inputs: Inputs) -> Inputs {
    inputs
        .optional("userId", text("the GHL user who wrote the note"))
        .optional("title", text("the note's title"))
        .optional("color", text("a colour such as #FFAA00"))
        .optional("pinned", flag("pinned to the top of the timeline"))
}

fn followers(inputs: Inputs) -> Inputs {
    inputs.required("followers", some_texts("GHL user ids"))
}

fn event_start_time(inputs: Inputs) -> Inputs {
    inputs.optional(
        "eventStartTime",
        date_time("when the workflow's event starts, ISO-8601 with offset"),
    )
}

fn location() -> Inputs {
    Inputs::new().required("locationId", non_empty(LOCATION_ID))
}

fn location_tag() -> Inputs {
    location().required("tagId", non_empty("the tag's id"))
}

/// One custom field, custom value or recurring task: the spec names its path parameter `id`.
fn location_record(what: &'static str) -> Inputs {
    location().required("id", non_empty(what))
}

/// The settings custom field create and update share.
fn custom_field_settings(inputs: Inputs) -> Inputs {
    let line = json!({
        "type": "object",
        "properties": {
            "label": text("the line's label"),
            "prefillValue": text("what the line starts with"),
        },
        "additionalProperties": false,
    });
    inputs
        .optional("placeholder", text("the hint shown in the empty field"))
        .optional(
            "acceptedFormat",
            texts("FILE_UPLOAD: the file types taken, such as .pdf"),
        )
        .optional("isMultipleFile", flag("FILE_UPLOAD: more than one file"))
        .optional(
            "maxNumberOfFiles",
            whole("FILE_UPLOAD: at most this many files"),
        )
        .optional(
            "textBoxListOptions",
            json!({"type": "array", "items": line, "description": "TEXTBOX_LIST: its lines"}),
        )
        .optional(
            "position",
            whole("where it is shown among the fields (default 0)"),
        )
        .optional(
            "model",
            choice(
                &["contact", "opportunity"],
                "whose field it is (default contact)",
            ),
        )
}

/// `rruleOptions`: when tasks are made.
fn recurrence_rule() -> serde_json::Value {
    json!({
        "type": "object",
        "description": "when tasks are made: every interval intervalTypes from startDate",
        "properties": {
            "intervalType": choice(&["yearly", "monthly", "weekly", "daily", "hourly"], "the unit of the interval"),
            "interval": {"type": "integer", "minimum": 1, "description": "every this many units"},
            "startDate": date_time("the first occurrence"),
            "endDate": date_time("no occurrence after this"),
            "dayOfMonth": whole("monthly and yearly: the day, 1 to 31"),
            "dayOfWeek": choice(&["MO", "TU", "WE", "TH", "FR", "SA", "SU"], "weekly: the day"),
            "monthOfYear": whole("yearly: the month, 1 to 12"),
            "count": whole("at most this many tasks"),
            "createTaskIfOverDue": flag("still make a task whose time has passed"),
            "dueAfterSeconds": whole("each task is due this long after it is made"),
        },
        "required": ["intervalType", "interval", "startDate", "dueAfterSeconds"],
        "additionalProperties": false,
    })
}

/// The fields recurring task create and update share.
fn recurring_task_fields(inputs: Inputs) -> Inputs {
    inputs
        .optional("description", text("the tasks' text"))
        .optional("contactIds", texts("the contacts a task is made for"))
        .optional("owners", texts("the GHL users the tasks are assigned to"))
        .optional(
            "ignoreTaskCreation",
            flag("true: make no task now, only from the next occurrence"),
        )
}

pub(super) fn operations() -> Vec<Operation> {
    use Body::{Form, Json};
    use Method::{Delete, Get, Post, Put};
    let action = Operation::action;
    vec![
        // Contacts.
        action(
            "ghl.contacts.get",
            Get,
            "/contacts/{contactId}",
            None,
            "Get one contact",
            contact(),
        ),
        action(
            "ghl.contacts.create",
            Post,
            "/contacts/",
            Some(Json),
            "Create a contact (not idempotent: prefer ghl.contacts.upsert)",
            contact_fields(Inputs::new().required("locationId", non_empty(LOCATION_ID)))
                .optional("gender", text("male or female"))
                .optional("companyName", text("company name")),
        ),
        action(
            "ghl.contacts.update",
            Put,
            "/contacts/{contactId}",
            Some(Json),
            "Update a contact's fields; only the inputs given change",
            contact_fields(contact()),
        ),
        action(
            "ghl.contacts.delete",
            Delete,
            "/contacts/{contactId}",
            None,
            "Delete a contact",
            contact(),
        ),
        action(
            "ghl.contacts.upsert",
            Post,
            "/contacts/upsert",
            Some(Json),
            "Update the contact the location's duplicate rule matches (email, phone), or create it",
            contact_fields(Inputs::new().required("locationId", non_empty(LOCATION_ID)))
                .optional("gender", text("male or female"))
                .optional("companyName", text("company name"))
                .optional(
                    "createNewIfDuplicateAllowed",
                    flag("create a new contact even on a match, if the location allows duplicates"),
                ),
        ),
        action(
            "ghl.contacts.list",
            Get,
            "/contacts/",
            None,
            "One page of a location's contacts (deprecated by GHL: prefer ghl.contacts.search)",
            Inputs::new()
                .required("locationId", non_empty(LOCATION_ID))
                .optional("query", text("free text on name, email, phone and company"))
                .optional("limit", whole("page size, at most 100 (default 20)"))
                .optional("startAfterId", text("the last contact id of the previous page"))
                .optional(
                    "startAfter",
                    whole("epoch milliseconds of the last contact of the previous page"),
                ),
        ),
        action(
            "ghl.contacts.search",
            Post,
            "/contacts/search",
            Some(Json),
            "One page of GHL's advanced contact search (filters, sort, cursor)",
            Inputs::new()
                .required("locationId", non_empty(LOCATION_ID))
                .required("pageLimit", whole("results per page, 1 to 500"))
                .optional("page", whole("page number (the first 10,000 results only)"))
                .optional(
                    "searchAfter",
                    json!({"type": "array", "description": "the cursor of the previous page's last contact"}),
                )
                .optional("query", text("free text"))
                .optional(
                    "filters",
                    json!({
                        "type": "array",
                        "description": "conditions {field, operator, value}, or groups {group: AND|OR, filters}",
                        "items": {
                            "type": "object",
                            "properties": {
                                "field": text("a contact field, such as email or tags"),
                                "operator": choice(
                                    &["eq", "not_eq", "contains", "not_contains", "exists", "not_exists", "range"],
                                    "how the field is compared",
                                ),
                                "value": any("what the field is compared with"),
                                "group": choice(&["AND", "OR"], "how a group's filters are joined"),
                                "filters": {"type": "array", "description": "the group's filters"},
                            },
                            "additionalProperties": false,
                        },
                    }),
                )
                .optional(
                    "sort",
                    json!({
                        "type": "array",
                        "description": "at most two sort keys",
                        "items": {
                            "type": "object",
                            "properties": {
                                "field": text("a contact field"),
                                "direction": choice(&["asc", "desc"], "sort direction"),
                            },
                            "required": ["field", "direction"],
                            "additionalProperties": false,
                        },
                    }),
                ),
        ),
        action(
            "ghl.contacts.find_duplicate",
            Get,
            "/contacts/search/duplicate",
            None,
            "The contact the location's duplicate rule would match for an email or phone, if any",
            Inputs::new()
                .required("locationId", non_empty(LOCATION_ID))
                .optional("email", text("email address"))
                .optional("number", text("phone number"))
                .at_least_one_of(&["email", "number"]),
        ),
        // Businesses.
        action(
            "ghl.businesses.list_contacts",
            Get,
            "/contacts/business/{businessId}",
            None,
            "One page of the contacts of a business",
            Inputs::new()
                .required("businessId", non_empty("the business's id"))
                .required("locationId", non_empty(LOCATION_ID))
                .optional("limit", whole("page size, 1 to 100 (default 25)"))
                .optional("skip", whole("contacts to skip"))
                .optional("query", text("free text")),
        ),
        action(
            "ghl.businesses.assign_contacts",
            Post,
            "/contacts/bulk/business",
            Some(Json),
            "Put many contacts into a business, or take them out of theirs (businessId null)",
            Inputs::new()
                .required("locationId", non_empty(LOCATION_ID))
                .required("ids", some_texts("the contacts' ids"))
                .required(
                    "businessId",
                    json!({"type": ["string", "null"], "description": "the business, or null to clear it"}),
                ),
        ),
        // Tasks.
        action(
            "ghl.tasks.list",
            Get,
            "/contacts/{contactId}/tasks",
            None,
            "Every task of a contact",
            contact(),
        ),
        action(
            "ghl.tasks.create",
            Post,
            "/contacts/{contactId}/tasks",
            Some(Json),
            "Create a task on a contact",
            task_fields(
                contact()
                    .required("title", non_empty("the task's title"))
                    .required(
                        "dueDate",
                        date_time("when it is due, ISO-8601 (2026-07-08T14:30:00.000Z)"),
                    )
                    .required("completed", flag("whether it is already done")),
            ),
        ),
        action(
            "ghl.tasks.get",
            Get,
            "/contacts/{contactId}/tasks/{taskId}",
            None,
            "Get one task of a contact",
            task(),
        ),
        action(
            "ghl.tasks.update",
            Put,
            "/contacts/{contactId}/tasks/{taskId}",
            Some(Json),
            "Update a task; only the inputs given change",
            task_fields(
                task()
                    .optional("title", text("the task's title"))
                    .optional("dueDate", date_time("when it is due, ISO-8601"))
                    .optional("completed", flag("whether it is done")),
            ),
        ),
        action(
            "ghl.tasks.complete",
            Put,
            "/contacts/{contactId}/tasks/{taskId}/completed",
            Some(Json),
            "Mark a task completed (or open again with completed: false)",
            task().required("completed", flag("true: done; false: open again")),
        ),
        action(
            "ghl.tasks.delete",
            Delete,
            "/contacts/{contactId}/tasks/{taskId}",
            None,
            "Delete a task",
            task(),
        ),
        action(
            "ghl.tasks.search",
            Post,
            "/locations/{locationId}/tasks/search",
            Some(Json),
            "Search the tasks of a whole location, by contact, assignee, state or text",
            Inputs::new()
                .required("locationId", non_empty(LOCATION_ID))
                .optional("contactId", texts("only the tasks of these contacts"))
                .optional("completed", flag("only done (true) or open (false) tasks"))
                .optional("assignedTo", texts("only the tasks assigned to these GHL users"))
                .optional("query", text("free text"))
                .optional("limit", whole("page size (default 25)"))
                .optional("skip", whole("tasks to skip"))
                .optional("businessId", text("only the tasks of this business")),
        ),
        // Notes.
        action(
            "ghl.notes.list",
            Get,
            "/contacts/{contactId}/notes",
            None,
            "Every note of a contact",
            contact(),
        ),
        action(
            "ghl.notes.create",
            Post,
            "/contacts/{contactId}/notes",
            Some(Json),
            "Add a note to a contact's timeline",
            note_fields(contact().required("body", non_empty("the note's text"))),
        ),
        action(
            "ghl.notes.get",
            Get,
            "/contacts/{contactId}/notes/{id}",
            None,
            "Get one note of a contact",
            note(),
        ),
        action(
            "ghl.notes.update",
            Put,
            "/contacts/{contactId}/notes/{id}",
            Some(Json),
            "Update a note; only the inputs given change",
            note_fields(note().optional("body", text("the note's text"))),
        ),
        action(
            "ghl.notes.delete",
            Delete,
            "/contacts/{contactId}/notes/{id}",
            None,
            "Delete a note",
            note(),
        ),
        // Tags.
        action(
            "ghl.tags.add",
            Post,
            "/contacts/{contactId}/tags",
            Some(Json),
            "Add tags to a contact (its other tags stay)",
            contact().required("tags", some_texts("the tags to add")),
        ),
        action(
            "ghl.tags.remove",
            Delete,
            "/contacts/{contactId}/tags",
            Some(Json),
            "Remove tags from a contact",
            contact().required("tags", some_texts("the tags to remove")),
        ),
        action(
            "ghl.tags.bulk_update",
            Post,
            "/contacts/bulk/tags/update/{type}",
            Some(Json),
            "Add or remove tags on many contacts at once",
            Inputs::new()
                .required("type", choice(&["add", "remove"], "add or remove the tags"))
                .required("locationId", non_empty(LOCATION_ID))
                .required("contacts", some_texts("the contacts' ids"))
                .required("tags", texts("the tags"))
                .optional(
                    "removeAllTags",
                    flag("with type remove: remove every tag of these contacts"),
                ),
        ),
        // Followers.
        action(
            "ghl.followers.add",
            Post,
            "/contacts/{contactId}/followers",
            Some(Json),
            "Add GHL users as followers of a contact",
            followers(contact()),
        ),
        action(
            "ghl.followers.remove",
            Delete,
            "/contacts/{contactId}/followers",
            Some(Json),
            "Remove followers from a contact",
            followers(contact()),
        ),
        // Appointments.
        action(
            "ghl.appointments.list",
            Get,
            "/contacts/{contactId}/appointments",
            None,
            "Every appointment of a contact",
            contact(),
        ),
        // Campaigns.
        action(
            "ghl.campaigns.add",
            Post,
            "/contacts/{contactId}/campaigns/{campaignId}",
            Some(Json),
            "Add a contact to a campaign",
            contact().required("campaignId", non_empty("the campaign's id")),
        ),
        action(
            "ghl.campaigns.remove",
            Delete,
            "/contacts/{contactId}/campaigns/{campaignId}",
            None,
            "Remove a contact from a campaign",
            contact().required("campaignId", non_empty("the campaign's id")),
        ),
        action(
            "ghl.campaigns.remove_all",
            Delete,
            "/contacts/{contactId}/campaigns/removeAll",
            None,
            "Remove a contact from every campaign",
            contact(),
        ),
        // Workflows.
        action(
            "ghl.workflows.add",
            Post,
            "/contacts/{contactId}/workflow/{workflowId}",
            Some(Json),
            "Start a workflow for a contact",
            event_start_time(contact().required("workflowId", non_empty("the workflow's id"))),
        ),
        action(
            "ghl.workflows.remove",
            Delete,
            "/contacts/{contactId}/workflow/{workflowId}",
            Some(Json),
            "Take a contact out of a workflow",
            event_start_time(contact().required("workflowId", non_empty("the workflow's id"))),
        ),
        // The location.
        action(
            "ghl.locations.get",
            Get,
            "/locations/{locationId}",
            None,
            "The location (sub-account): name, address, time zone, duplicate-contact setting",
            location(),
        ),
        action(
            "ghl.locations.timezones",
            Get,
            "/locations/{locationId}/timezones",
            None,
            "The time zone names GHL accepts for the location and its contacts",
            location(),
        ),
        // The location's tag list.
        action(
            "ghl.location_tags.list",
            Get,
            "/locations/{locationId}/tags",
            None,
            "Every tag of the location's tag list, with its id",
            location(),
        ),
        action(
            "ghl.location_tags.get",
            Get,
            "/locations/{locationId}/tags/{tagId}",
            None,
            "One tag of the location's tag list",
            location_tag(),
        ),
        action(
            "ghl.location_tags.create",
            Post,
            "/locations/{locationId}/tags",
            Some(Json),
            "Add a tag to the location's tag list (refused if it is there already)",
            location().required("name", non_empty("the tag")),
        ),
        action(
            "ghl.location_tags.update",
            Put,
            "/locations/{locationId}/tags/{tagId}",
            Some(Json),
            "Rename a tag of the location (contacts that have it get the new name)",
            location_tag().required("name", non_empty("the new name")),
        ),
        action(
            "ghl.location_tags.delete",
            Delete,
            "/locations/{locationId}/tags/{tagId}",
            None,
            "Delete a tag from the location (and from every contact that has it)",
            location_tag(),
        ),
        // Custom fields.
        action(
            "ghl.custom_fields.list",
            Get,
            "/locations/{locationId}/customFields",
            None,
            "The custom field definitions of a location (ids, keys, types)",
            Inputs::new()
                .required("locationId", non_empty(LOCATION_ID))
                .optional(
                    "model",
                    choice(
                        &["contact", "opportunity", "all"],
                        "whose fields (default: all)",
                    ),
                ),
        ),
        action(
            "ghl.custom_fields.get",
            Get,
            "/locations/{locationId}/customFields/{id}",
            None,
            "One custom field definition",
            location_record("the custom field's id"),
        ),
        action(
            "ghl.custom_fields.create",
            Post,
            "/locations/{locationId}/customFields",
            Some(Json),
            "Define a new custom field (its key is made from the name: contact.favourite_store)",
            custom_field_settings(
                location()
                    .required("name", non_empty("the field's name"))
                    .required(
                        "dataType",
                        non_empty("TEXT, LARGE_TEXT, NUMERICAL, MONETORY, CHECKBOX, DATE…"),
                    ),
            ),
        ),
        action(
            "ghl.custom_fields.update",
            Put,
            "/locations/{locationId}/customFields/{id}",
            Some(Json),
            "Rename or move a custom field (its key and data type stay)",
            custom_field_settings(
                location_record("the custom field's id")
                    .required("name", non_empty("the field's name")),
            ),
        ),
        action(
            "ghl.custom_fields.delete",
            Delete,
            "/locations/{locationId}/customFields/{id}",
            None,
            "Delete a custom field (contacts lose their values of it)",
            location_record("the custom field's id"),
        ),
        // Custom values.
        action(
            "ghl.custom_values.list",
            Get,
            "/locations/{locationId}/customValues",
            None,
            "Every custom value of the location ({{ custom_values.name }} in templates)",
            location(),
        ),
        action(
            "ghl.custom_values.get",
            Get,
            "/locations/{locationId}/customValues/{id}",
            None,
            "One custom value",
            location_record("the custom value's id"),
        ),
        action(
            "ghl.custom_values.create",
            Post,
            "/locations/{locationId}/customValues",
            Some(Json),
            "Add a custom value to the location",
            location()
                .required("name", non_empty("the value's name"))
                .required("value", text("the value")),
        ),
        action(
            "ghl.custom_values.update",
            Put,
            "/locations/{locationId}/customValues/{id}",
            Some(Json),
            "Change a custom value (name and value are both given)",
            location_record("the custom value's id")
                .required("name", non_empty("the value's name"))
                .required("value", text("the value")),
        ),
        action(
            "ghl.custom_values.delete",
            Delete,
            "/locations/{locationId}/customValues/{id}",
            None,
            "Delete a custom value",
            location_record("the custom value's id"),
        ),
        // Recurring tasks (GHL has no list call).
        action(
            "ghl.recurring_tasks.create",
            Post,
            "/locations/{locationId}/recurring-tasks",
            Some(Json),
            "Make tasks for contacts on a schedule (the first at once, unless ignoreTaskCreation)",
            recurring_task_fields(
                location()
                    .required("title", non_empty("the tasks' title"))
                    .required("rruleOptions", recurrence_rule()),
            ),
        ),
        action(
            "ghl.recurring_tasks.get",
            Get,
            "/locations/{locationId}/recurring-tasks/{id}",
            None,
            "One recurring task and its schedule",
            location_record("the recurring task's id"),
        ),
        action(
            "ghl.recurring_tasks.update",
            Put,
            "/locations/{locationId}/recurring-tasks/{id}",
            Some(Json),
            "Change a recurring task; only the inputs given change, tasks already made stay",
            recurring_task_fields(
                location_record("the recurring task's id")
                    .optional("title", text("the tasks' title"))
                    .optional("rruleOptions", recurrence_rule()),
            ),
        ),
        action(
            "ghl.recurring_tasks.delete",
            Delete,
            "/locations/{locationId}/recurring-tasks/{id}",
            None,
            "Delete a recurring task (tasks already made stay)",
            location_record("the recurring task's id"),
        ),
        // OAuth.
        action(
            "ghl.oauth.token",
            Post,
            "/oauth/token",
            Some(Form),
            "Exchange an authorisation code, or spend a refresh token, for a new token pair",
            Inputs::new()
                .required("client_id", non_empty("the marketplace app's client id"))
                .required(
                    "client_secret",
                    non_empty("the app's client secret (from the vault; never printed)"),
                )
                .required(
                    "grant_type",
                    choice(
                        &["authorization_code", "refresh_token"],
                        "which of code and refresh_token is given",
                    ),
                )
                .optional("code", text("with authorization_code: the code from the redirect"))
                .optional(
                    "refresh_token",
                    text("with refresh_token: the refresh token, which works once"),
                )
                .optional("user_type", choice(&["Location", "Company"], "the kind of token"))
                .optional("redirect_uri", text("the redirect URI the code was sent to"))
                .at_least_one_of(&["code", "refresh_token"]),
        ),
        action(
            "ghl.oauth.location_token",
            Post,
            "/oauth/locationToken",
            Some(Form),
            "Mint a location token from an agency token",
            Inputs::new()
                .required("companyId", non_empty("the agency's company id"))
                .required("locationId", non_empty(LOCATION_ID)),
        ),
    ]
}

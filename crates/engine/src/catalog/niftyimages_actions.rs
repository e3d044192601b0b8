//! The NiftyImages calls, one action per method+path pair of the API's endpoint inventory (31;
//! the same list as [`niftyimages::OPERATIONS`], which the tests hold this file to). Paths are
//! relative to `/v1` and spelt as NiftyImages documents them, placeholders as `:name`.
//!
//! NiftyImages authenticates with an API key, not OAuth, so these actions carry the kind of
//! key the call takes (account, Data Store or timer) and no scope. Input names are the API's:
//! camelCase query parameters (`url`, `startDate`), PascalCase body fields (`TargetDate`),
//! and a Data Store record's own field names.

use niftyimages::KeyKind::{self, Account, Store, Timer};
use serde_json::{Value, json};

use super::schema::{Inputs, date_time, flag, non_empty, text};
use super::{Body, Method, Operation};

const IMAGE_URL: &str = "the image's public NiftyImages URL";
const MAP_URL: &str = "the map image's public NiftyImages URL";

fn action(
    name: &'static str,
    method: Method,
    path: &'static str,
    key: KeyKind,
    description: &'static str,
    inputs: Inputs,
) -> Operation {
    Operation::niftyimages_action(name, method, path, None, &[], key, description, inputs)
}

/// An action with a JSON body; `query` names the inputs that still go in the query string.
#[allow(clippy::too_many_arguments)]
fn with_body(
    name: &'static str,
    method: Method,
    path: &'static str,
    query: &'static [&'static str],
    key: KeyKind,
    description: &'static str,
    inputs: Inputs,
) -> Operation {
    Operation::niftyimages_action(
        name,
        method,
        path,
        Some(Body::Json),
        query,
        key,
        description,
        inputs,
    )
}

fn image() -> Inputs {
    Inputs::new().required("url", non_empty(IMAGE_URL))
}

fn map() -> Inputs {
    Inputs::new().required("url", non_empty(MAP_URL))
}

/// `startDate`/`endDate`: the statistics window; NiftyImages uses the last 30 days without.
fn dates(inputs: Inputs) -> Inputs {
    inputs
        .optional(
            "startDate",
            date_time("start of the window (default: 30 days ago)"),
        )
        .optional("endDate", date_time("end of the window (default: now)"))
}

fn widget() -> Inputs {
    dates(Inputs::new().required("widgetKey", non_empty("the widget's key")))
}

fn widget_user() -> Inputs {
    widget().required("user", non_empty("the widget user"))
}

fn bee_plugin() -> Inputs {
    dates(Inputs::new().required("pluginKey", non_empty("the BEE plugin's key")))
}

fn suspended() -> Value {
    flag("true suspends the user, false reinstates them")
}

fn integer(description: &str) -> Value {
    json!({"type": "integer", "description": description})
}

fn number(description: &str) -> Value {
    json!({"type": "number", "description": description})
}

fn properties() -> Value {
    named_values("Value", "the location's properties, shown by the map")
}

fn variables() -> Value {
    named_values("Value", "merge variables of the image URL")
}

/// A list of `{Name, <value>}` objects, as NiftyImages' bodies carry variables and properties.
fn named_values(value: &'static str, description: &str) -> Value {
    json!({
        "type": "array",
        "description": description,
        "items": {
            "type": "object",
            "properties": {"Name": {"type": "string"}, value: {"type": "string"}},
            "required": ["Name", value],
            "additionalProperties": false,
        },
    })
}

/// A Data Store record: the store's own field names, each a single value. The field names
/// are the store's (`GET /Store`), so the schema takes any name but no list or object.
fn flat_record(operation: &mut Operation) {
    operation.input_schema["additionalProperties"] =
        json!({"type": ["string", "number", "boolean", "null"]});
}

fn images() -> Vec<Operation> {
    vec![
        action(
            "niftyimages.images.list",
            Method::Get,
            "/Images",
            Account,
            "One page of the account's images with their lifetime opens",
            Inputs::new()
                .optional("pageSize", json!({"type": "integer", "minimum": 1, "description": "images per page (default 10)"}))
                .optional("pageNumber", json!({"type": "integer", "minimum": 1, "description": "the page, from 1 (default 1)"})),
        ),
        action(
            "niftyimages.images.stats",
            Method::Get,
            "/Images/AllStats",
            Account,
            "Every image with its opens in a date window",
            dates(Inputs::new()),
        ),
        action(
            "niftyimages.images.get",
            Method::Get,
            "/Image",
            Account,
            "One image by its URL, with its lifetime opens",
            image(),
        ),
        action(
            "niftyimages.images.delete",
            Method::Delete,
            "/Image",
            Account,
            "Delete an image: its URL stops being served",
            image(),
        ),
        action(
            "niftyimages.personalized.get",
            Method::Get,
            "/Personalized",
            Account,
            "A personalized image's text, default text and font colour",
            image(),
        ),
        with_body(
            "niftyimages.personalized.update",
            Method::Put,
            "/Personalized",
            &["url"],
            Account,
            "Change a personalized image's text (and its default) or its font colour",
            image()
                .optional("ImageText", text("the text, merge tags included"))
                .optional("DefaultText", text("shown when the URL carries no value"))
                .optional("FontColor", text("the font colour, such as #FF0000"))
                .at_least_one_of(&["ImageText", "FontColor"]),
        ),
        action(
            "niftyimages.psd.get",
            Method::Get,
            "/Psd",
            Account,
            "A Photoshop image's layers",
            image(),
        ),
        with_body(
            "niftyimages.psd.update",
            Method::Put,
            "/Psd",
            &["url"],
            Account,
            "Rename a Photoshop image, set its variables' defaults or change its layers",
            image()
                .optional("Name", text("the image's new name"))
                .optional(
                    "Variables",
                    named_values("DefaultValue", "merge variables and their default values"),
                )
                .optional(
                    "Layers",
                    json!({
                        "type": "array",
                        "description": "layer changes, each by layer name",
                        "items": {
                            "type": "object",
                            "properties": {
                                "LayerName": {"type": "string"},
                                "TextValue": {"type": "string"},
                                "TextColor": {"type": "string"},
                                "ImageUrl": {"type": "string"},
                                "Show": {"type": "boolean"},
                            },
                            "required": ["LayerName"],
                            "additionalProperties": false,
                        },
                    }),
                ),
        ),
    ]
}

fn timers_and_stores() -> Vec<Operation> {
    let mut upsert = with_body(
        "niftyimages.stores.upsert",
        Method::Post,
        "/Store/AddRecord",
        &[],
        Store,
        "Create a Data Store record, or update the one with the same unique value",
        Inputs::new(),
    );
    flat_record(&mut upsert);
    let mut delete = with_body(
        "niftyimages.stores.delete",
        Method::Delete,
        "/Store/DeleteRecord",
        &[],
        Store,
        "Delete the Data Store record whose unique field(s) have these values",
        Inputs::new(),
    );
    flat_record(&mut delete);
    vec![
        with_body(
            "niftyimages.timers.update",
            Method::Put,
            "/Timer/Update",
            &[],
            Timer,
            "Move a countdown timer's target date",
            Inputs::new()
                .required("TimerImageUrl", non_empty("the timer image's URL"))
                .required(
                    "TargetDate",
                    non_empty("the new target, ISO 8601 unless Format says otherwise"),
                )
                .optional(
                    "Format",
                    text("the pattern of TargetDate when it is not ISO 8601"),
                )
                .optional(
                    "IsUtc",
                    flag("TargetDate is UTC (else wall-clock time in the timer's time zone)"),
                )
                .optional("AddHours", integer("hours added to TargetDate"))
                .optional("AddDays", integer("days added to TargetDate"))
                .optional("AddMonths", integer("months added to TargetDate")),
        ),
        action(
            "niftyimages.stores.fields",
            Method::Get,
            "/Store",
            Store,
            "The fields of a Data Store: names, types, which are unique",
            Inputs::new(),
        ),
        upsert,
        action(
            "niftyimages.stores.delete_by_id",
            Method::Delete,
            "/Store/DeleteID",
            Store,
            "Delete a Data Store record by its id",
            Inputs::new().required("id", non_empty("the record's id")),
        ),
        delete,
    ]
}

fn widgets_and_bee() -> Vec<Operation> {
    vec![
        action(
            "niftyimages.widgets.list",
            Method::Get,
            "/Widgets",
            Account,
            "The account's active widgets",
            Inputs::new(),
        ),
        action(
            "niftyimages.widgets.stats",
            Method::Get,
            "/Widgets/AllStats",
            Account,
            "Every widget with its images, impressions and users in a date window",
            dates(Inputs::new()),
        ),
        action(
            "niftyimages.widgets.images",
            Method::Get,
            "/Widgets/:widgetKey/Images",
            Account,
            "A widget's images with their impressions",
            widget(),
        ),
        action(
            "niftyimages.widgets.user_images",
            Method::Get,
            "/Widgets/:widgetKey/Images/:user",
            Account,
            "The images one widget user made, with their impressions",
            widget_user(),
        ),
        action(
            "niftyimages.widgets.users",
            Method::Get,
            "/Widgets/:widgetKey/Users",
            Account,
            "A widget's users with their images and impressions",
            widget(),
        ),
        action(
            "niftyimages.widgets.user",
            Method::Get,
            "/Widgets/:widgetKey/Users/:user",
            Account,
            "One widget user's images, impressions and whether they are suspended",
            widget_user(),
        ),
        with_body(
            "niftyimages.widgets.suspend_user",
            Method::Put,
            "/Widgets/:widgetKey/Users/:user",
            &[],
            Account,
            "Suspend or reinstate a widget user",
            Inputs::new()
                .required("widgetKey", non_empty("the widget's key"))
                .required("user", non_empty("the widget user"))
                .required("suspended", suspended()),
        ),
        action(
            "niftyimages.bee.users",
            Method::Get,
            "/BeePlugin/:pluginKey/Users",
            Account,
            "A BEE plugin's users with their images and opens",
            bee_plugin(),
        ),
        action(
            "niftyimages.bee.user_images",
            Method::Get,
            "/BeePlugin/:pluginKey/Users/:user",
            Account,
            "The images one BEE plugin user made, with their opens",
            bee_plugin().required("user", non_empty("the plugin user")),
        ),
        with_body(
            "niftyimages.bee.suspend_user",
            Method::Put,
            "/BeePlugin/:pluginKey/Users/:user",
            &[],
            Account,
            "Suspend or reinstate a BEE plugin user",
            Inputs::new()
                .required("pluginKey", non_empty("the BEE plugin's key"))
                .required("user", non_empty("the plugin user"))
                .required("suspended", suspended()),
        ),
    ]
}

fn maps_and_chatbots() -> Vec<Operation> {
    let location = |inputs: Inputs| {
        inputs
            .optional("LocationID", text("your own id for the location"))
            .optional("Properties", properties())
    };
    let chatbot = || {
        Inputs::new()
            .required("Url", non_empty(IMAGE_URL))
            .optional("Variables", variables())
    };
    vec![
        action(
            "niftyimages.maps.list",
            Method::Get,
            "/Maps",
            Account,
            "The account's map images",
            Inputs::new(),
        ),
        action(
            "niftyimages.maps.details",
            Method::Get,
            "/Maps/Details",
            Account,
            "A map's opens, clicks and how many of its locations were placed",
            map(),
        ),
        action(
            "niftyimages.maps.locations",
            Method::Get,
            "/Maps/GetLocations",
            Account,
            "A map's locations near an address or a point, or one by its id",
            map()
                .optional("address", text("an address to search near"))
                .optional("lat", number("latitude to search near (with lng)"))
                .optional("lng", number("longitude to search near (with lat)"))
                .optional("locationID", text("your id of the location"))
                .optional("niftyID", text("NiftyImages' id of the location"))
                .at_least_one_of(&["address", "lat", "locationID", "niftyID"]),
        ),
        with_body(
            "niftyimages.maps.add_location",
            Method::Post,
            "/Maps/AddLocation",
            &["url"],
            Account,
            "Add a location to a map",
            location(map().required("Address", non_empty("the location's address"))),
        ),
        with_body(
            "niftyimages.maps.update_location",
            Method::Put,
            "/Maps/UpdateLocation",
            &["url"],
            Account,
            "Change a map location, named by its NiftyID or LocationID",
            location(
                map()
                    .optional("NiftyID", text("NiftyImages' id of the location"))
                    .optional("Address", text("the new address"))
                    .optional("Latitude", number("the new latitude"))
                    .optional("Longitude", number("the new longitude")),
            )
            .at_least_one_of(&["NiftyID", "LocationID"]),
        ),
        action(
            "niftyimages.maps.delete_location",
            Method::Delete,
            "/Maps/DeleteLocation",
            Account,
            "Remove a location from a map",
            map()
                .optional("locationID", text("your id of the location"))
                .optional("niftyID", text("NiftyImages' id of the location"))
                .at_least_one_of(&["locationID", "niftyID"]),
        ),
        with_body(
            "niftyimages.chatbots.manychat",
            Method::Post,
            "/ManyChat",
            &[],
            Account,
            "An image URL with merge variables, as a ManyChat message",
            chatbot(),
        ),
        with_body(
            "niftyimages.chatbots.chatfuel",
            Method::Post,
            "/ChatFuel",
            &[],
            Account,
            "An image URL with merge variables, as a ChatFuel message",
            chatbot(),
        ),
    ]
}

pub(super) fn operations() -> Vec<Operation> {
    let mut operations = images();
    operations.extend(timers_and_stores());
    operations.extend(widgets_and_bee());
    operations.extend(maps_and_chatbots());
    operations
}

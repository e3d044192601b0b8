//! `/Maps*`: map images and their locations. The sandbox has no geocoder: a location added by
//! address alone stays "not processed" until coordinates are set with `UpdateLocation`.

use axum::extract::{Query, State};
use axum::response::Response;
use bytes::Bytes;
use serde_json::{Map, Value, json};

use super::{AppState, Params, counter, json_object, ok, param, required};
use crate::nifty::dates::iso;
use crate::nifty::error::{ApiResult, NiftyApiError};
use crate::nifty::model::{MapLocationRec, MapRec, NiftyWorld, field};

/// Locations within this distance answer a `lat`+`lng` query, nearest first.
const NEAR_KM: f64 = 50.0;

fn find(world: &NiftyWorld, params: &Params) -> ApiResult<usize> {
    let url = required(params, "url")?;
    world
        .map_index(url)
        .ok_or_else(|| NiftyApiError::not_found(format!("No map with the url '{url}'.")))
}

pub async fn list(State(state): State<AppState>) -> ApiResult<Response> {
    let world = state.world.lock();
    let all: Vec<Value> = world
        .maps
        .iter()
        .map(|m| {
            json!({
                "Name": m.name,
                "Url": m.url,
                "Opens": counter(&state, m.opens),
                "Clicks": counter(&state, m.clicks),
                "CreateDate": iso(m.created),
                "LastUpdated": iso(m.updated),
            })
        })
        .collect();
    ok(Value::Array(all))
}

pub async fn details(
    State(state): State<AppState>,
    Query(params): Query<Params>,
) -> ApiResult<Response> {
    let world = state.world.lock();
    let m = &world.maps[find(&world, &params)?];
    let good = m.locations.iter().filter(|l| l.latitude.is_some()).count();
    ok(json!({
        "Name": m.name,
        "Url": m.url,
        "Opens": counter(&state, m.opens),
        "Clicks": counter(&state, m.clicks),
        "CreateDate": iso(m.created),
        "LastUpdated": iso(m.updated),
        "LocationsGood": good,
        "LocationsBad": 0,
        "LocationsNotProcessed": m.locations.len() - good,
    }))
}

fn distance_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (la1, lo1, la2, lo2) = (
        a.0.to_radians(),
        a.1.to_radians(),
        b.0.to_radians(),
        b.1.to_radians(),
    );
    let h = ((la2 - la1) / 2.0).sin().powi(2)
        + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.sqrt().asin()
}

fn number(params: &Params, name: &str) -> ApiResult<f64> {
    required(params, name)?
        .trim()
        .parse()
        .map_err(|_| NiftyApiError::bad_request(format!("'{name}' must be a number.")))
}

/// `GET /Maps/GetLocations?url=` with one of `address`, `lat`+`lng`, `locationID`, `niftyID`.
pub async fn locations(
    State(state): State<AppState>,
    Query(params): Query<Params>,
) -> ApiResult<Response> {
    let world = state.world.lock();
    let m = &world.maps[find(&world, &params)?];
    let found: Vec<&MapLocationRec> = if let Some(address) = param(&params, "address") {
        m.locations
            .iter()
            .filter(|l| l.address.trim().eq_ignore_ascii_case(address.trim()))
            .collect()
    } else if param(&params, "lat").is_some() || param(&params, "lng").is_some() {
        let here = (number(&params, "lat")?, number(&params, "lng")?);
        let mut near: Vec<(f64, &MapLocationRec)> = m
            .locations
            .iter()
            .filter_map(|l| Some((distance_km(here, (l.latitude?, l.longitude?)), l)))
            .filter(|(d, _)| *d <= NEAR_KM)
            .collect();
        near.sort_by(|a, b| a.0.total_cmp(&b.0));
        near.into_iter().map(|(_, l)| l).collect()
    } else if let Some(id) = param(&params, "locationID") {
        m.locations
            .iter()
            .filter(|l| l.location_id.as_deref() == Some(id))
            .collect()
    } else if let Some(id) = param(&params, "niftyID") {
        m.locations
            .iter()
            .filter(|l| l.nifty_id.to_string() == id.trim())
            .collect()
    } else {
        return Err(NiftyApiError::bad_request(
            "Give one of address, lat and lng, locationID or niftyID.",
        ));
    };
    ok(Value::Array(
        found.into_iter().map(MapLocationRec::to_json).collect(),
    ))
}

fn text(body: &Map<String, Value>, name: &str) -> Option<String> {
    match field(body, name)? {
        Value::String(s) => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn coordinate(body: &Map<String, Value>, name: &str) -> ApiResult<Option<f64>> {
    match field(body, name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => Ok(n.as_f64()),
        Some(Value::String(s)) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| NiftyApiError::bad_request(format!("{name} must be a number."))),
        Some(_) => Err(NiftyApiError::bad_request(format!(
            "{name} must be a number."
        ))),
    }
}

fn properties(body: &Map<String, Value>) -> ApiResult<Option<Vec<(String, String)>>> {
    match field(body, "Properties") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|p| {
                let name = p
                    .get("Name")
                    .and_then(Value::as_str)
                    .ok_or_else(|| NiftyApiError::bad_request("Each property needs a Name."))?;
                let value = match p.get("Value") {
                    Some(Value::String(s)) => s.clone(),
                    Some(Value::Null) | None => String::new(),
                    Some(other) => other.to_string(),
                };
                Ok((name.to_owned(), value))
            })
            .collect::<ApiResult<Vec<_>>>()
            .map(Some),
        Some(_) => Err(NiftyApiError::bad_request("Properties must be an array.")),
    }
}

fn message(text: &str) -> ApiResult<Response> {
    ok(json!({ "message": text }))
}

/// `POST /Maps/AddLocation?url=`: `Address` (required), `LocationID?`, `Properties[]?`.
pub async fn add(
    State(state): State<AppState>,
    Query(params): Query<Params>,
    headers: http::HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let body = json_object(&headers, &body)?;
    let address = text(&body, "Address")
        .filter(|a| !a.is_empty())
        .ok_or_else(|| NiftyApiError::bad_request("Address is required."))?;
    let location_id = text(&body, "LocationID").filter(|id| !id.is_empty());
    let props = properties(&body)?.unwrap_or_default();
    let now = state.now();
    let mut world = state.world.lock();
    let index = find(&world, &params)?;
    let m: &mut MapRec = &mut world.maps[index];
    if let Some(id) = &location_id
        && m.locations
            .iter()
            .any(|l| l.location_id.as_ref() == Some(id))
    {
        return Err(NiftyApiError::bad_request(format!(
            "LocationID '{id}' already exists on this map."
        )));
    }
    let nifty_id = m.next_nifty_id;
    m.next_nifty_id += 1;
    m.locations.push(MapLocationRec {
        nifty_id,
        location_id,
        address,
        latitude: None,
        longitude: None,
        properties: props,
    });
    m.updated = now;
    message("Location added")
}

fn position(m: &MapRec, nifty_id: Option<&str>, location_id: Option<&str>) -> ApiResult<usize> {
    let found = match (nifty_id, location_id) {
        (Some(id), _) => m
            .locations
            .iter()
            .position(|l| l.nifty_id.to_string() == id.trim()),
        (None, Some(id)) => m
            .locations
            .iter()
            .position(|l| l.location_id.as_deref() == Some(id)),
        (None, None) => {
            return Err(NiftyApiError::bad_request(
                "Name the location by NiftyID or LocationID.",
            ));
        }
    };
    found.ok_or_else(|| NiftyApiError::not_found("No such location on this map."))
}

/// `PUT /Maps/UpdateLocation?url=`: names the location by `NiftyID` or `LocationID`.
pub async fn update(
    State(state): State<AppState>,
    Query(params): Query<Params>,
    headers: http::HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let body = json_object(&headers, &body)?;
    let (latitude, longitude) = (
        coordinate(&body, "Latitude")?,
        coordinate(&body, "Longitude")?,
    );
    if latitude.is_some() != longitude.is_some() {
        return Err(NiftyApiError::bad_request(
            "Latitude and Longitude go together.",
        ));
    }
    let props = properties(&body)?;
    let now = state.now();
    let mut world = state.world.lock();
    let index = find(&world, &params)?;
    let m = &mut world.maps[index];
    let at = position(
        m,
        text(&body, "NiftyID").as_deref(),
        text(&body, "LocationID").as_deref(),
    )?;
    let location = &mut m.locations[at];
    if let Some(address) = text(&body, "Address").filter(|a| !a.is_empty()) {
        location.address = address;
    }
    if latitude.is_some() {
        location.latitude = latitude;
        location.longitude = longitude;
    }
    if let Some(props) = props {
        location.properties = props;
    }
    m.updated = now;
    message("Location updated")
}

/// `DELETE /Maps/DeleteLocation?url=&locationID=|niftyID=`.
pub async fn delete(
    State(state): State<AppState>,
    Query(params): Query<Params>,
) -> ApiResult<Response> {
    let now = state.now();
    let mut world = state.world.lock();
    let index = find(&world, &params)?;
    let m = &mut world.maps[index];
    let at = position(m, param(&params, "niftyID"), param(&params, "locationID"))?;
    m.locations.remove(at);
    m.updated = now;
    message("Location deleted")
}

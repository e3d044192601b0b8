//! The list of NiftyImages calls this client makes, as the API documents them.
//!
//! Other crates check themselves against it (the operations catalog lists one action per
//! entry), and the client's own sandbox tests call every entry, so the list cannot drift
//! from the methods above it without a test failing.

use crate::key::KeyKind;

/// One documented call: HTTP method, path relative to `/v1` (placeholders as `:name`, as
/// NiftyImages' docs write them) and the kind of key it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    pub method: &'static str,
    pub path: &'static str,
    pub key: KeyKind,
}

const fn op(method: &'static str, path: &'static str, key: KeyKind) -> Operation {
    Operation { method, path, key }
}

use KeyKind::{Account, Store, Timer};

/// Every method+path pair the client calls: the 31 of NiftyImages' endpoint inventory.
pub const OPERATIONS: &[Operation] = &[
    op("GET", "/Images", Account),
    op("GET", "/Images/AllStats", Account),
    op("GET", "/Image", Account),
    op("DELETE", "/Image", Account),
    op("GET", "/Personalized", Account),
    op("PUT", "/Personalized", Account),
    op("GET", "/Psd", Account),
    op("PUT", "/Psd", Account),
    op("PUT", "/Timer/Update", Timer),
    op("GET", "/Store", Store),
    op("POST", "/Store/AddRecord", Store),
    op("DELETE", "/Store/DeleteID", Store),
    op("DELETE", "/Store/DeleteRecord", Store),
    op("GET", "/Widgets", Account),
    op("GET", "/Widgets/AllStats", Account),
    op("GET", "/Widgets/:widgetKey/Images", Account),
    op("GET", "/Widgets/:widgetKey/Images/:user", Account),
    op("GET", "/Widgets/:widgetKey/Users", Account),
    op("GET", "/Widgets/:widgetKey/Users/:user", Account),
    op("PUT", "/Widgets/:widgetKey/Users/:user", Account),
    op("GET", "/BeePlugin/:pluginKey/Users", Account),
    op("GET", "/BeePlugin/:pluginKey/Users/:user", Account),
    op("PUT", "/BeePlugin/:pluginKey/Users/:user", Account),
    op("GET", "/Maps", Account),
    op("GET", "/Maps/Details", Account),
    op("GET", "/Maps/GetLocations", Account),
    op("POST", "/Maps/AddLocation", Account),
    op("PUT", "/Maps/UpdateLocation", Account),
    op("DELETE", "/Maps/DeleteLocation", Account),
    op("POST", "/ManyChat", Account),
    op("POST", "/ChatFuel", Account),
];

/// Whether a concrete path (`/Widgets/abc/Users/ann`) is an instance of `pattern`
/// (`/Widgets/:widgetKey/Users/:user`). Also takes `{name}` placeholders, as routers write them.
pub fn path_matches(pattern: &str, path: &str) -> bool {
    let pattern: Vec<&str> = pattern.trim_matches('/').split('/').collect();
    let path: Vec<&str> = path.trim_matches('/').split('/').collect();
    pattern.len() == path.len()
        && pattern
            .iter()
            .zip(&path)
            .all(|(p, s)| p.starts_with(':') || (p.starts_with('{') && p.ends_with('}')) || p == s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_unique_and_match_themselves_only() {
        for (i, a) in OPERATIONS.iter().enumerate() {
            for b in &OPERATIONS[i + 1..] {
                assert!(
                    a.method != b.method || a.path != b.path,
                    "{} {} twice",
                    a.method,
                    a.path
                );
            }
        }
        assert_eq!(OPERATIONS.len(), 31);
        assert!(path_matches(
            "/Widgets/:widgetKey/Users",
            "/Widgets/k1/Users"
        ));
        assert!(path_matches(
            "/Widgets/{key}/Users",
            "/Widgets/:widgetKey/Users"
        ));
        assert!(!path_matches(
            "/Widgets/:widgetKey/Users",
            "/Widgets/AllStats"
        ));
    }
}

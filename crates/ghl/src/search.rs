//! Contact search (`POST /contacts/search`) and the duplicate lookup.

use futures::Stream;
use http::Method;
use serde::{Deserialize, Serialize};

use crate::contacts::Contact;
use crate::de::{lenient_u64, null_as_default};
use crate::ids::validate_location_id;
use crate::pagination::paginate;
use crate::{GhlClient, GhlError, GhlResponse};

/// Body of `POST /contacts/search`. GHL requires `locationId` and `pageLimit`.
///
/// Page with `page` (at most 10,000 results in all) or with `searchAfter`, the cursor each
/// result carries (no limit); never both.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchContacts {
    pub location_id: String,
    pub page_limit: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search_after: Option<Vec<serde_json::Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<SearchFilter>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sort: Vec<SearchSort>,
}

/// A filter, or a group of filters joined by `AND` or `OR`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum SearchFilter {
    Condition {
        field: String,
        operator: FilterOperator,
        #[serde(skip_serializing_if = "Option::is_none")]
        value: Option<serde_json::Value>,
    },
    Group {
        group: FilterGroup,
        filters: Vec<SearchFilter>,
    },
}

impl SearchFilter {
    pub fn condition(
        field: impl Into<String>,
        operator: FilterOperator,
        value: impl Into<serde_json::Value>,
    ) -> Self {
        Self::Condition {
            field: field.into(),
            operator,
            value: Some(value.into()),
        }
    }

    /// `exists` and `not_exists` take no value.
    pub fn presence(field: impl Into<String>, exists: bool) -> Self {
        Self::Condition {
            field: field.into(),
            operator: if exists {
                FilterOperator::Exists
            } else {
                FilterOperator::NotExists
            },
            value: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FilterOperator {
    Eq,
    NotEq,
    Contains,
    NotContains,
    Exists,
    NotExists,
    /// Value `{"gt"|"gte": …, "lt"|"lte": …}`, for dates and numbers.
    Range,
}

impl std::str::FromStr for FilterOperator {
    type Err = GhlError;
    fn from_str(s: &str) -> Result<Self, GhlError> {
        serde_json::from_value(serde_json::Value::String(s.to_owned())).map_err(|_| {
            GhlError::InvalidInput(format!(
                "unknown filter operator {s:?}: use eq, not_eq, contains, not_contains, exists, not_exists or range"
            ))
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum FilterGroup {
    And,
    Or,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchSort {
    pub field: String,
    pub direction: SortDirection,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SortDirection {
    Asc,
    Desc,
}

/// One page of search results. Live GHL sends `total` (the spec says `count`); both are read.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct SearchPage {
    #[serde(default, deserialize_with = "null_as_default")]
    pub contacts: Vec<Contact>,
    #[serde(default, deserialize_with = "lenient_u64", alias = "count")]
    pub total: Option<u64>,
}

/// Query of `GET /contacts/search/duplicate`: at least one of email and phone.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DuplicateQuery {
    pub location_id: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

#[derive(Deserialize)]
struct DuplicateEnvelope {
    #[serde(default)]
    contact: Option<Contact>,
}

impl GhlClient {
    /// One page of `POST /contacts/search`.
    pub async fn search_contacts(
        &self,
        search: &SearchContacts,
    ) -> Result<GhlResponse<SearchPage>, GhlError> {
        validate_location_id(&search.location_id)?;
        if !(1..=500).contains(&search.page_limit) {
            return Err(GhlError::InvalidInput(format!(
                "pageLimit {} is out of range: use 1 to 500",
                search.page_limit
            )));
        }
        if search.page.is_some() && search.search_after.is_some() {
            return Err(GhlError::InvalidInput(
                "give either page or searchAfter, not both".into(),
            ));
        }
        self.call(Method::POST, &["contacts", "search"])
            .json(search)?
            .send()
            .await
    }

    /// Every contact matching `search`, following the `searchAfter` cursor each result carries,
    /// which is not held to the 10,000 results that `page` paging can reach. Should GHL send no
    /// cursor, the stream goes on by page number. Any `page` in `search` is ignored.
    pub fn search_contacts_stream(
        &self,
        search: SearchContacts,
    ) -> impl Stream<Item = Result<Contact, GhlError>> + Send + 'static {
        let client = self.clone();
        let first = SearchContacts {
            page: None,
            search_after: None,
            ..search
        };
        paginate(Some(first), move |search: SearchContacts| {
            let client = client.clone();
            async move {
                let page = client.search_contacts(&search).await?.into_inner();
                let next = next_search_page(&search, &page);
                Ok((page.contacts, next))
            }
        })
    }

    /// `GET /contacts/search/duplicate`: the contact GHL's duplicate rule would match, if any.
    pub async fn find_duplicate_contact(
        &self,
        query: &DuplicateQuery,
    ) -> Result<GhlResponse<Option<Contact>>, GhlError> {
        validate_location_id(&query.location_id)?;
        if query.email.is_none() && query.phone.is_none() {
            return Err(GhlError::InvalidInput(
                "the duplicate search needs an email or a phone number".into(),
            ));
        }
        let response = self
            .call(Method::GET, &["contacts", "search", "duplicate"])
            .query("locationId", &query.location_id)
            .query_opt("email", query.email.as_ref())
            .query_opt("number", query.phone.as_ref())
            .send::<DuplicateEnvelope>()
            .await?;
        Ok(response.map(|e| e.contact))
    }
}

/// The request for the page after `page`: by its last cursor, else by page number (which GHL
/// serves for the first 10,000 results only).
fn next_search_page(search: &SearchContacts, page: &SearchPage) -> Option<SearchContacts> {
    let limit = search.page_limit as usize;
    if page.contacts.len() < limit || page.contacts.is_empty() {
        return None;
    }
    if let Some(cursor) = page.contacts.last().and_then(|c| c.search_after.clone()) {
        if search.search_after.as_ref() == Some(&cursor) {
            return None; // the cursor did not move: stop rather than loop
        }
        return Some(SearchContacts {
            search_after: Some(cursor),
            page: None,
            ..search.clone()
        });
    }
    let number = search.page.unwrap_or(1) + 1;
    let seen = (number as usize - 1) * limit;
    (search.search_after.is_none() && seen < 10_000).then(|| SearchContacts {
        page: Some(number),
        ..search.clone()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_body_matches_ghl_documentation() {
        let search = SearchContacts {
            location_id: "5DP41231LkQsiKESj6rh".into(),
            page_limit: 20,
            filters: vec![
                SearchFilter::condition("dnd", FilterOperator::Eq, true),
                SearchFilter::Group {
                    group: FilterGroup::Or,
                    filters: vec![SearchFilter::presence("email", true)],
                },
            ],
            sort: vec![SearchSort {
                field: "dateUpdated".into(),
                direction: SortDirection::Desc,
            }],
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_value(&search).unwrap(),
            serde_json::json!({
                "locationId": "5DP41231LkQsiKESj6rh", "pageLimit": 20,
                "filters": [{"field": "dnd", "operator": "eq", "value": true},
                            {"group": "OR", "filters": [{"field": "email", "operator": "exists"}]}],
                "sort": [{"field": "dateUpdated", "direction": "desc"}]
            })
        );
        assert_eq!(
            "not_eq".parse::<FilterOperator>().unwrap(),
            FilterOperator::NotEq
        );
        assert!("like".parse::<FilterOperator>().is_err());
    }

    #[test]
    fn the_stream_follows_cursors_and_falls_back_to_page_numbers() {
        let search = SearchContacts {
            location_id: "5DP41231LkQsiKESj6rh".into(),
            page_limit: 2,
            ..Default::default()
        };
        let contact = |id: &str, cursor: Option<serde_json::Value>| Contact {
            id: id.into(),
            search_after: cursor.map(|c| vec![c]),
            ..Default::default()
        };
        let with_cursor = SearchPage {
            contacts: vec![contact("a", Some(1.into())), contact("b", Some(2.into()))],
            total: None,
        };
        let next = next_search_page(&search, &with_cursor).unwrap();
        assert_eq!(next.search_after, Some(vec![serde_json::json!(2)]));
        let without = SearchPage {
            contacts: vec![contact("a", None), contact("b", None)],
            total: None,
        };
        assert_eq!(next_search_page(&search, &without).unwrap().page, Some(2));
        let short = SearchPage {
            contacts: vec![contact("a", None)],
            total: None,
        };
        assert!(next_search_page(&search, &short).is_none());
    }
}

//! Contacts of a business, and setting or clearing the business of many contacts at once.

use futures::Stream;
use http::Method;
use serde::{Deserialize, Serialize};

use crate::contacts::ContactPage;
use crate::de::null_as_default;
use crate::ids::{validate_business_id, validate_location_id, validate_record_id};
use crate::pagination::paginate;
use crate::{GhlClient, GhlError, GhlResponse, contacts::Contact};

/// Query of `GET /contacts/business/{businessId}`, paged by `skip` and `limit`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BusinessContacts {
    pub business_id: String,
    pub location_id: String,
    /// Page size (GHL's default is 25).
    pub limit: Option<u32>,
    pub skip: Option<u32>,
    pub query: Option<String>,
}

/// Body of `POST /contacts/bulk/business`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkBusiness {
    pub location_id: String,
    pub ids: Vec<String>,
    /// The business to set, or `None` to take the contacts out of their business.
    pub business_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct BulkBusinessResult {
    #[serde(default)]
    pub success: bool,
    #[serde(default, deserialize_with = "null_as_default")]
    pub ids: Vec<String>,
}

impl GhlClient {
    /// One page of `GET /contacts/business/{businessId}`.
    pub async fn business_contacts(
        &self,
        query: &BusinessContacts,
    ) -> Result<GhlResponse<ContactPage>, GhlError> {
        validate_business_id(&query.business_id)?;
        validate_location_id(&query.location_id)?;
        if let Some(limit) = query.limit
            && !(1..=100).contains(&limit)
        {
            return Err(GhlError::InvalidInput(format!(
                "limit {limit} is out of range: GHL pages business contacts 1 to 100 at a time"
            )));
        }
        self.call(Method::GET, &["contacts", "business", &query.business_id])
            .query("locationId", &query.location_id)
            .query_opt("limit", query.limit)
            .query_opt("skip", query.skip)
            .query_opt("query", query.query.as_ref())
            .send()
            .await
    }

    /// Every contact of the business, page after page (`skip` grows by the page size).
    pub fn business_contacts_stream(
        &self,
        query: BusinessContacts,
    ) -> impl Stream<Item = Result<Contact, GhlError>> + Send + 'static {
        let client = self.clone();
        paginate(Some(query), move |query: BusinessContacts| {
            let client = client.clone();
            async move {
                let page = client.business_contacts(&query).await?.into_inner();
                let page_size = query.limit.unwrap_or(25);
                let seen = query.skip.unwrap_or(0) + page.contacts.len() as u32;
                let more = page.contacts.len() as u32 >= page_size
                    && page.count.is_none_or(|total| u64::from(seen) < total);
                let next = more.then_some(BusinessContacts {
                    skip: Some(seen),
                    ..query
                });
                Ok((page.contacts, next))
            }
        })
    }

    /// `POST /contacts/bulk/business`
    pub async fn bulk_set_business(
        &self,
        request: &BulkBusiness,
    ) -> Result<GhlResponse<BulkBusinessResult>, GhlError> {
        validate_location_id(&request.location_id)?;
        if request.ids.is_empty() {
            return Err(GhlError::InvalidInput(
                "give at least one contact id".into(),
            ));
        }
        request
            .ids
            .iter()
            .try_for_each(|id| validate_record_id("contact id", id))?;
        if let Some(business_id) = &request.business_id {
            validate_business_id(business_id)?;
        }
        self.call(Method::POST, &["contacts", "bulk", "business"])
            .json(request)?
            .send()
            .await
    }
}

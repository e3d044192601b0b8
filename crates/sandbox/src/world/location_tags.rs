//! The location's tag list. GHL adds a tag to the list when a contact first gets it, renames
//! it on every contact when the list entry is renamed, and takes it off every contact when the
//! entry is deleted.

use super::model::{Location, LocationTag};
use super::{Ctx, World};
use crate::api_error::ApiError;
use crate::ids::IdGenerator;

/// Not in the spec or the facts sheet; the wording is the sandbox's own.
const TAG_EXISTS: &str = "Tag with this name already exists";

fn normalize(name: &str) -> String {
    name.trim().to_lowercase()
}

impl Location {
    /// Lists the tags contacts carry that the list does not have yet. Done lazily, before any
    /// tag-list call, which a caller cannot tell from GHL's doing it on every contact write.
    fn sync_contact_tags(&mut self, ids: &IdGenerator) {
        let mut contacts: Vec<_> = self.contacts.values().collect();
        contacts.sort_by(|a, b| a.date_added.cmp(&b.date_added).then(a.id.cmp(&b.id)));
        let mut missing: Vec<String> = Vec::new();
        for tag in contacts.iter().flat_map(|c| &c.tags) {
            if !self.tags.iter().any(|t| &t.name == tag) && !missing.contains(tag) {
                missing.push(tag.clone());
            }
        }
        for name in missing {
            self.tags.push(LocationTag {
                id: ids.record_id(),
                name,
            });
        }
    }

    fn tag_index(&self, tag_id: &str) -> Result<usize, ApiError> {
        self.tags
            .iter()
            .position(|t| t.id == tag_id)
            .ok_or_else(|| ApiError::not_found("Tag"))
    }
}

impl World {
    pub fn location_tags(
        &mut self,
        location_id: &str,
        ids: &IdGenerator,
    ) -> Result<Vec<LocationTag>, ApiError> {
        let location = self.location_mut(location_id)?;
        location.sync_contact_tags(ids);
        Ok(location.tags.clone())
    }

    pub fn location_tag(
        &mut self,
        location_id: &str,
        tag_id: &str,
        ids: &IdGenerator,
    ) -> Result<LocationTag, ApiError> {
        let location = self.location_mut(location_id)?;
        location.sync_contact_tags(ids);
        let index = location.tag_index(tag_id)?;
        Ok(location.tags[index].clone())
    }

    pub fn create_location_tag(
        &mut self,
        location_id: &str,
        name: &str,
        ctx: &mut Ctx<'_>,
    ) -> Result<LocationTag, ApiError> {
        let location = self.location_mut(location_id)?;
        location.sync_contact_tags(ctx.ids);
        let name = normalize(name);
        if location.tags.iter().any(|t| t.name == name) {
            return Err(ApiError::BadRequest(TAG_EXISTS.into()));
        }
        let tag = LocationTag {
            id: ctx.ids.record_id(),
            name,
        };
        location.tags.push(tag.clone());
        Ok(tag)
    }

    /// Renames the tag in the list and on every contact that has it.
    pub fn rename_location_tag(
        &mut self,
        location_id: &str,
        tag_id: &str,
        name: &str,
        ctx: &mut Ctx<'_>,
    ) -> Result<LocationTag, ApiError> {
        let location = self.location_mut(location_id)?;
        location.sync_contact_tags(ctx.ids);
        let index = location.tag_index(tag_id)?;
        let new_name = normalize(name);
        if location
            .tags
            .iter()
            .any(|t| t.name == new_name && t.id != tag_id)
        {
            return Err(ApiError::BadRequest(TAG_EXISTS.into()));
        }
        let old_name = std::mem::replace(&mut location.tags[index].name, new_name.clone());
        for contact in location.contacts.values_mut() {
            if let Some(at) = contact.tags.iter().position(|t| *t == old_name) {
                contact.tags[at] = new_name.clone();
                contact.date_updated = ctx.now;
            }
        }
        Ok(location.tags[index].clone())
    }

    /// Deletes the tag from the list and from every contact that has it.
    pub fn delete_location_tag(
        &mut self,
        location_id: &str,
        tag_id: &str,
        ctx: &mut Ctx<'_>,
    ) -> Result<(), ApiError> {
        let location = self.location_mut(location_id)?;
        location.sync_contact_tags(ctx.ids);
        let index = location.tag_index(tag_id)?;
        let tag = location.tags.remove(index);
        for contact in location.contacts.values_mut() {
            let before = contact.tags.len();
            contact.tags.retain(|t| *t != tag.name);
            if contact.tags.len() != before {
                contact.date_updated = ctx.now;
            }
        }
        Ok(())
    }
}

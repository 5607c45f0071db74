-- fragment tag_value: a line's value for one tag: the first non-empty of the unified `tags` map key
-- ('iamPrincipal/team', 'resourceTags/team', 'accountTag/team') and the legacy `resource_tags` key
-- ('user_team'; NULL when the tag is not a resource tag). NULL when neither holds a value.
-- params: tags_key, resource_key
--
-- Bind NULL, not '', for an unused lookup: DuckDB then folds it away and never reads that map.
COALESCE(NULLIF(element_at(tags, ?), ''), NULLIF(element_at(resource_tags, ?), ''))

-- fragment tag_value: a line's value for one tag: the first non-empty of the unified `tags` map key
-- ('iamPrincipal/team', 'resourceTags/team', 'accountTag/team') and the legacy `resource_tags` key
-- ('user_team'; NULL when the tag is not a resource tag). NULL when neither holds a value.
-- params: tags_key, tags_key, resource_key, resource_key
--
-- An unused lookup binds NULL keys. Each lookup asks whether its key is NULL before it looks: DuckDB folds
-- that test with the bound value and then never reads the map (a bare element_at(map, NULL) it still reads).
COALESCE(
    IF(? IS NULL, NULL, NULLIF(element_at(tags, ?), '')),
    IF(? IS NULL, NULL, NULLIF(element_at(resource_tags, ?), ''))
)

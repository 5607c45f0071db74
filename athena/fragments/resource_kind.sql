-- fragment resource_kind: what a CUR line's resource id names: 'aip' for an application inference profile
-- (its tags are the AIP's tags), 'resource' for any other resource, NULL for a line without one.
CASE
    WHEN strpos(COALESCE(line_item_resource_id, ''), 'application-inference-profile/') > 0 THEN 'aip'
    WHEN COALESCE(line_item_resource_id, '') <> '' THEN 'resource'
END

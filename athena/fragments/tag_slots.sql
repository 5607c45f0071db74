-- fragment tag_slots: the eight tag lookups the attribution rules resolve a line with (slot1..slot8), each
-- the line's value for one tag (fragments/tag_value.sql). Which lookup sits in which slot, and NULL keys for
-- the unused ones, come from rules.LinePlan.
-- kind: columns
{{ tag_value(slot1_tags_key, slot1_resource_key) }} AS slot1,
{{ tag_value(slot2_tags_key, slot2_resource_key) }} AS slot2,
{{ tag_value(slot3_tags_key, slot3_resource_key) }} AS slot3,
{{ tag_value(slot4_tags_key, slot4_resource_key) }} AS slot4,
{{ tag_value(slot5_tags_key, slot5_resource_key) }} AS slot5,
{{ tag_value(slot6_tags_key, slot6_resource_key) }} AS slot6,
{{ tag_value(slot7_tags_key, slot7_resource_key) }} AS slot7,
{{ tag_value(slot8_tags_key, slot8_resource_key) }} AS slot8

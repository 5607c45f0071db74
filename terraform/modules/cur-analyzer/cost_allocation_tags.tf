# Activate cost allocation tags: IAM principal / session tags as "iamPrincipal/<key>", resource tags
# (e.g. on application inference profiles) by their plain key. Cost Explorer is a us-east-1 API.
#
# A key can only be activated after AWS has seen it on a billed resource or a Bedrock call by a tagged
# principal (about 24 h after first use); before that the apply fails with "empty result". Activated tags
# show up in CUR 2.0 (`tags` / `resource_tags`) 24-48 h later, from then on (no backfill).

resource "aws_ce_cost_allocation_tag" "this" {
  for_each = toset(var.cost_allocation_tag_keys)
  provider = aws.us_east_1

  tag_key = each.value
  status  = "Active"
}

-- fragment reconcile_billed_columns: what the reconciliation reads of one Bedrock usage line: its day (with
-- bucket_grain 'hour' its usage hour 'YYYY-MM-DDTHH', the log timestamps' own form), its period
-- (fragments/line_period.sql), span, account, region, caller, usage type, resource kind, product, pricing
-- unit, currency, the eight tag slots, usage, cost and whether it is invoiced (reconcile.sql's billed
-- lines).
-- params: bucket_grain
-- kind: columns
IF(
    ? = 'hour',
    date_format(line_item_usage_start_date, '%Y-%m-%dT%H'),
    date_format(line_item_usage_start_date, '%Y-%m-%d')
) AS day,
{{ line_period }},
date_diff('second', line_item_usage_start_date, line_item_usage_end_date) AS span_seconds,
line_item_usage_account_id AS account_id,
product_region_code AS region,
NULLIF(line_item_iam_principal, '') AS principal,
line_item_usage_type AS usage_type,
{{ resource_kind }} AS resource_kind,
line_item_product_code AS service,
element_at(product, 'product_name') AS product_name,
pricing_unit AS pricing_unit,
line_item_currency_code AS currency,
{{ tag_slots }},
CAST(line_item_usage_amount AS DECIMAL(38, 10)) AS usage_amount,
CAST(line_item_unblended_cost AS DECIMAL(38, 10)) AS cost,
{{ invoiced }} AS invoiced

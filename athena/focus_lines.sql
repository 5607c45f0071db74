-- cur-analyzer: the month's Amazon Bedrock lines one by one, with what a FOCUS 1.2 or 1.3 row needs
-- (product_name names an AWS Marketplace line's model: the 1.3 split keys lines as the ledger does).
--
-- cur_analyzer/reports/focus/ turns each row into one FOCUS row (BilledCost, EffectiveCost,
-- ListCost, ChargeCategory...) and resolves the attribution (principal, team and its provenance) with
-- cur_analyzer/rules/ over the same slot columns as attribution_lines.sql. No aggregation: every
-- Bedrock line of the month (usage and adjustments) is one output row, so BilledCost sums to the bill.
--
-- params: month
-- fragments: cost(effective_cost_basis), tag_slots
--
-- slotN_tags_key, slotN_resource_key  a tag lookup as in attribution_lines.sql ('' for an unused slot)
-- effective_cost_basis  cost basis of EffectiveCost: 'net-amortized' (cur-analyzer's choice), 'amortized'...
-- month                 'YYYY-MM' (the billing_period partition)
--
-- tags_json / resource_tags_json are the two tag maps as JSON object text (NULL without the column), so
-- both engines hand them over the same way. Rates stay strings, as CUR stores them; Python parses them.
SELECT
    identity_line_item_id AS line_item_id,
    bill_billing_period_start_date AS billing_period_start,
    bill_billing_period_end_date AS billing_period_end,
    NULLIF(bill_invoice_id, '') AS invoice_id,
    NULLIF(bill_invoicing_entity, '') AS invoicing_entity,
    NULLIF(bill_billing_entity, '') AS billing_entity,
    bill_payer_account_id AS payer_account_id,
    NULLIF(bill_payer_account_name, '') AS payer_account_name,
    line_item_usage_account_id AS account,
    NULLIF(line_item_usage_account_name, '') AS account_name,
    NULLIF(line_item_iam_principal, '') AS principal,
    line_item_product_code AS service,
    NULLIF(line_item_usage_type, '') AS usage_type,
    NULLIF(line_item_operation, '') AS operation,
    line_item_line_item_type AS line_item_type,
    NULLIF(line_item_line_item_description, '') AS description,
    line_item_currency_code AS currency,
    NULLIF(pricing_currency, '') AS pricing_currency,
    line_item_usage_start_date AS usage_start,
    line_item_usage_end_date AS usage_end,
    NULLIF(line_item_resource_id, '') AS resource_id,
    {{ resource_kind }} AS resource_kind,
    NULLIF(line_item_availability_zone, '') AS availability_zone,
    NULLIF(product_region_code, '') AS region_code,
    NULLIF(product_location, '') AS location,
    NULLIF(product_sku, '') AS sku,
    element_at(product, 'product_name') AS product_name,
    NULLIF(pricing_rate_code, '') AS rate_code,
    NULLIF(pricing_rate_id, '') AS rate_id,
    NULLIF(pricing_term, '') AS pricing_term,
    NULLIF(pricing_unit, '') AS pricing_unit,
    CAST(line_item_usage_amount AS DECIMAL(38, 10)) AS usage_amount,
    NULLIF(line_item_unblended_rate, '') AS unblended_rate,
    NULLIF(pricing_public_on_demand_rate, '') AS public_rate,
    CAST(line_item_unblended_cost AS DECIMAL(38, 10)) AS billed_cost,
    CAST(pricing_public_on_demand_cost AS DECIMAL(38, 10)) AS public_cost,
    {{ cost(effective_cost_basis) }} AS effective_cost,
    json_format(CAST(tags AS JSON)) AS tags_json,
    json_format(CAST(resource_tags AS JSON)) AS resource_tags_json,
    {{ tag_slots }}
FROM cur2
WHERE billing_period = ?
    AND {{ in_bedrock_scope }}
ORDER BY line_item_usage_start_date, identity_line_item_id

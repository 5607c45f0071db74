-- cur-analyzer: the billed side of the reconciliation - Bedrock usage lines of one month per day,
-- account, region, caller, usage type (model, meter, tier, scope), inference-profile kind and currency
-- (a bill in another currency than the price table's is shown, not compared), with up to
-- eight tag lookups (the same slots as attribution_lines.sql) so a reconciled row can be charged back by
-- a tag or a rules-file dimension. hour_logged says whether the invocation logs hold any record of that
-- account and region in the line's hour: billed hours without one are a log gap. invoiced_lines counts
-- the lines with an invoice id, so whether the month is final is said from this scan.
-- params: dt_from, dt_to, log_month, month
-- fragments: tag_slots, invoiced
WITH logged_hours AS (
    SELECT DISTINCT accountid AS account_id, region, substr("timestamp", 1, 13) AS hour_start
    FROM invocation_logs
    WHERE dt >= ? AND dt < ?
        AND substr("timestamp", 1, 7) = ?
),
billed AS (
    SELECT
        date_format(line_item_usage_start_date, '%Y-%m-%d') AS day,
        date_format(line_item_usage_start_date, '%Y-%m-%dT%H') AS hour_start,
        line_item_usage_account_id AS account_id,
        product_region_code AS region,
        NULLIF(line_item_iam_principal, '') AS principal,
        line_item_usage_type AS usage_type,
        {{ resource_kind }} AS resource_kind,
        line_item_product_code AS service,
        pricing_unit,
        line_item_currency_code AS currency,
        {{ tag_slots }},
        CAST(line_item_usage_amount AS DECIMAL(38, 10)) AS usage_amount,
        CAST(line_item_unblended_cost AS DECIMAL(38, 10)) AS cost,
        {{ invoiced }} AS invoiced
    FROM cur2
    WHERE billing_period = ?
        AND {{ in_bedrock_scope }}
        AND line_item_line_item_type IN ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage')
)
SELECT
    b.day, b.account_id, b.region, b.principal, b.usage_type, b.resource_kind, b.service, b.pricing_unit,
    b.currency, b.slot1, b.slot2, b.slot3, b.slot4, b.slot5, b.slot6, b.slot7, b.slot8,
    l.hour_start IS NOT NULL AS hour_logged,
    SUM(b.usage_amount) AS usage_amount,
    SUM(b.cost) AS billed_cost,
    COUNT(*) AS line_count,
    COUNT_IF(b.invoiced) AS invoiced_lines
FROM billed AS b
LEFT JOIN logged_hours AS l
    ON l.account_id = b.account_id AND l.region = b.region AND l.hour_start = b.hour_start
GROUP BY
    b.day, b.account_id, b.region, b.principal, b.usage_type, b.resource_kind, b.service, b.pricing_unit,
    b.currency, b.slot1, b.slot2, b.slot3, b.slot4, b.slot5, b.slot6, b.slot7, b.slot8, l.hour_start IS NOT NULL

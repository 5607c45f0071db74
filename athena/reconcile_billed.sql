-- cur-analyzer: the billed side of the reconciliation - Bedrock usage lines of one month per day,
-- account, region, caller, usage type (model, meter, tier, scope), inference-profile kind, product name (an
-- AWS Marketplace line names its model only there) and currency (a bill in another currency than the price
-- table's is shown, not compared), with up to eight tag lookups (the same slots as attribution_lines.sql) so
-- a reconciled row can be charged back by a tag or a rules-file dimension.
-- period_logged says whether the invocation logs hold any record of that account and region within the
-- line's own period [usage start, usage end): its hour in an hourly export, its day in a daily one, its
-- month in a monthly one (a line that names no span, end not after start, stands for its start hour).
-- Billed periods without one are a log gap. shortest_span_seconds (the shortest usage end - start of the
-- row's lines) tells the export's time granularity from this scan (cur_analyzer/granularity.py), and
-- invoiced_lines counts the lines with an invoice id, so whether the month is final is said from it too.
-- The day column keys the row's period: its usage day, or with bucket_grain 'hour' its usage hour
-- ('YYYY-MM-DDTHH', the log timestamps' own form): the allocation splits an hourly bill per hour.
-- params: dt_from, dt_to, log_month, bucket_grain, month
-- fragments: tag_slots, invoiced
WITH logged_hours AS (
    SELECT DISTINCT accountid AS account_id, region, substr("timestamp", 1, 13) AS log_hour
    FROM invocation_logs
    WHERE dt >= ? AND dt < ?
        AND substr("timestamp", 1, 7) = ?
),
billed AS (
    SELECT
        IF(
            ? = 'hour',
            date_format(line_item_usage_start_date, '%Y-%m-%dT%H'),
            date_format(line_item_usage_start_date, '%Y-%m-%d')
        ) AS day,
        -- the line's period as the hours of the log's timestamps: [first hour, first hour after it)
        date_format(line_item_usage_start_date, '%Y-%m-%dT%H') AS period_from,
        date_format(
            greatest(line_item_usage_end_date, line_item_usage_start_date + INTERVAL '1' HOUR), '%Y-%m-%dT%H'
        ) AS period_to,
        date_diff('second', line_item_usage_start_date, line_item_usage_end_date) AS span_seconds,
        line_item_usage_account_id AS account_id,
        product_region_code AS region,
        NULLIF(line_item_iam_principal, '') AS principal,
        line_item_usage_type AS usage_type,
        {{ resource_kind }} AS resource_kind,
        line_item_product_code AS service,
        element_at(product, 'product_name') AS product_name,
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
),
periods AS (
    SELECT DISTINCT account_id, region, period_from, period_to FROM billed
),
logged_periods AS (
    -- a range join: the billed periods (a few hundred per account and region) that hold a logged hour
    SELECT DISTINCT p.account_id, p.region, p.period_from, p.period_to
    FROM periods AS p
    JOIN logged_hours AS l
        ON l.account_id = p.account_id AND l.region = p.region
            AND l.log_hour >= p.period_from AND l.log_hour < p.period_to
)
SELECT
    b.day, b.account_id, b.region, b.principal, b.usage_type, b.resource_kind, b.service, b.product_name,
    b.pricing_unit, b.currency, b.slot1, b.slot2, b.slot3, b.slot4, b.slot5, b.slot6, b.slot7, b.slot8,
    lp.period_from IS NOT NULL AS period_logged,
    MIN(b.span_seconds) AS shortest_span_seconds,
    SUM(b.usage_amount) AS usage_amount,
    SUM(b.cost) AS billed_cost,
    COUNT(*) AS line_count,
    COUNT_IF(b.invoiced) AS invoiced_lines
FROM billed AS b
LEFT JOIN logged_periods AS lp
    ON lp.account_id = b.account_id AND lp.region = b.region
        AND lp.period_from = b.period_from AND lp.period_to = b.period_to
GROUP BY
    b.day, b.account_id, b.region, b.principal, b.usage_type, b.resource_kind, b.service, b.product_name,
    b.pricing_unit, b.currency, b.slot1, b.slot2, b.slot3, b.slot4, b.slot5, b.slot6, b.slot7, b.slot8,
    lp.period_from IS NOT NULL

-- cur-analyzer: the reconciliation's one read of each source (the allocation reads the bill through it too).
-- The billed side (side 'billed'): Bedrock usage lines of one month per day (with bucket_grain 'hour', per
-- usage hour), account, region, caller, usage type (model, meter, tier, scope), inference-profile kind,
-- product name (an AWS Marketplace line names its model only there) and currency (a bill in another currency
-- than the price table's is shown, not compared), with up to eight tag lookups (the same slots as
-- attribution_lines.sql) so a reconciled row can be charged back by a tag or a rules-file dimension.
-- period_logged says whether the invocation logs hold any record of that account and region within the
-- line's own period [usage start, usage end): its hour in an hourly export, its day in a daily one, its
-- month in a monthly one. Billed periods without one are a log gap. shortest_span_seconds (the shortest
-- usage end - start of the row's lines) tells the export's time granularity from this scan
-- (cur_analyzer/granularity.py), and invoiced_lines counts the lines with an invoice id, so whether the
-- month is final is said from it too.
-- The logged side (side 'logged'): estimate_usage.sql's rows at the day grain. The invocation logs are read
-- once: a single GROUP BY of the records gives both the logged token counts and the hours logging was on.
-- The logged hours are those of any record with a timestamp in the month, usable or not; the logged rows
-- are the records of the month (fragments/log_record_month.sql), a record that cannot be used counted in
-- rows of its own under its malformed_reason, with no tokens.
-- Each side's columns are NULL on the other side's rows.
-- params: dt_from, dt_to, month, log_month, month, month
--   meta_key        a requestMetadata key whose value the logged rows are grouped by too (NULL: none)
--   dt_from, dt_to  'yyyy/MM/dd/HH' bounds of the log partitions to read (dt_to exclusive)
--   month           'YYYY-MM': the month of the logged rows' records, and the bill's billing period
--   log_month       'YYYY-MM': the month whose record timestamps say in which hours logging was on
-- (meta_key is log_call_fields'; bucket_grain and the tag slots' keys are reconcile_billed_columns')
WITH records AS (
    SELECT {{ log_call_fields(meta_key) }}
    FROM invocation_logs
    WHERE dt >= ? AND dt < ?
),
calls AS (
    -- what a malformed record says is not trusted: only its reason is kept (and, for the logged hours,
    -- where and when it was written)
    SELECT
        malformed_reason,
        {{ log_record_month }} = ? AS of_month,
        IF(substr("timestamp", 1, 7) = ?, substr("timestamp", 1, 13)) AS log_hour,
        accountid AS log_account,
        region AS log_region,
        IF(malformed_reason IS NULL, substr("timestamp", 1, 10)) AS day,
        {{ log_service_tier }} AS service_tier,
        {{ log_call_values }}
    FROM records
),
logs AS (
    -- one pass over the records, two groupings: the logged rows, and the hours logging was on
    SELECT
        grouping(log_account, log_region, log_hour) = 0 AS hour_row,
        of_month, malformed_reason, day, account_id, region, principal, model_id, operation, error_code,
        meta, service_tier, log_account, log_region, log_hour,
        COUNT(*) AS invocations,
        COUNT_IF(no_tokens) AS no_token_calls,
        SUM(COALESCE(input_count, 0)) AS input_tokens,
        SUM(COALESCE(output_count, 0)) AS output_tokens,
        SUM(COALESCE(cache_read_count, 0)) AS cache_read_tokens,
        SUM(COALESCE(cache_write_count, 0)) AS cache_write_tokens,
        MAX(COALESCE(input_count, 0) + COALESCE(cache_read_count, 0) + COALESCE(cache_write_count, 0)
            + COALESCE(output_count, 0)) AS max_call_tokens
    FROM calls
    GROUP BY GROUPING SETS (
        (of_month, malformed_reason, day, account_id, region, principal, model_id, operation, error_code,
            meta, service_tier),
        (log_account, log_region, log_hour)
    )
),
logged_hours AS (
    SELECT log_account AS account_id, log_region AS region, log_hour
    FROM logs
    WHERE hour_row AND log_hour IS NOT NULL
),
billed AS (
    SELECT {{ reconcile_billed_columns }}
    FROM cur2
    WHERE billing_period = ?
        AND {{ in_bedrock_scope }}
        AND line_item_line_item_type IN ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage')
),
periods AS (
    -- the lines' periods from a read of their own: taken from the billed lines, the lines would be held
    -- whole in memory between the two uses
    SELECT DISTINCT
        line_item_usage_account_id AS account_id,
        product_region_code AS region,
        {{ line_period }}
    FROM cur2
    WHERE billing_period = ?
        AND {{ in_bedrock_scope }}
        AND line_item_line_item_type IN ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage')
),
logged_periods AS (
    -- a range join: the billed periods (a few hundred per account and region) that hold a logged hour
    SELECT DISTINCT p.account_id, p.region, p.period_from, p.period_to
    FROM periods AS p
    JOIN logged_hours AS l
        ON l.account_id = p.account_id AND l.region = p.region
            AND l.log_hour >= p.period_from AND l.log_hour < p.period_to
),
billed_rows AS (
    SELECT
        b.day, b.account_id, b.region, b.principal, b.usage_type, b.resource_kind, b.service,
        b.product_name, b.pricing_unit, b.currency, b.slot1, b.slot2, b.slot3, b.slot4, b.slot5, b.slot6,
        b.slot7, b.slot8,
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
        b.day, b.account_id, b.region, b.principal, b.usage_type, b.resource_kind, b.service,
        b.product_name, b.pricing_unit, b.currency, b.slot1, b.slot2, b.slot3, b.slot4, b.slot5, b.slot6,
        b.slot7, b.slot8, lp.period_from IS NOT NULL
)
SELECT
    'billed' AS side, day, account_id, region, principal,
    usage_type, resource_kind, service, product_name, pricing_unit, currency,
    slot1, slot2, slot3, slot4, slot5, slot6, slot7, slot8,
    period_logged, shortest_span_seconds, usage_amount, billed_cost, line_count, invoiced_lines,
    CAST(NULL AS VARCHAR) AS malformed_reason, CAST(NULL AS VARCHAR) AS model_id,
    CAST(NULL AS VARCHAR) AS operation, CAST(NULL AS VARCHAR) AS error_code, CAST(NULL AS VARCHAR) AS meta,
    CAST(NULL AS VARCHAR) AS service_tier, CAST(NULL AS BIGINT) AS invocations,
    CAST(NULL AS BIGINT) AS no_token_calls, CAST(NULL AS BIGINT) AS input_tokens,
    CAST(NULL AS BIGINT) AS output_tokens, CAST(NULL AS BIGINT) AS cache_read_tokens,
    CAST(NULL AS BIGINT) AS cache_write_tokens, CAST(NULL AS BIGINT) AS max_call_tokens
FROM billed_rows
UNION ALL
SELECT
    'logged' AS side, day, account_id, region, principal,
    NULL, NULL, NULL, NULL, NULL, NULL,
    NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
    NULL, NULL, NULL, NULL, NULL, NULL,
    malformed_reason, model_id, operation, error_code, meta, service_tier, invocations, no_token_calls,
    input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, max_call_tokens
FROM logs
WHERE NOT hour_row AND of_month

-- cur-analyzer: Bedrock invocation-log token counts for one month, per hour, caller and model.
-- cur-analyzer prices these rows (tokens x the price table) in Python; calls with no token counts
-- (e.g. blocked by a guardrail) still count as invocations. A record that cannot be used is counted in
-- rows of its own, under its malformed_reason (fragments/log_record_problem.sql), with no tokens: never priced.
-- params: dt_from, dt_to, month, by_hour
--   meta_key        a requestMetadata key whose value the rows are grouped by too (NULL: none; bind NULL,
--                   not '', and DuckDB never reads the map)
--   dt_from, dt_to  'yyyy/MM/dd/HH' bounds of the log partitions to read (dt_to exclusive; a day of
--                   slack after the month, as logs land after the call)
--   month           'YYYY-MM': the records of this month (fragments/log_record_month.sql)
--   by_hour         true to keep the hour of day (the hourly view), false to fold it away
WITH records AS (
    SELECT {{ log_call_fields(meta_key) }}
    FROM invocation_logs
    WHERE dt >= ? AND dt < ?
),
calls AS (
    -- what a malformed record says is not trusted: only its reason is kept (fragments/log_call_values.sql)
    SELECT
        malformed_reason,
        IF(malformed_reason IS NULL, "timestamp") AS call_time,
        IF(malformed_reason IS NULL, NULLIF(inferenceregion, '')) AS inference_region,
        IF(malformed_reason IS NULL, input_body) AS input_body,
        {{ log_call_values }}
    FROM records
    WHERE {{ log_record_month }} = ?
)
SELECT
    malformed_reason,
    substr(call_time, 1, 10) AS day,
    IF(?, substr(call_time, 12, 2)) AS hour,
    account_id,
    region,
    inference_region,
    principal,
    model_id,
    operation,
    error_code,
    meta,
    {{ log_service_tier }} AS service_tier,
    COUNT(*) AS invocations,
    COUNT_IF(no_tokens) AS no_token_calls,
    SUM(COALESCE(input_count, 0)) AS input_tokens,
    SUM(COALESCE(output_count, 0)) AS output_tokens,
    SUM(COALESCE(cache_read_count, 0)) AS cache_read_tokens,
    SUM(COALESCE(cache_write_count, 0)) AS cache_write_tokens,
    MAX(COALESCE(input_count, 0) + COALESCE(cache_read_count, 0) + COALESCE(cache_write_count, 0)
        + COALESCE(output_count, 0)) AS max_call_tokens
FROM calls
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12

-- cur-analyzer alerts: Bedrock invocation logs per day, caller and model, with failed-call tokens and the
-- largest single call, for the failed-spend, token-ratio and large-call alarms.
--
-- params: dt_from, dt_to, min_tokens, day_from, day_to
--
-- dt_from, dt_to     'yyyy/MM/dd/HH' bounds of the log partition (dt_from inclusive, dt_to exclusive)
-- min_tokens         large_calls counts the calls with more tokens than this (input + cache + output)
-- day_from, day_to   'YYYY-MM-DD' first and last day (of the record timestamp) to report
-- A failed call has a non-empty errorCode. Token counts absent from a record count as 0. Records that cannot
-- be used (malformed_reason, fragments/log_record_problem.sql: negative or absurd counts, no timestamp...) are
-- left out, so no alarm fires on a count no call made.
WITH calls AS (
    SELECT
        substr(l."timestamp", 1, 10) AS day,
        l.identity.arn AS principal,
        l.modelid AS model_id,
        l.region AS region,
        COALESCE(l.errorcode, '') <> '' AS failed,
        {{ log_tokens }}
    FROM invocation_logs AS l
    WHERE l.dt >= ? AND l.dt < ?
        AND {{ log_record_problem }} IS NULL
)
SELECT
    day,
    principal,
    model_id,
    region,
    COUNT(*) AS invocations,
    COUNT_IF(failed) AS failed_invocations,
    SUM(input_tokens) AS input_tokens,
    SUM(cache_read_tokens) AS cache_read_tokens,
    SUM(cache_write_tokens) AS cache_write_tokens,
    SUM(output_tokens) AS output_tokens,
    SUM(IF(failed, input_tokens, 0)) AS failed_input_tokens,
    SUM(IF(failed, cache_read_tokens, 0)) AS failed_cache_read_tokens,
    SUM(IF(failed, cache_write_tokens, 0)) AS failed_cache_write_tokens,
    SUM(IF(failed, output_tokens, 0)) AS failed_output_tokens,
    MAX(input_tokens + cache_read_tokens + cache_write_tokens + output_tokens) AS max_call_tokens,
    COUNT_IF(input_tokens + cache_read_tokens + cache_write_tokens + output_tokens > ?) AS large_calls
FROM calls
WHERE day BETWEEN ? AND ?
GROUP BY day, principal, model_id, region

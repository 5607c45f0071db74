-- cur-analyzer alerts: the largest single Bedrock calls (input + cache read + cache write + output tokens)
-- above a threshold, for the large-call alarm. At most 100 rows, largest first.
--
-- params: dt_from, dt_to, day_from, day_to, min_tokens
--
-- dt_from, dt_to     'yyyy/MM/dd/HH' bounds of the log partition (dt_from inclusive, dt_to exclusive)
-- day_from, day_to   'YYYY-MM-DD' first and last day (of the record timestamp) to report
-- min_tokens         report calls with more tokens than this
--
-- Records that cannot be used (fragments/log_record_problem.sql) are left out: an absurd count is no call.
WITH calls AS (
    SELECT
        l."timestamp" AS call_time,
        substr(l."timestamp", 1, 10) AS day,
        l.identity.arn AS principal,
        l.modelid AS model_id,
        l.requestid AS request_id,
        {{ log_tokens }}
    FROM invocation_logs AS l
    WHERE l.dt >= ? AND l.dt < ?
        AND {{ log_record_problem }} IS NULL
)
SELECT
    call_time, day, principal, model_id, request_id,
    input_tokens, cache_read_tokens, cache_write_tokens, output_tokens,
    input_tokens + cache_read_tokens + cache_write_tokens + output_tokens AS total_tokens
FROM calls
WHERE day BETWEEN ? AND ?
    AND input_tokens + cache_read_tokens + cache_write_tokens + output_tokens > ?
ORDER BY total_tokens DESC
LIMIT 100

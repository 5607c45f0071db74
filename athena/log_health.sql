-- cur-analyzer: how many invocation-log lines a month's partitions hold, and how many are malformed
-- (a line that is not JSON reads as a row of NULLs: counted here, never silently dropped).
-- params: dt_from, dt_to
SELECT
    COUNT(*) AS lines,
    COUNT_IF("timestamp" IS NULL AND requestid IS NULL AND modelid IS NULL) AS malformed,
    COUNT_IF("timestamp" IS NOT NULL AND try(from_iso8601_timestamp("timestamp")) IS NULL) AS bad_timestamps,
    COUNT_IF(NULLIF(errorcode, '') IS NOT NULL) AS failed_calls,
    MIN("timestamp") AS first_call,
    MAX("timestamp") AS last_call
FROM invocation_logs
WHERE dt >= ? AND dt < ?

-- cur-analyzer: a month's invocation-log records by why a record cannot be used (malformed_reason NULL:
-- it can), with the failed calls and the first and last call. A record that cannot be used is counted here
-- and left out of every estimate, never silently dropped.
-- params: dt_from, dt_to, month
--
-- dt_from, dt_to  'yyyy/MM/dd/HH' bounds of the log partitions to read (dt_to exclusive; a day of slack
--                 after the month, as logs land after the call)
-- month           'YYYY-MM': the records of this month (fragments/log_record_month.sql)
--
-- malformed_reason is fragments/log_record_problem.sql, the one rule every log query applies.
WITH records AS (
    SELECT
        {{ log_record_problem }} AS malformed_reason,
        "timestamp",
        errorcode,
        dt
    FROM invocation_logs
    WHERE dt >= ? AND dt < ?
)
SELECT
    malformed_reason,
    COUNT(*) AS records,
    COUNT_IF(NULLIF(errorcode, '') IS NOT NULL) AS failed_calls,
    MIN("timestamp") AS first_call,
    MAX("timestamp") AS last_call
FROM records
WHERE {{ log_record_month }} = ?
GROUP BY malformed_reason

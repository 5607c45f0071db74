-- cur-analyzer: the invocation-log records of one month, one row each, with the token counts the bill is
-- split over (cur_analyzer/reports/allocate.py): the request id, the call's day and hour, account, region,
-- caller, model id, service tier and the four token counts (fragments/log_tokens.sql). A record that cannot
-- be used (fragments/log_record_problem.sql) comes back with its malformed_reason and nothing else, so the
-- ledger can say how many were set aside; a failed call (an error code) is kept and left out in Python,
-- as the reconciliation leaves it out of its logged side.
-- params: dt_from, dt_to, month
--   dt_from, dt_to  'yyyy/MM/dd/HH' bounds of the log partitions to read (dt_to exclusive; a day of
--                   slack after the month, as logs land after the call)
--   month           'YYYY-MM': the records of this month (fragments/log_record_month.sql)
WITH records AS (
    SELECT
        {{ log_record_problem }} AS malformed_reason,
        "timestamp",
        dt,
        requestid,
        accountid,
        region,
        identity.arn AS principal,
        modelid,
        errorcode,
        input.inputbodyjson AS input_body,
        {{ log_tokens }}
    FROM invocation_logs
    WHERE dt >= ? AND dt < ?
)
SELECT
    malformed_reason,
    IF(malformed_reason IS NULL, requestid) AS request_id,
    IF(malformed_reason IS NULL, substr("timestamp", 1, 10)) AS day,
    IF(malformed_reason IS NULL, substr("timestamp", 12, 2)) AS hour,
    IF(malformed_reason IS NULL, accountid) AS account_id,
    IF(malformed_reason IS NULL, region) AS region,
    IF(malformed_reason IS NULL, principal) AS principal,
    IF(malformed_reason IS NULL, modelid) AS model_id,
    IF(malformed_reason IS NULL, NULLIF(errorcode, '')) AS error_code,
    -- the service tier a Converse request asked for, as estimate_usage.sql reads it
    CASE
        WHEN malformed_reason IS NOT NULL THEN NULL
        WHEN strpos(input_body, 'serviceTier') > 0
            THEN COALESCE(try(json_extract_scalar(input_body, '$.serviceTier.type')), 'standard')
        ELSE 'standard'
    END AS service_tier,
    IF(malformed_reason IS NULL, input_tokens, 0) AS input_tokens,
    IF(malformed_reason IS NULL, output_tokens, 0) AS output_tokens,
    IF(malformed_reason IS NULL, cache_read_tokens, 0) AS cache_read_tokens,
    IF(malformed_reason IS NULL, cache_write_tokens, 0) AS cache_write_tokens
FROM records
WHERE {{ log_record_month }} = ?

-- cur-analyzer: the invocation-log records of one month, one row each, with the token counts the bill is
-- split over (cur_analyzer/reports/allocate): the request id, the call's period at the bill's grain (its
-- hour 'YYYY-MM-DDTHH', day or month, as the billed side keys it in reconcile.sql), account, region,
-- caller, model id, service tier, up to four requestMetadata values (the header
-- X-Amzn-Bedrock-Request-Metadata, or Converse's requestMetadata field) and the four token counts
-- (fragments/log_tokens.sql). A failed call (an
-- error code) keeps its row with no tokens: the reconciliation never counts its tokens, but it says the
-- account logged. A record that cannot be used (fragments/log_record_problem.sql) comes back with its
-- malformed_reason and nothing else, so the ledger can say how many were set aside.
-- params: bucket_grain, meta1_key, meta2_key, meta3_key, meta4_key, dt_from, dt_to, month
--   bucket_grain    'hour', 'day' or 'month': the bill's time grain
--   metaN_key       a requestMetadata key whose value each record should carry (NULL: none)
--   dt_from, dt_to  'yyyy/MM/dd/HH' bounds of the log partitions to read (dt_to exclusive; a day of
--                   slack after the month, as logs land after the call)
--   month           'YYYY-MM': the records of this month (fragments/log_record_month.sql)
WITH records AS (
    SELECT
        {{ log_record_problem }} AS malformed_reason,
        CASE ? WHEN 'hour' THEN substr("timestamp", 1, 13) WHEN 'day' THEN substr("timestamp", 1, 10)
            ELSE substr("timestamp", 1, 7) END AS period,
        "timestamp",
        dt,
        requestid,
        accountid,
        region,
        identity.arn AS principal,
        modelid,
        element_at(requestmetadata, ?) AS meta1,
        element_at(requestmetadata, ?) AS meta2,
        element_at(requestmetadata, ?) AS meta3,
        element_at(requestmetadata, ?) AS meta4,
        NULLIF(errorcode, '') IS NOT NULL AS failed,
        input.inputbodyjson AS input_body,
        {{ log_tokens }}
    FROM invocation_logs
    WHERE dt >= ? AND dt < ?
)
SELECT
    malformed_reason,
    IF(malformed_reason IS NULL, requestid) AS request_id,
    IF(malformed_reason IS NULL, period) AS period,
    IF(malformed_reason IS NULL, accountid) AS account_id,
    IF(malformed_reason IS NULL, region) AS region,
    IF(malformed_reason IS NULL, principal) AS principal,
    IF(malformed_reason IS NULL, modelid) AS model_id,
    IF(malformed_reason IS NULL, meta1) AS meta1,
    IF(malformed_reason IS NULL, meta2) AS meta2,
    IF(malformed_reason IS NULL, meta3) AS meta3,
    IF(malformed_reason IS NULL, meta4) AS meta4,
    {{ log_service_tier }} AS service_tier,
    IF(malformed_reason IS NULL AND NOT failed, input_tokens, 0) AS input_tokens,
    IF(malformed_reason IS NULL AND NOT failed, output_tokens, 0) AS output_tokens,
    IF(malformed_reason IS NULL AND NOT failed, cache_read_tokens, 0) AS cache_read_tokens,
    IF(malformed_reason IS NULL AND NOT failed, cache_write_tokens, 0) AS cache_write_tokens
FROM records
WHERE {{ log_record_month }} = ?

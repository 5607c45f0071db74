-- cur-analyzer: Bedrock invocation-log token counts for one month, per hour, caller and model.
-- cur-analyzer prices these rows (tokens x the price table) in Python; calls with no token counts
-- (e.g. blocked by a guardrail) still count as invocations.
-- params: by_hour, dt_from, dt_to, month
--   by_hour         true to keep the hour of day (the hourly view), false to fold it away
--   dt_from, dt_to  'yyyy/MM/dd/HH' bounds of the log partitions to read (dt_to exclusive; a day of
--                   slack after the month, as logs land after the call)
--   month           'YYYY-MM': only calls made in this month count
SELECT
    substr("timestamp", 1, 10) AS day,
    IF(?, substr("timestamp", 12, 2)) AS hour,
    accountid AS account_id,
    region,
    NULLIF(inferenceregion, '') AS inference_region,
    identity.arn AS principal,
    modelid AS model_id,
    operation,
    NULLIF(errorcode, '') AS error_code,
    -- the service tier a Converse request asked for (flex / priority); standard when absent
    -- (strpos first: parsing every prompt body only to find no tier costs more than the rest of the query)
    CASE
        WHEN strpos(input.inputbodyjson, 'serviceTier') > 0
            THEN COALESCE(json_extract_scalar(input.inputbodyjson, '$.serviceTier.type'), 'standard')
        ELSE 'standard'
    END AS service_tier,
    COUNT(*) AS invocations,
    COUNT_IF(input.inputtokencount IS NULL AND output.outputtokencount IS NULL) AS no_token_calls,
    SUM(COALESCE(input.inputtokencount, 0)) AS input_tokens,
    SUM(COALESCE(output.outputtokencount, 0)) AS output_tokens,
    SUM(COALESCE(input.cachereadinputtokencount, 0)) AS cache_read_tokens,
    SUM(COALESCE(input.cachewriteinputtokencount, 0)) AS cache_write_tokens,
    MAX(COALESCE(input.inputtokencount, 0) + COALESCE(input.cachereadinputtokencount, 0)
        + COALESCE(input.cachewriteinputtokencount, 0) + COALESCE(output.outputtokencount, 0)) AS max_call_tokens
FROM invocation_logs
WHERE dt >= ? AND dt < ?
    AND substr("timestamp", 1, 7) = ?
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10

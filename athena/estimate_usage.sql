-- cur-analyzer: Bedrock invocation-log token counts for one month, per hour, caller and model.
-- cur-analyzer prices these rows (tokens x the price table) in Python; calls with no token counts
-- (e.g. blocked by a guardrail) still count as invocations.
-- params: dt_from, dt_to, month
--   dt_from, dt_to  'yyyy/MM/dd/HH' bounds of the log partitions to read (dt_to exclusive; a day of
--                   slack after the month, as logs land after the call)
--   month           'YYYY-MM': only calls made in this month count
SELECT
    substr("timestamp", 1, 10) AS day,
    substr("timestamp", 12, 2) AS hour,
    accountid AS account_id,
    region,
    NULLIF(inferenceregion, '') AS inference_region,
    identity.arn AS principal,
    modelid AS model_id,
    operation,
    NULLIF(errorcode, '') AS error_code,
    -- the service tier a Converse request asked for (flex / priority); standard when absent
    COALESCE(json_extract_scalar(input.inputbodyjson, '$.serviceTier.type'), 'standard') AS service_tier,
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
GROUP BY
    substr("timestamp", 1, 10), substr("timestamp", 12, 2), accountid, region, NULLIF(inferenceregion, ''),
    identity.arn, modelid, operation, NULLIF(errorcode, ''),
    COALESCE(json_extract_scalar(input.inputbodyjson, '$.serviceTier.type'), 'standard')

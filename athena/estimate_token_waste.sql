-- cur-analyzer: token waste - calls that send a large prompt and get a tiny answer back.
-- Records that cannot be used (malformed_reason, fragments/log_record_problem.sql) are left out; log_health
-- counts them.
-- params: dt_from, dt_to, month, min_input_tokens, max_output_tokens
SELECT
    identity.arn AS principal,
    modelid AS model_id,
    region,
    COUNT(*) AS calls,
    SUM(COALESCE(input.inputtokencount, 0) + COALESCE(input.cachereadinputtokencount, 0)
        + COALESCE(input.cachewriteinputtokencount, 0)) AS input_tokens,
    SUM(COALESCE(output.outputtokencount, 0)) AS output_tokens
FROM invocation_logs
WHERE dt >= ? AND dt < ?
    AND substr("timestamp", 1, 7) = ?
    AND COALESCE(input.inputtokencount, 0) + COALESCE(input.cachereadinputtokencount, 0)
        + COALESCE(input.cachewriteinputtokencount, 0) >= ?
    AND COALESCE(output.outputtokencount, 0) <= ?
    AND NULLIF(errorcode, '') IS NULL
    AND {{ log_record_problem }} IS NULL
GROUP BY identity.arn, modelid, region
ORDER BY SUM(COALESCE(input.inputtokencount, 0)) DESC

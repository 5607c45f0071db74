-- cur-analyzer: token waste - calls that send a large prompt and get a tiny answer back.
-- Records that cannot be used (malformed_reason, the rule of log_health.sql) are left out; log_health
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
    AND CASE
        WHEN schematype IN ('line over 1 MiB', 'token count not a whole number') THEN schematype
        WHEN "timestamp" IS NULL AND requestid IS NULL AND modelid IS NULL
            THEN 'not a log record (not JSON or not UTF-8)'
        WHEN "timestamp" IS NULL THEN 'no timestamp'
        WHEN NOT regexp_like("timestamp", '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}')
            OR try(from_iso8601_timestamp("timestamp")) IS NULL THEN 'timestamp not RFC 3339'
        WHEN input.inputtokencount < 0 OR input.cachereadinputtokencount < 0
            OR input.cachewriteinputtokencount < 0 OR output.outputtokencount < 0
            THEN 'negative token count'
        WHEN input.inputtokencount > 1000000000 OR input.cachereadinputtokencount > 1000000000
            OR input.cachewriteinputtokencount > 1000000000 OR output.outputtokencount > 1000000000
            THEN 'token count over 10^9'
    END IS NULL
GROUP BY identity.arn, modelid, region
ORDER BY SUM(COALESCE(input.inputtokencount, 0)) DESC

-- cur-analyzer: caching opportunities - the same prompt sent again and again with no cache reads.
-- The prompt itself is only a hash here; cur-analyzer shows the text only with --show-prompts.
-- Records that cannot be used (malformed_reason, the rule of log_health.sql) are left out; log_health
-- counts them.
-- params: dt_from, dt_to, month, min_repeats
SELECT
    to_hex(sha256(to_utf8(input.inputbodyjson))) AS prompt_hash,
    identity.arn AS principal,
    modelid AS model_id,
    COUNT(*) AS calls,
    SUM(COALESCE(input.inputtokencount, 0)) AS input_tokens,
    MIN(input.inputbodyjson) AS prompt
FROM invocation_logs
WHERE dt >= ? AND dt < ?
    AND substr("timestamp", 1, 7) = ?
    AND input.inputbodyjson IS NOT NULL
    AND COALESCE(input.cachereadinputtokencount, 0) = 0
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
GROUP BY to_hex(sha256(to_utf8(input.inputbodyjson))), identity.arn, modelid
HAVING COUNT(*) >= ?
ORDER BY COUNT(*) DESC, SUM(COALESCE(input.inputtokencount, 0)) DESC

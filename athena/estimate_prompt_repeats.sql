-- cur-analyzer: caching opportunities - the same prompt sent again and again with no cache reads.
-- The prompt itself is only a hash here; cur-analyzer shows the text only with --show-prompts.
-- Records that cannot be used (malformed_reason, fragments/log_record_problem.sql) are left out; log_health
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
    AND {{ log_record_problem }} IS NULL
GROUP BY to_hex(sha256(to_utf8(input.inputbodyjson))), identity.arn, modelid
HAVING COUNT(*) >= ?
ORDER BY COUNT(*) DESC, SUM(COALESCE(input.inputtokencount, 0)) DESC

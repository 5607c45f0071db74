-- cur-analyzer: a month's invocation-log records by why a record cannot be used (malformed_reason NULL:
-- it can), with the failed calls and the first and last call. A record that cannot be used is counted here
-- and left out of every estimate, never silently dropped.
-- params: dt_from, dt_to, month, month
--
-- dt_from, dt_to  'yyyy/MM/dd/HH' bounds of the log partitions to read (dt_to exclusive; a day of slack
--                 after the month, as logs land after the call)
-- month           'YYYY-MM': a usable record counts in the month of its timestamp, a malformed one in the
--                 month of the partition it was filed in (its timestamp is not to be trusted)
--
-- malformed_reason is THE rule for a record that cannot be used. Each log SQL file must stay pasteable
-- on its own, so the CASE is repeated in check_log_records, estimate_usage, estimate_token_waste,
-- estimate_prompt_repeats and alerts_logs; a test keeps the copies identical. Its first line reads the
-- reasons only the local reader can see, which it writes into schematype (engines/_duckdb_logs.py): a line
-- over 1 MiB (Bedrock moves bodies over 100 KB out of the record) and a token count that is not a JSON
-- whole number. A line that is not JSON reads as a row of NULLs on both engines (locally also a line that
-- is not UTF-8; Athena reads that one with U+FFFD for the bad bytes). No model reads or writes 10^9 tokens
-- in one call: a larger count is absurd.
WITH records AS (
    SELECT
        CASE
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
        END AS malformed_reason,
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
WHERE (malformed_reason IS NULL AND substr("timestamp", 1, 7) = ?)
    OR (malformed_reason IS NOT NULL AND replace(substr(dt, 1, 7), '/', '-') = ?)
GROUP BY malformed_reason

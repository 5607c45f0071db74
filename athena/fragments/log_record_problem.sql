-- fragment log_record_problem: why an invocation-log record cannot be used, or NULL when it can. THE rule:
-- every log query leaves such records out of its numbers, and log_health counts them by this reason.
--
-- The first WHEN reads the reasons only the local reader can see, which it writes into schematype
-- (engines/_duckdb_logs.py): a line over 1 MiB (Bedrock moves bodies over 100 KB out of the record) and a
-- token count that is not a JSON whole number. A line that is not JSON reads as a row of NULLs on both
-- engines (locally also a line that is not UTF-8; Athena reads that one with U+FFFD for the bad bytes).
-- No model reads or writes 10^9 tokens in one call: a larger count is absurd.
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
END

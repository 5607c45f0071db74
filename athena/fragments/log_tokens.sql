-- fragment log_tokens: the four token counts of an invocation-log record, each 0 where the record has none
-- (a call that logged no cache tokens used none). The alarms on the logs read them from here.
-- kind: columns
COALESCE(input.inputtokencount, 0) AS input_tokens,
COALESCE(input.cachereadinputtokencount, 0) AS cache_read_tokens,
COALESCE(input.cachewriteinputtokencount, 0) AS cache_write_tokens,
COALESCE(output.outputtokencount, 0) AS output_tokens

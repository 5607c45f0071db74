-- fragment log_call_values: the values of one call as the estimate and the reconciliation trust them, over
-- the columns of fragments/log_call_fields.sql: what a malformed record says is not trusted, so each is NULL
-- on such a record, which keeps only its reason. A blank requestMetadata value says nothing, as a blank tag
-- does; a call with neither token count (blocked by a guardrail, say) is still an invocation.
-- kind: columns
IF(malformed_reason IS NULL, accountid) AS account_id,
IF(malformed_reason IS NULL, region) AS region,
IF(malformed_reason IS NULL, principal) AS principal,
IF(malformed_reason IS NULL, modelid) AS model_id,
IF(malformed_reason IS NULL, operation) AS operation,
IF(malformed_reason IS NULL, NULLIF(errorcode, '')) AS error_code,
IF(malformed_reason IS NULL, NULLIF(trim(meta), '')) AS meta,
IF(malformed_reason IS NULL, input_count) AS input_count,
IF(malformed_reason IS NULL, cache_read_count) AS cache_read_count,
IF(malformed_reason IS NULL, cache_write_count) AS cache_write_count,
IF(malformed_reason IS NULL, output_count) AS output_count,
malformed_reason IS NULL AND input_count IS NULL AND output_count IS NULL AS no_tokens

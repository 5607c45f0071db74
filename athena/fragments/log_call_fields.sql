-- fragment log_call_fields: what the estimate and the reconciliation read of one invocation-log record:
-- why it cannot be used (fragments/log_record_problem.sql), when and where it was written, the caller,
-- model and operation, whether it failed, one requestMetadata value (key meta_key; bind NULL, not '', and
-- DuckDB never reads the map), the prompt (for the service tier it may name) and the token counts.
-- params: meta_key
-- kind: columns
{{ log_record_problem }} AS malformed_reason,
"timestamp",
dt,
accountid,
region,
inferenceregion,
identity.arn AS principal,
modelid,
operation,
errorcode,
element_at(requestmetadata, ?) AS meta,
input.inputbodyjson AS input_body,
input.inputtokencount AS input_count,
input.cachereadinputtokencount AS cache_read_count,
input.cachewriteinputtokencount AS cache_write_count,
output.outputtokencount AS output_count

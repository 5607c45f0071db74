-- cur-analyzer: one row per Bedrock invocation-log record of a month's partitions, with the fields the
-- data checks (checks/logs.json) test. `cur-analyzer check --logs` validates the result with
-- great-expectations.
-- params: dt_from, dt_to
--
-- dt_from, dt_to  'yyyy/MM/dd/HH' bounds of the log partitions (dt_to exclusive): the month's hours
--
-- A line that is not JSON reads as a row of NULLs (OpenX SerDe with ignore.malformed.json, and the local
-- engine alike): its schema_type shows as '(missing)' so the schemaType check counts it.
SELECT
    requestid AS request_id,
    COALESCE(schematype, '(missing)') AS schema_type,
    "timestamp",
    accountid AS account_id,
    identity.arn AS identity_arn,
    modelid AS model_id,
    input.inputtokencount AS input_token_count,
    input.cachereadinputtokencount AS cache_read_input_token_count,
    input.cachewriteinputtokencount AS cache_write_input_token_count,
    output.outputtokencount AS output_token_count,
    dt
FROM invocation_logs
WHERE dt >= ? AND dt < ?

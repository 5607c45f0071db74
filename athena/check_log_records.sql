-- cur-analyzer: one row per Bedrock invocation-log record of a month's partitions, with the fields the
-- data checks (checks/logs.json) test. `cur-analyzer check --logs` validates the result with
-- great-expectations.
-- params: dt_from, dt_to, month
--
-- dt_from, dt_to  'yyyy/MM/dd/HH' bounds of the log partitions (dt_to exclusive; a day of slack after
--                 the month, as logs land after the call): the same window estimate and reconcile read
-- month           'YYYY-MM': the records of this month (fragments/log_record_month.sql)
--
-- A line that is not JSON reads as a row of NULLs (OpenX SerDe with ignore.malformed.json, and the local
-- engine alike): its schema_type shows as '(missing)' so the schemaType check counts it.
-- malformed_reason is fragments/log_record_problem.sql (why the estimate sets a record aside). Each reason fails
-- exactly one check: a line that is not JSON schema_type, a timestamp the estimate cannot read (or not
-- RFC 3339) timestamp_rfc3339, a negative count its column's check, and every other reason records_usable;
-- a reason only the local reader writes into schematype is not shown as a schema type.
WITH records AS (
    SELECT
        {{ log_record_problem }} AS malformed_reason,
        requestid,
        schematype,
        "timestamp",
        accountid,
        identity.arn AS identity_arn,
        modelid,
        input.inputtokencount AS input_token_count,
        input.cachereadinputtokencount AS cache_read_input_token_count,
        input.cachewriteinputtokencount AS cache_write_input_token_count,
        output.outputtokencount AS output_token_count,
        dt
    FROM invocation_logs
    WHERE dt >= ? AND dt < ?
)
SELECT
    requestid AS request_id,
    IF(
        malformed_reason IN ('line over 1 MiB', 'token count not a whole number'),
        NULL,
        COALESCE(schematype, '(missing)')
    ) AS schema_type,
    "timestamp",
    IF(
        malformed_reason = 'timestamp not RFC 3339'
        OR NOT regexp_like(
            "timestamp",
            '^[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])[Tt](?:[01][0-9]|2[0-3]):[0-5][0-9]:(?:[0-5][0-9]|60)(?:\.[0-9]+)?(?:[Zz]|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])$'
        ),
        "timestamp"
    ) AS timestamp_problem,
    accountid AS account_id,
    identity_arn,
    modelid AS model_id,
    input_token_count,
    cache_read_input_token_count,
    cache_write_input_token_count,
    output_token_count,
    dt,
    IF(
        malformed_reason IN (
            'not a log record (not JSON or not UTF-8)', 'timestamp not RFC 3339', 'negative token count'
        ),
        NULL,
        malformed_reason
    ) AS malformed_reason
FROM records
WHERE {{ log_record_month }} = ?

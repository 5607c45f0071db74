-- fragment log_service_tier: the service tier an invocation-log record's request asked for (flex, priority);
-- standard when it names none. strpos first: parsing every prompt body only to find no tier costs more than
-- the rest of the query; try: a body that names serviceTier need not be JSON. NULL for a record that cannot
-- be used. Reads the record's malformed_reason (fragments/log_record_problem.sql) and its input body
-- (input_body) as columns.
CASE
    WHEN malformed_reason IS NOT NULL THEN NULL
    WHEN strpos(input_body, 'serviceTier') > 0
        THEN COALESCE(try(json_extract_scalar(input_body, '$.serviceTier.type')), 'standard')
    ELSE 'standard'
END

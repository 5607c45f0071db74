-- fragment log_record_month: the billing period ('YYYY-MM') an invocation-log record belongs to: the month of
-- its call, or, for a record that cannot be used, the month of the partition it was filed in (its timestamp
-- is not to be trusted). Reads the record's malformed_reason (fragments/log_record_problem.sql) as a column.
IF(malformed_reason IS NULL, substr("timestamp", 1, 7), replace(substr(dt, 1, 7), '/', '-'))

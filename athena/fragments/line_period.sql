-- fragment line_period: a CUR line's period as the hours of the invocation logs' timestamps
-- ('YYYY-MM-DDTHH'): [period_from, period_to), from its first hour to the first hour after it (a line that
-- names no span, end not after start, stands for its start hour).
-- kind: columns
date_format(line_item_usage_start_date, '%Y-%m-%dT%H') AS period_from,
date_format(
    greatest(line_item_usage_end_date, line_item_usage_start_date + INTERVAL '1' HOUR), '%Y-%m-%dT%H'
) AS period_to

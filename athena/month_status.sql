-- cur-analyzer: is a billing period final (every line carries an invoice id once AWS closes the month), and
-- how finely does the export cut its lines in time? shortest_usage_seconds is the shortest span (usage end -
-- usage start) of the month's usage lines: under a day only in an hourly export, a day in a daily one, a
-- month in a monthly one (cur_analyzer/granularity.py reads it; an hourly export also has month-long lines).
-- params: month
-- fragments: invoiced
SELECT
    COUNT(*) AS lines,
    COUNT_IF({{ invoiced }}) AS invoiced_lines,
    MIN(line_item_usage_start_date) AS first_usage,
    MAX(line_item_usage_end_date) AS last_usage,
    MIN(
        IF(
            line_item_line_item_type IN ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage'),
            date_diff('second', line_item_usage_start_date, line_item_usage_end_date)
        )
    ) AS shortest_usage_seconds
FROM cur2
WHERE billing_period = ?

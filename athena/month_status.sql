-- cur-analyzer: is a billing period final? (every line carries an invoice id once AWS closes the month)
-- params: month
-- fragments: invoiced
SELECT
    COUNT(*) AS lines,
    COUNT_IF({{ invoiced }}) AS invoiced_lines,
    MIN(line_item_usage_start_date) AS first_usage,
    MAX(line_item_usage_end_date) AS last_usage
FROM cur2
WHERE billing_period = ?

-- cur-analyzer: billed Amazon Bedrock cost per usage day of one billing period (the monthly report's trend).
--
-- Paste into the Athena console and "Run with parameters"; cur-analyzer binds them in this order:
-- params: month
--
-- month           'YYYY-MM' (the billing_period partition)
--
-- Unblended cost. Every Bedrock line of the month lands in exactly one row; line_item_type is kept so
-- usage (Usage, DiscountedUsage, SavingsPlanCoveredUsage) and adjustments (tax, credits, discounts...)
-- can be told apart, and the rows sum to the month's Bedrock total.
SELECT
    date_format(line_item_usage_start_date, '%Y-%m-%d') AS day,
    line_item_line_item_type AS line_item_type,
    line_item_currency_code AS currency,
    SUM(CAST(line_item_unblended_cost AS DECIMAL(38, 10))) AS cost,
    COUNT(*) AS line_count
FROM cur2
WHERE billing_period = ?
    AND {{ in_bedrock_scope }}
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3

-- cur-analyzer: chargeback lines for one billing period, aggregated at the grain the report asks for.
--
-- Paste into the Athena console and "Run with parameters"; cur-analyzer binds them in this order:
-- params: by_account, by_principal, by_service, by_usage_type,
--         tag1_on, tag1_key, tag1_resource_key, tag2_on, tag2_key, tag2_resource_key,
--         tag3_on, tag3_key, tag3_resource_key, tag4_on, tag4_key, tag4_resource_key,
--         cost_basis, month, service
--
-- by_*, tagN_on   true to keep that dimension, false to fold it away (rows then merge)
-- tagN_key        key in the unified `tags` map: 'iamPrincipal/team' or 'resourceTags/team'
-- tagN_resource_key  key in `resource_tags` for the same tag ('user_team'), NULL for principal tags
-- cost_basis      'unblended' | 'net-unblended' | 'amortized' | 'net-amortized'
-- month           'YYYY-MM' (the billing_period partition)
-- service         'bedrock' | 'all'
--
-- Every line of the month lands in exactly one output row (line_item_type and currency are always
-- kept), so the rows sum to the month's total for the chosen cost basis.
WITH lines AS (
    SELECT
        IF(?, line_item_usage_account_id) AS account,
        IF(?, NULLIF(line_item_iam_principal, '')) AS principal,
        IF(?, line_item_product_code) AS service,
        IF(?, line_item_usage_type) AS usage_type,
        IF(?, COALESCE(NULLIF(element_at(tags, ?), ''), NULLIF(element_at(resource_tags, ?), ''))) AS tag1,
        IF(?, COALESCE(NULLIF(element_at(tags, ?), ''), NULLIF(element_at(resource_tags, ?), ''))) AS tag2,
        IF(?, COALESCE(NULLIF(element_at(tags, ?), ''), NULLIF(element_at(resource_tags, ?), ''))) AS tag3,
        IF(?, COALESCE(NULLIF(element_at(tags, ?), ''), NULLIF(element_at(resource_tags, ?), ''))) AS tag4,
        line_item_line_item_type AS line_item_type,
        line_item_currency_code AS currency,
        COALESCE(bill_invoice_id, '') <> '' AS invoiced,
        CASE ?
            WHEN 'unblended' THEN CAST(line_item_unblended_cost AS DECIMAL(38, 10))
            WHEN 'net-unblended' THEN CAST(COALESCE(line_item_net_unblended_cost, line_item_unblended_cost) AS DECIMAL(38, 10))
            WHEN 'amortized' THEN CASE line_item_line_item_type
                WHEN 'SavingsPlanCoveredUsage' THEN CAST(savings_plan_savings_plan_effective_cost AS DECIMAL(38, 10))
                WHEN 'SavingsPlanRecurringFee' THEN CAST(savings_plan_total_commitment_to_date AS DECIMAL(38, 10))
                    - CAST(savings_plan_used_commitment AS DECIMAL(38, 10))
                WHEN 'SavingsPlanNegation' THEN CAST(0 AS DECIMAL(38, 10))
                WHEN 'SavingsPlanUpfrontFee' THEN CAST(0 AS DECIMAL(38, 10))
                WHEN 'DiscountedUsage' THEN CAST(reservation_effective_cost AS DECIMAL(38, 10))
                WHEN 'RIFee' THEN CAST(reservation_unused_amortized_upfront_fee_for_billing_period AS DECIMAL(38, 10))
                    + CAST(reservation_unused_recurring_fee AS DECIMAL(38, 10))
                -- an RI's upfront fee is spread over its usage lines by amortization
                WHEN 'Fee' THEN IF(COALESCE(reservation_reservation_a_r_n, '') <> '', CAST(0 AS DECIMAL(38, 10)),
                    CAST(line_item_unblended_cost AS DECIMAL(38, 10)))
                ELSE CAST(line_item_unblended_cost AS DECIMAL(38, 10))
            END
            WHEN 'net-amortized' THEN CASE line_item_line_item_type
                WHEN 'SavingsPlanCoveredUsage' THEN CAST(COALESCE(savings_plan_net_savings_plan_effective_cost, savings_plan_savings_plan_effective_cost) AS DECIMAL(38, 10))
                WHEN 'SavingsPlanRecurringFee' THEN CAST(savings_plan_total_commitment_to_date AS DECIMAL(38, 10))
                    - CAST(savings_plan_used_commitment AS DECIMAL(38, 10))
                WHEN 'SavingsPlanNegation' THEN CAST(0 AS DECIMAL(38, 10))
                WHEN 'SavingsPlanUpfrontFee' THEN CAST(0 AS DECIMAL(38, 10))
                WHEN 'DiscountedUsage' THEN CAST(COALESCE(reservation_net_effective_cost, reservation_effective_cost) AS DECIMAL(38, 10))
                WHEN 'RIFee' THEN CAST(reservation_unused_amortized_upfront_fee_for_billing_period AS DECIMAL(38, 10))
                    + CAST(reservation_unused_recurring_fee AS DECIMAL(38, 10))
                WHEN 'Fee' THEN IF(COALESCE(reservation_reservation_a_r_n, '') <> '', CAST(0 AS DECIMAL(38, 10)),
                    CAST(COALESCE(line_item_net_unblended_cost, line_item_unblended_cost) AS DECIMAL(38, 10)))
                ELSE CAST(COALESCE(line_item_net_unblended_cost, line_item_unblended_cost) AS DECIMAL(38, 10))
            END
        END AS cost,
        line_item_usage_amount AS usage_amount
    FROM cur2
    WHERE billing_period = ?
        AND (? = 'all' OR line_item_product_code IN ('AmazonBedrock', 'AmazonBedrockService', 'AmazonBedrockFoundationModels'))
)
SELECT
    account, principal, service, usage_type, tag1, tag2, tag3, tag4, line_item_type, currency,
    SUM(cost) AS cost,
    SUM(usage_amount) AS usage_amount,
    COUNT(*) AS line_count,
    -- the month is final when every line carries an invoice id (saves a second scan for it)
    COUNT_IF(invoiced) AS invoiced_lines
FROM lines
GROUP BY account, principal, service, usage_type, tag1, tag2, tag3, tag4, line_item_type, currency

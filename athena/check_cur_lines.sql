-- cur-analyzer: the month's CUR lines with the values the data checks (checks/cur.json) test.
-- `cur-analyzer check` runs this, then validates the result with great-expectations.
-- params: month, service
--
-- month    'YYYY-MM' (the billing_period partition)
-- service  'bedrock' (Bedrock lines only, the default) | 'all' (every line of the month)
--
-- Derived values, one per rule:
--   is_bedrock_usage         a Bedrock usage line (Usage, DiscountedUsage, SavingsPlanCoveredUsage)
--   is_bedrock_usage_fee     a Bedrock line of type Usage (the ones whose cost must not be negative)
--   payer_currency_conflict  set on every line of a payer whose lines carry more than one currency
--   rate_times_usage_delta   usage x rate - cost on Usage lines with a numeric rate (rates are strings)
--   amount_not_a_number      the amount columns the reports turn into DECIMAL(38, 10) (schema.AMOUNT_COLUMNS)
--                            whose value is NaN, infinite or 1e28 or more, "column value" joined by ", "
--                            (DuckDB also gives NaN for text that is not a number in a column stored as text).
--                            The text test is for DuckDB: it trusts parquet min/max statistics, which leave
--                            NaN out, and folds is_nan() to false on such a file.
SELECT
    identity_line_item_id,
    identity_time_interval,
    bill_billing_period_start_date,
    bill_payer_account_id,
    NULLIF(bill_invoice_id, '') AS bill_invoice_id,
    line_item_usage_account_id,
    line_item_product_code,
    line_item_usage_type,
    line_item_line_item_type,
    line_item_currency_code,
    NULLIF(line_item_iam_principal, '') AS line_item_iam_principal,
    line_item_usage_start_date,
    line_item_usage_end_date,
    line_item_usage_amount,
    line_item_unblended_rate,
    line_item_unblended_cost,
    COALESCE(
        {{ in_bedrock_scope }}
        AND line_item_line_item_type IN ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage'),
        false
    ) AS is_bedrock_usage,
    COALESCE(
        {{ in_bedrock_scope }}
        AND line_item_line_item_type = 'Usage',
        false
    ) AS is_bedrock_usage_fee,
    CASE
        WHEN MIN(line_item_currency_code) OVER (PARTITION BY bill_payer_account_id)
            <> MAX(line_item_currency_code) OVER (PARTITION BY bill_payer_account_id)
        THEN COALESCE(bill_payer_account_id, '(no payer)') || ': '
            || MIN(line_item_currency_code) OVER (PARTITION BY bill_payer_account_id) || ' and '
            || MAX(line_item_currency_code) OVER (PARTITION BY bill_payer_account_id)
    END AS payer_currency_conflict,
    NULLIF(
        concat_ws(
            ', ',
            CASE
                WHEN is_nan(line_item_unblended_cost) OR abs(line_item_unblended_cost) >= 1e28 OR lower(CAST(line_item_unblended_cost AS VARCHAR)) = 'nan'
                THEN 'line_item_unblended_cost ' || CAST(line_item_unblended_cost AS VARCHAR)
            END,
            CASE
                WHEN is_nan(line_item_net_unblended_cost) OR abs(line_item_net_unblended_cost) >= 1e28 OR lower(CAST(line_item_net_unblended_cost AS VARCHAR)) = 'nan'
                THEN 'line_item_net_unblended_cost ' || CAST(line_item_net_unblended_cost AS VARCHAR)
            END,
            CASE
                WHEN is_nan(line_item_usage_amount) OR abs(line_item_usage_amount) >= 1e28 OR lower(CAST(line_item_usage_amount AS VARCHAR)) = 'nan'
                THEN 'line_item_usage_amount ' || CAST(line_item_usage_amount AS VARCHAR)
            END,
            CASE
                WHEN is_nan(pricing_public_on_demand_cost) OR abs(pricing_public_on_demand_cost) >= 1e28 OR lower(CAST(pricing_public_on_demand_cost AS VARCHAR)) = 'nan'
                THEN 'pricing_public_on_demand_cost ' || CAST(pricing_public_on_demand_cost AS VARCHAR)
            END,
            CASE
                WHEN is_nan(savings_plan_savings_plan_effective_cost) OR abs(savings_plan_savings_plan_effective_cost) >= 1e28 OR lower(CAST(savings_plan_savings_plan_effective_cost AS VARCHAR)) = 'nan'
                THEN 'savings_plan_savings_plan_effective_cost ' || CAST(savings_plan_savings_plan_effective_cost AS VARCHAR)
            END,
            CASE
                WHEN is_nan(savings_plan_net_savings_plan_effective_cost) OR abs(savings_plan_net_savings_plan_effective_cost) >= 1e28 OR lower(CAST(savings_plan_net_savings_plan_effective_cost AS VARCHAR)) = 'nan'
                THEN 'savings_plan_net_savings_plan_effective_cost ' || CAST(savings_plan_net_savings_plan_effective_cost AS VARCHAR)
            END,
            CASE
                WHEN is_nan(savings_plan_total_commitment_to_date) OR abs(savings_plan_total_commitment_to_date) >= 1e28 OR lower(CAST(savings_plan_total_commitment_to_date AS VARCHAR)) = 'nan'
                THEN 'savings_plan_total_commitment_to_date ' || CAST(savings_plan_total_commitment_to_date AS VARCHAR)
            END,
            CASE
                WHEN is_nan(savings_plan_used_commitment) OR abs(savings_plan_used_commitment) >= 1e28 OR lower(CAST(savings_plan_used_commitment AS VARCHAR)) = 'nan'
                THEN 'savings_plan_used_commitment ' || CAST(savings_plan_used_commitment AS VARCHAR)
            END,
            CASE
                WHEN is_nan(reservation_effective_cost) OR abs(reservation_effective_cost) >= 1e28 OR lower(CAST(reservation_effective_cost AS VARCHAR)) = 'nan'
                THEN 'reservation_effective_cost ' || CAST(reservation_effective_cost AS VARCHAR)
            END,
            CASE
                WHEN is_nan(reservation_net_effective_cost) OR abs(reservation_net_effective_cost) >= 1e28 OR lower(CAST(reservation_net_effective_cost AS VARCHAR)) = 'nan'
                THEN 'reservation_net_effective_cost ' || CAST(reservation_net_effective_cost AS VARCHAR)
            END,
            CASE
                WHEN is_nan(reservation_unused_amortized_upfront_fee_for_billing_period) OR abs(reservation_unused_amortized_upfront_fee_for_billing_period) >= 1e28 OR lower(CAST(reservation_unused_amortized_upfront_fee_for_billing_period AS VARCHAR)) = 'nan'
                THEN 'reservation_unused_amortized_upfront_fee_for_billing_period ' || CAST(reservation_unused_amortized_upfront_fee_for_billing_period AS VARCHAR)
            END,
            CASE
                WHEN is_nan(reservation_unused_recurring_fee) OR abs(reservation_unused_recurring_fee) >= 1e28 OR lower(CAST(reservation_unused_recurring_fee AS VARCHAR)) = 'nan'
                THEN 'reservation_unused_recurring_fee ' || CAST(reservation_unused_recurring_fee AS VARCHAR)
            END,
            CASE
                WHEN is_nan(reservation_net_unused_amortized_upfront_fee_for_billing_period) OR abs(reservation_net_unused_amortized_upfront_fee_for_billing_period) >= 1e28 OR lower(CAST(reservation_net_unused_amortized_upfront_fee_for_billing_period AS VARCHAR)) = 'nan'
                THEN 'reservation_net_unused_amortized_upfront_fee_for_billing_period ' || CAST(reservation_net_unused_amortized_upfront_fee_for_billing_period AS VARCHAR)
            END,
            CASE
                WHEN is_nan(reservation_net_unused_recurring_fee) OR abs(reservation_net_unused_recurring_fee) >= 1e28 OR lower(CAST(reservation_net_unused_recurring_fee AS VARCHAR)) = 'nan'
                THEN 'reservation_net_unused_recurring_fee ' || CAST(reservation_net_unused_recurring_fee AS VARCHAR)
            END
        ),
        ''
    ) AS amount_not_a_number,
    CASE
        WHEN line_item_line_item_type = 'Usage' AND TRY_CAST(line_item_unblended_rate AS DOUBLE) IS NOT NULL
        THEN line_item_usage_amount * TRY_CAST(line_item_unblended_rate AS DOUBLE) - line_item_unblended_cost
    END AS rate_times_usage_delta
FROM cur2
WHERE billing_period = ?
    AND (? = 'all' OR {{ in_bedrock_scope }})

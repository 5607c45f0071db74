-- cur-analyzer: how much of a month's spend carries one tag key, per source, with who lacks it.
--
-- One tag key per run (cur-analyzer runs it once per --require KEY). Sources:
--   resource_value   resource / AIP tag: tags['resourceTags/<key>'], else resource_tags['user_<key>']
--   principal_value  IAM principal or session tag: tags['iamPrincipal/<key>']
--   account_value    account tag: tags['accountTag/<key>']
-- A value is NULL when the key is absent and '' when it is present but empty (the first non-empty of the
-- two resource spellings wins), so empty values can be reported. resource_id is kept only on lines whose
-- resource tag is missing or empty (the offenders), so tagged resources fold into one row.
--
-- params: resource_tags_key, resource_key, principal_key, account_key, cost_basis, month, service
--
-- resource_tags_key  'resourceTags/team'      resource_key  'user_team'
-- principal_key      'iamPrincipal/team'      account_key   'accountTag/team'
-- cost_basis         'unblended' | 'net-unblended' | 'amortized' | 'net-amortized'
-- month              'YYYY-MM' (the billing_period partition)
-- service            'bedrock' | 'all'
WITH raw AS (
    SELECT
        line_item_usage_account_id AS account,
        line_item_product_code AS service,
        NULLIF(line_item_iam_principal, '') AS principal,
        NULLIF(line_item_resource_id, '') AS resource_id,
        element_at(tags, ?) AS resource_tags_value,
        element_at(resource_tags, ?) AS resource_map_value,
        element_at(tags, ?) AS principal_value,
        element_at(tags, ?) AS account_value,
        line_item_line_item_type AS line_item_type,
        line_item_currency_code AS currency,
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
),
lines AS (
    SELECT
        account, service, principal, resource_id, principal_value, account_value, line_item_type, currency,
        cost, usage_amount,
        COALESCE(
            NULLIF(resource_tags_value, ''), NULLIF(resource_map_value, ''), resource_tags_value, resource_map_value
        ) AS resource_value
    FROM raw
)
SELECT
    account,
    service,
    principal,
    IF(COALESCE(resource_value, '') = '', resource_id) AS resource_id,
    CASE
        WHEN strpos(COALESCE(resource_id, ''), 'application-inference-profile/') > 0 THEN 'aip'
        WHEN resource_id IS NOT NULL THEN 'resource'
    END AS resource_kind,
    resource_value,
    principal_value,
    account_value,
    line_item_type,
    currency,
    SUM(cost) AS cost,
    COUNT(*) AS line_count
FROM lines
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10

-- cur-analyzer: the month's lines at the grain the attribution rules need.
--
-- cur_analyzer/rules.py resolves every dimension (a rules-file dimension's ordered sources, a tag, a
-- principal grain, a model...) over these rows in Python, in one place, so chargeback, coverage, budgets
-- and alerts attribute a dollar the same way. Each slotN is the value of one tag lookup: the first non-empty
-- of the unified `tags` map key ('iamPrincipal/team', 'resourceTags/team', 'accountTag/team') and the
-- legacy `resource_tags` key ('user_team', '' when the tag is not a resource tag). Unused slots get ''.
--
-- params: by_usage_type, by_day,
--         slot1_tags_key, slot1_resource_key, slot2_tags_key, slot2_resource_key,
--         slot3_tags_key, slot3_resource_key, slot4_tags_key, slot4_resource_key,
--         slot5_tags_key, slot5_resource_key, slot6_tags_key, slot6_resource_key,
--         slot7_tags_key, slot7_resource_key, slot8_tags_key, slot8_resource_key,
--         cost_basis, month, service
--
-- by_usage_type, by_day  true to keep line_item_usage_type / the usage day, false to fold them away
-- cost_basis      'unblended' | 'net-unblended' | 'amortized' | 'net-amortized'
-- month           'YYYY-MM' (the billing_period partition)
-- service         'bedrock' | 'all'
--
-- resource_kind is 'aip' for a line on an application inference profile, 'resource' for any other
-- resource id, NULL without one. Every line of the month lands in exactly one output row.
WITH lines AS (
    SELECT
        line_item_usage_account_id AS account,
        NULLIF(line_item_iam_principal, '') AS principal,
        line_item_product_code AS service,
        IF(?, line_item_usage_type) AS usage_type,
        IF(?, CAST(line_item_usage_start_date AS DATE)) AS usage_date,
        CASE
            WHEN strpos(COALESCE(line_item_resource_id, ''), 'application-inference-profile/') > 0 THEN 'aip'
            WHEN COALESCE(line_item_resource_id, '') <> '' THEN 'resource'
        END AS resource_kind,
        COALESCE(NULLIF(element_at(tags, ?), ''), NULLIF(element_at(resource_tags, ?), '')) AS slot1,
        COALESCE(NULLIF(element_at(tags, ?), ''), NULLIF(element_at(resource_tags, ?), '')) AS slot2,
        COALESCE(NULLIF(element_at(tags, ?), ''), NULLIF(element_at(resource_tags, ?), '')) AS slot3,
        COALESCE(NULLIF(element_at(tags, ?), ''), NULLIF(element_at(resource_tags, ?), '')) AS slot4,
        COALESCE(NULLIF(element_at(tags, ?), ''), NULLIF(element_at(resource_tags, ?), '')) AS slot5,
        COALESCE(NULLIF(element_at(tags, ?), ''), NULLIF(element_at(resource_tags, ?), '')) AS slot6,
        COALESCE(NULLIF(element_at(tags, ?), ''), NULLIF(element_at(resource_tags, ?), '')) AS slot7,
        COALESCE(NULLIF(element_at(tags, ?), ''), NULLIF(element_at(resource_tags, ?), '')) AS slot8,
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
)
SELECT
    account, principal, service, usage_type, usage_date, resource_kind,
    slot1, slot2, slot3, slot4, slot5, slot6, slot7, slot8,
    line_item_type, currency,
    SUM(cost) AS cost,
    SUM(usage_amount) AS usage_amount,
    COUNT(*) AS line_count
FROM lines
GROUP BY
    account, principal, service, usage_type, usage_date, resource_kind,
    slot1, slot2, slot3, slot4, slot5, slot6, slot7, slot8,
    line_item_type, currency

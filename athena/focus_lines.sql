-- cur-analyzer: the month's Amazon Bedrock lines one by one, with what a FOCUS 1.2 row needs.
--
-- cur_analyzer/reports/focus.py turns each row into one FOCUS 1.2 row (BilledCost, EffectiveCost,
-- ListCost, ChargeCategory...) and resolves the attribution (principal, team and its provenance) with
-- cur_analyzer/rules.py over the same slot columns as attribution_lines.sql. No aggregation: every
-- Bedrock line of the month (usage and adjustments) is one output row, so BilledCost sums to the bill.
--
-- params: effective_cost_basis,
--         slot1_tags_key, slot1_resource_key, slot2_tags_key, slot2_resource_key,
--         slot3_tags_key, slot3_resource_key, slot4_tags_key, slot4_resource_key,
--         slot5_tags_key, slot5_resource_key, slot6_tags_key, slot6_resource_key,
--         slot7_tags_key, slot7_resource_key, slot8_tags_key, slot8_resource_key,
--         month
--
-- slotN_tags_key, slotN_resource_key  a tag lookup as in attribution_lines.sql ('' for an unused slot)
-- effective_cost_basis  cost basis of EffectiveCost: 'net-amortized' (cur-analyzer's choice), 'amortized'...
-- month                 'YYYY-MM' (the billing_period partition)
--
-- tags_json / resource_tags_json are the two tag maps as JSON object text (NULL without the column), so
-- both engines hand them over the same way. Rates stay strings, as CUR stores them; Python parses them.
SELECT
    identity_line_item_id AS line_item_id,
    bill_billing_period_start_date AS billing_period_start,
    bill_billing_period_end_date AS billing_period_end,
    NULLIF(bill_invoice_id, '') AS invoice_id,
    NULLIF(bill_invoicing_entity, '') AS invoicing_entity,
    NULLIF(bill_billing_entity, '') AS billing_entity,
    bill_payer_account_id AS payer_account_id,
    NULLIF(bill_payer_account_name, '') AS payer_account_name,
    line_item_usage_account_id AS account,
    NULLIF(line_item_usage_account_name, '') AS account_name,
    NULLIF(line_item_iam_principal, '') AS principal,
    line_item_product_code AS service,
    NULLIF(line_item_usage_type, '') AS usage_type,
    NULLIF(line_item_operation, '') AS operation,
    line_item_line_item_type AS line_item_type,
    NULLIF(line_item_line_item_description, '') AS description,
    line_item_currency_code AS currency,
    NULLIF(pricing_currency, '') AS pricing_currency,
    line_item_usage_start_date AS usage_start,
    line_item_usage_end_date AS usage_end,
    NULLIF(line_item_resource_id, '') AS resource_id,
    CASE
        WHEN strpos(COALESCE(line_item_resource_id, ''), 'application-inference-profile/') > 0 THEN 'aip'
        WHEN COALESCE(line_item_resource_id, '') <> '' THEN 'resource'
    END AS resource_kind,
    NULLIF(line_item_availability_zone, '') AS availability_zone,
    NULLIF(product_region_code, '') AS region_code,
    NULLIF(product_location, '') AS location,
    NULLIF(product_sku, '') AS sku,
    NULLIF(pricing_rate_code, '') AS rate_code,
    NULLIF(pricing_rate_id, '') AS rate_id,
    NULLIF(pricing_term, '') AS pricing_term,
    NULLIF(pricing_unit, '') AS pricing_unit,
    CAST(line_item_usage_amount AS DECIMAL(38, 10)) AS usage_amount,
    NULLIF(line_item_unblended_rate, '') AS unblended_rate,
    NULLIF(pricing_public_on_demand_rate, '') AS public_rate,
    CAST(line_item_unblended_cost AS DECIMAL(38, 10)) AS billed_cost,
    CAST(pricing_public_on_demand_cost AS DECIMAL(38, 10)) AS public_cost,
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
    END AS effective_cost,
    json_format(CAST(tags AS JSON)) AS tags_json,
    json_format(CAST(resource_tags AS JSON)) AS resource_tags_json,
    COALESCE(NULLIF(element_at(tags, ?), ''), NULLIF(element_at(resource_tags, ?), '')) AS slot1,
    COALESCE(NULLIF(element_at(tags, ?), ''), NULLIF(element_at(resource_tags, ?), '')) AS slot2,
    COALESCE(NULLIF(element_at(tags, ?), ''), NULLIF(element_at(resource_tags, ?), '')) AS slot3,
    COALESCE(NULLIF(element_at(tags, ?), ''), NULLIF(element_at(resource_tags, ?), '')) AS slot4,
    COALESCE(NULLIF(element_at(tags, ?), ''), NULLIF(element_at(resource_tags, ?), '')) AS slot5,
    COALESCE(NULLIF(element_at(tags, ?), ''), NULLIF(element_at(resource_tags, ?), '')) AS slot6,
    COALESCE(NULLIF(element_at(tags, ?), ''), NULLIF(element_at(resource_tags, ?), '')) AS slot7,
    COALESCE(NULLIF(element_at(tags, ?), ''), NULLIF(element_at(resource_tags, ?), '')) AS slot8
FROM cur2
WHERE billing_period = ?
    AND line_item_product_code IN ('AmazonBedrock', 'AmazonBedrockService', 'AmazonBedrockFoundationModels')
ORDER BY line_item_usage_start_date, identity_line_item_id

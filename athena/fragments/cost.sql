-- fragment cost: what a CUR line costs under the chosen cost basis, as DECIMAL(38,10). THE cost-basis rule:
-- every report that sums money reads it from here.
-- params: cost_basis
--
-- cost_basis  'unblended' | 'net-unblended' | 'amortized' | 'net-amortized'
-- Net columns fall back to the gross ones where the export has no net value (each cast before the fallback,
-- so a gross DECIMAL is never widened to the net column's float type). Amortized: Savings Plan
-- covered usage at its effective cost, the recurring fee only for its unused commitment, negations and
-- upfront fees 0 (the commitment is already in the covered usage); RI usage at its effective cost, the RI
-- fee only for its unused part, an RI's upfront Fee line 0 (it is spread over the RI's usage).
-- Net bases: the RI's unused fees are the net_unused columns (the discounts on the reservation applied).
-- A Savings Plan's recurring fee counts only its unused commitment, total_commitment_to_date -
-- used_commitment (AWS CUR docs "Understanding Savings Plans"; the amortized-cost formula of the
-- Well-Architected CUR query library). CUR 2.0 has no net form of either commitment column, so under the
-- net bases a Savings Plan's unused commitment is the gross one.
CASE ?
    WHEN 'unblended' THEN CAST(line_item_unblended_cost AS DECIMAL(38, 10))
    WHEN 'net-unblended' THEN COALESCE(CAST(line_item_net_unblended_cost AS DECIMAL(38, 10)), CAST(line_item_unblended_cost AS DECIMAL(38, 10)))
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
        WHEN 'SavingsPlanCoveredUsage' THEN COALESCE(CAST(savings_plan_net_savings_plan_effective_cost AS DECIMAL(38, 10)), CAST(savings_plan_savings_plan_effective_cost AS DECIMAL(38, 10)))
        WHEN 'SavingsPlanRecurringFee' THEN CAST(savings_plan_total_commitment_to_date AS DECIMAL(38, 10))
            - CAST(savings_plan_used_commitment AS DECIMAL(38, 10))
        WHEN 'SavingsPlanNegation' THEN CAST(0 AS DECIMAL(38, 10))
        WHEN 'SavingsPlanUpfrontFee' THEN CAST(0 AS DECIMAL(38, 10))
        WHEN 'DiscountedUsage' THEN COALESCE(CAST(reservation_net_effective_cost AS DECIMAL(38, 10)), CAST(reservation_effective_cost AS DECIMAL(38, 10)))
        WHEN 'RIFee' THEN COALESCE(CAST(reservation_net_unused_amortized_upfront_fee_for_billing_period AS DECIMAL(38, 10)), CAST(reservation_unused_amortized_upfront_fee_for_billing_period AS DECIMAL(38, 10)))
            + COALESCE(CAST(reservation_net_unused_recurring_fee AS DECIMAL(38, 10)), CAST(reservation_unused_recurring_fee AS DECIMAL(38, 10)))
        WHEN 'Fee' THEN IF(COALESCE(reservation_reservation_a_r_n, '') <> '', CAST(0 AS DECIMAL(38, 10)),
            COALESCE(CAST(line_item_net_unblended_cost AS DECIMAL(38, 10)), CAST(line_item_unblended_cost AS DECIMAL(38, 10))))
        ELSE COALESCE(CAST(line_item_net_unblended_cost AS DECIMAL(38, 10)), CAST(line_item_unblended_cost AS DECIMAL(38, 10)))
    END
END

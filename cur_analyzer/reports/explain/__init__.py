"""Why the bill changed: a month against another (by default the month before), per value of one
dimension, each value's change split into parts that add up to it exactly.

The parts come from a chain of states from M0's bill of a value to M's, each part the difference of two
successive states, so they telescope to the change (``_parts.split``). For one value:

1. **M0**: the value's lines of M0, as billed.
2. **volume**: M0's token cost scaled by M's tokens over M0's (every text-token meter together, at M0's
   rates and mix). A value with no tokens in M0 has no rates or mix to scale: its new tokens are all
   volume.
3. **mix**: M's tokens per (model group, meter) at M0's rates, each model group's input split between plain
   and cached as in M0: tokens moving between models, regions, tiers and meters. A model group is the usage
   type without its meter (region, model, tier, scope). A meter the value did not use in M0 is valued at
   M's rate: it has no other, and its cost is not a change of rate.
4. **cache**: M's tokens at M0's rates with M's own cache share: the share of a model group's input served
   from cache (cache read vs plain input of the same model) changing.
5. **price**: M's tokens as billed: the rate per meter changing.
6. **other**: lines that bill no text tokens, whole: non-token meters (provisioned throughput, guardrails,
   images...), other services with every service, and adjustments (tax, credits, discounts: each is a
   row of its own, as in the chargeback). Their usage amounts count hours, images, requests or bytes, which
   neither add up with tokens nor share a rate, so scaling or re-pricing them would only invent a split:
   they are named as one part instead.
7. **attribution**: M's lines moved from the value M0's tags give their caller to the value M's tags give
   it. Steps 2 to 6 value M's lines under M0's mapping of caller -> value (a caller is a line's account,
   IAM principal and kind of resource, AIP or not; its M0 tags are those its M0 lines carried, or, when it
   carried several sets, the one it carried now if it did then, else the set with the most of its M0
   cost); this step moves them to where M's tags put them. A caller new in M keeps M's tags. Across all
   values attribution sums to zero.

Steps 1 and 7 are the bill's exact sums. The counterfactual states 2 to 4 are ratios: they are worked out
at 60 digits and set at 10 places (the money scale), so every part is an exact decimal at that scale and
the parts sum to the change exactly. A value new in M (or gone) is a row like any other: nothing in M0
(or in M), the same chain. The total row sums every row of a currency: the change of the whole bill.

Shared-cost splits of a rules file are not applied (the report says so): the lines they would share out
show as their own rows.

``_parts`` holds the chain, ``_build`` reads both months and resolves each line, ``_model`` the rows,
their sentences and the view renderers read.
"""

from cur_analyzer.reports.explain._build import build_explain, grain, read_lines
from cur_analyzer.reports.explain._model import ExplainRow, Explanation, sentence
from cur_analyzer.reports.explain._parts import PARTS, Parts

__all__ = ["PARTS", "ExplainRow", "Explanation", "Parts", "build_explain", "grain", "read_lines", "sentence"]

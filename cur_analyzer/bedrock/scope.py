"""The Bedrock scope's product codes, read from the one rule that defines the scope
(``athena/fragments/in_bedrock_scope.sql``), for code that filters lines outside SQL."""

from __future__ import annotations

from functools import cache

import sqlglot
from sqlglot import expressions as exp

from cur_analyzer import sql

_PRODUCT_CODE = "line_item_product_code"


@cache
def aws_product_codes() -> frozenset[str]:
    """The product codes the Bedrock scope counts when AWS bills them: the ``IN`` list on
    ``line_item_product_code`` in the ``in_bedrock_scope`` fragment, parsed, never copied.

    This is only the AWS half of the rule. Its Marketplace half (an ``AWS Marketplace`` line whose product
    name contains ``Bedrock``) needs the product map, so a filter on these codes alone (the pandas lower
    bound of the benchmarks) leaves the Marketplace Bedrock models out.
    """
    tree = sqlglot.parse_one(sql.fragment("in_bedrock_scope").text, read="trino")
    for found in tree.find_all(exp.In):
        column = found.this
        if isinstance(column, exp.Column) and column.name == _PRODUCT_CODE:
            return frozenset(e.this for e in found.expressions if isinstance(e, exp.Literal) and e.is_string)
    raise ValueError(f"in_bedrock_scope.sql has no IN list on {_PRODUCT_CODE}")

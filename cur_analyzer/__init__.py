"""cur-analyzer: who spent what on Amazon Bedrock (and the rest of AWS), straight from the CUR 2.0 bill.

The public surface for notebooks and programs::

    from cur_analyzer import Analyzer, BillingPeriod

Everything else is reached through an ``Analyzer``; the command line (``cur-analyzer``) is a thin layer
over the same object. Importing this package imports no heavy library.
"""

from cur_analyzer.api import Analyzer
from cur_analyzer.choices import (
    CheckSuite,
    CostBasis,
    CoverageSource,
    EngineName,
    EstimateView,
    OutputFormat,
    ServiceScope,
)
from cur_analyzer.errors import CurAnalyzerError, ThresholdFailed, UserInputError
from cur_analyzer.period import BillingPeriod

__all__ = [
    "Analyzer",
    "BillingPeriod",
    "CheckSuite",
    "CostBasis",
    "CoverageSource",
    "CurAnalyzerError",
    "EngineName",
    "EstimateView",
    "OutputFormat",
    "ServiceScope",
    "ThresholdFailed",
    "UserInputError",
]

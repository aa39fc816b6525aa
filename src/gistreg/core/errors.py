"""The one exception tree of gistreg.

::

    GistregError
    ├── InputError                      bad input files or arguments          (exit code 2)
    │   ├── SchemaError                 a file does not have the expected shape/columns
    │   ├── DataValidationError         error-level validation issues (carries the report)
    │   └── SpecError                   a study spec is malformed or names unknown things
    ├── StoreError                      the registry store cannot be opened/written   (exit 3)
    ├── CohortError                     a cohort cannot be built                       (exit 4)
    ├── EndpointError                   an endpoint cannot be derived                  (exit 4)
    ├── EstimationError                 a statistic cannot be computed                 (exit 5)
    │   ├── ConvergenceError            an iterative fit did not converge
    │   ├── SingularInformationError    the information matrix is singular (names the covariates)
    │   └── ComputationLimitError       an exact computation exceeds its documented limit
    └── ReportError                     a report cannot be rendered or written         (exit 6)

Every message names where and what: the file, row, column and value, or the covariate, group or option.
"""

from __future__ import annotations

from typing import Any


class GistregError(Exception):
    """Base class of every error gistreg raises on purpose."""

    exit_code: int = 1


class InputError(GistregError):
    """Input files, arguments or values that gistreg cannot accept."""

    exit_code = 2


class SchemaError(InputError):
    """A file or table does not have the expected structure (missing table, missing column, bad header)."""


class DataValidationError(InputError):
    """Error-level validation issues were found; ``report`` holds every issue.

    Parameters
    ----------
    message
        Summary for the user.
    report
        The ``ValidationReport`` with every issue (typed loosely to keep ``core`` free of other packages).
    """

    def __init__(self, message: str, report: Any = None) -> None:
        super().__init__(message)
        self.report = report


class SpecError(InputError):
    """A study specification is malformed or refers to unknown variables, arms or codes."""


class StoreError(GistregError):
    """The registry store cannot be opened, read or written."""

    exit_code = 3


class CohortError(GistregError):
    """A cohort cannot be built from the registry."""

    exit_code = 4


class EndpointError(GistregError):
    """An endpoint cannot be derived."""

    exit_code = 4


class EstimationError(GistregError):
    """A statistic cannot be computed from the data given."""

    exit_code = 5


class ConvergenceError(EstimationError):
    """An iterative estimator did not converge within its iteration limit."""


class SingularInformationError(EstimationError):
    """The information (Hessian) matrix is singular; the message names the covariates involved."""


class ComputationLimitError(EstimationError):
    """An exact computation would exceed its documented size limit (instead of hanging)."""


class ReportError(GistregError):
    """A report, table or figure cannot be rendered or written."""

    exit_code = 6


__all__ = [
    "CohortError",
    "ComputationLimitError",
    "ConvergenceError",
    "DataValidationError",
    "EndpointError",
    "EstimationError",
    "GistregError",
    "InputError",
    "ReportError",
    "SchemaError",
    "SingularInformationError",
    "SpecError",
    "StoreError",
]

# The people and records of the governance tests, which these tests build on.
from tests.governance.conftest import ds, model, use_case

__all__ = ["ds", "model", "use_case"]

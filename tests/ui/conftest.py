"""Page tests across stages reuse the stages' fixtures."""

from tests.accounts.conftest import media  # noqa: F401
from tests.opportunities.conftest import opportunity  # noqa: F401

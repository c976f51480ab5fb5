"""Fixtures for the tests of the shipped fake server (lmstudio_core.testing).

pytest honours ``pytest_plugins`` only in the root conftest, so the plugin's fixture is
imported here instead (users put ``pytest_plugins = [...]`` in their root conftest).
"""

from lmstudio_core.testing.pytest_plugin import fake_lmstudio  # noqa: F401

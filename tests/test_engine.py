import importlib.util
import subprocess
import sys
from pathlib import Path

from odoo.tests import BaseCase, tagged

ADDON = Path(__file__).resolve().parent.parent


@tagged("post_install", "-at_install")
class TestEngine(BaseCase):
    """The engine's own tests (analytics/tests, pure pandas and numpy) run by
    Odoo's runner too, so that a CI that runs only the Odoo suite, as OCA's
    does, runs them as well."""

    def test_analytics_engine(self):
        if importlib.util.find_spec("pytest") is None:  # the engine's tests are written for pytest
            self.skipTest("pytest is not installed")
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "analytics/tests"],
            cwd=ADDON,
            capture_output=True,
            text=True,
            check=False,
        )
        self.assertEqual(result.returncode, 0, result.stdout[-5000:] + result.stderr[-2000:])
        self.assertRegex(result.stdout.splitlines()[-1], r"^\d+ passed")

"""The test suite's settings: the project's own, with a secret key of the suite's own.

The tests run with DEBUG off, as production does, so the built-in development key is refused;
the suite brings this one. Processes the tests start (the `rectify` command) inherit the key
through the environment and load rectify.settings itself, whatever their working directory.
"""

import os

os.environ.setdefault("SECRET_KEY", "rectify-test-suite-only-" + "k3y" * 12)
os.environ["DJANGO_SETTINGS_MODULE"] = "rectify.settings"

from rectify.settings import *  # noqa: E402, F403

"""The entry point for ``flask`` and gunicorn: ``gunicorn app:app``."""

import sys

from lms import create_app
from lms.errors import ConfigError

try:
    app = create_app()
except ConfigError as error:
    sys.exit(f"mojster: {error}")

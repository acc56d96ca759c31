"""Domain and start-up errors.

Services raise these; views, CLI commands and jobs turn them into a form error,
a flash with a 4xx status, or one clear line on the console.
"""


class LmsError(Exception):
    """Base of every error the application raises on purpose."""


class ConfigError(LmsError):
    """The environment does not describe a runnable application (DESIGN.md: running)."""


class TenantContextError(LmsError):
    """A tenant-owned row was touched without, or outside, its tenant's context."""

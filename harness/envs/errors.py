"""The one error type of environment handling (imported by every module of the package)."""


class EnvError(RuntimeError):
    """An environment could not be created, is unknown, or its specs cannot be read."""

"""The one error type a build reports to its user."""


class PipelineError(Exception):
    """A document cannot be built; the message is the one-line reason shown to the user."""


class UsageError(PipelineError):
    """The user asked for something that does not exist (an unknown rule id): exit status 2."""

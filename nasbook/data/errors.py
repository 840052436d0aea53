"""The one error type of the data package."""


class DataError(RuntimeError):
    """Input data missing, unreadable or not what was expected.

    The message always names the path that was looked at, what was expected there and
    the command that fixes it.
    """

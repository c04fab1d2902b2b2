"""What a command that fails says, and the exit status it ends with."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1  # the gateway refused (problem+json), or a verify found a server refusing
EXIT_USAGE = 2  # argparse's own status for bad usage
EXIT_UNREACHABLE = 3  # no answer from the gateway at all
EXIT_INTERRUPTED = 130  # Ctrl-C, as a shell reports SIGINT

EXIT_STATUS_HELP = (
    "exit status: 0 ok, 1 the gateway refused (or a verify failed), 2 bad usage, "
    "3 the gateway could not be reached, 130 interrupted"
)


class CommandError(Exception):
    """A command failed: ``message`` is printed as one line on stderr."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code

"""The error every input file raises: it names the file, the key and what was expected."""

from __future__ import annotations


class InputError(ValueError):
    """Bad input, found before anything runs: one ``(key, message)`` per problem."""

    def __init__(self, source: str, problems: list[tuple[str, str]]) -> None:
        self.source = source
        self.problems = problems
        lines = [f"{source}: {key}: {message}" if key else f"{source}: {message}"
                 for key, message in problems]
        super().__init__("\n".join(lines))

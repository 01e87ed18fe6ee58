"""User-facing errors: printed as a message with exit code 2, never as a traceback."""

from __future__ import annotations

from dataclasses import dataclass

# bounds of error messages (ADR 0006): enough to find the problem, short enough to read
MAX_PROBLEMS_SHOWN = 50  # error output lists the first N problems, then "and K more"
MAX_VALUE_CHARS = 200  # a value quoted in an error message
MAX_RULE_CHARS = 300  # a rule text in an error message (it may quote the value)


def shorten(text: str, limit: int) -> str:
    """``text`` cut to about ``limit`` characters (its start and its end), saying how long it was.

    >>> shorten("abcdefghij", 6)
    'abcd...(10 characters)...ij'
    """
    if len(text) <= limit:
        return text
    tail = limit // 3
    return f"{text[:limit - tail]}...({len(text)} characters)...{text[len(text) - tail:]}"


class UserError(Exception):
    """Bad input from the user (tables, profiles, arguments). Exit code 2."""

    exit_code = 2


@dataclass(frozen=True, order=True)
class Problem:
    """One validation problem: where it is, what value, and which rule it breaks."""

    file: str
    row: int  # 1-based line number in the file; 0 = the file as a whole
    column: str
    value: str
    rule: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.row}" if self.row else self.file
        col = f" column '{self.column}'" if self.column else ""
        val = f" value '{shorten(self.value, MAX_VALUE_CHARS)}'" if self.value else ""
        return f"{where}{col}{val}: {shorten(self.rule, MAX_RULE_CHARS)}"


class ValidationError(UserError):
    """Every problem found, in one error; the message lists the first MAX_PROBLEMS_SHOWN of them."""

    def __init__(self, problems: list[Problem], what: str = "curated tables") -> None:
        self.problems = sorted(problems)
        lines = [f"{len(self.problems)} problem(s) in the {what}:"]
        lines += [f"  - {p}" for p in self.problems[:MAX_PROBLEMS_SHOWN]]
        if len(self.problems) > MAX_PROBLEMS_SHOWN:
            lines.append(f"  ... and {len(self.problems) - MAX_PROBLEMS_SHOWN} more")
        super().__init__("\n".join(lines))

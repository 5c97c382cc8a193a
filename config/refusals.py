"""How a business rule says no.

Every service (reports, proposals, plans, study sessions, uploads, workbooks)
raises `Refused` with a sentence for the top of the page and, where the rule
concerns one input, a `FieldError` naming it. Views put a refusal on their
form with `RefusalForm.add_refusal` (config.forms) or show its message; they
never build messages of their own for a rule.
"""

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    """One input refused: `field` is the input's name ("" for the whole form); in a
    quarterly report `target_id` says which target's row it belongs to."""

    field: str
    message: str
    target_id: int | None = None


class Refused(Exception):
    """The operation is refused and nothing was written; `message` says why in the user's language."""

    def __init__(self, message: str = "", errors: Iterable[FieldError] = ()):
        self.errors = list(errors)
        self.message = str(message or (self.errors[0].message if self.errors else ""))
        super().__init__(self.message)

    @classmethod
    def on(cls, field: str, message: str) -> "Refused":
        """A refusal of one input."""
        return cls(message, [FieldError(field, message)])

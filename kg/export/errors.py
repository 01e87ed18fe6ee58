"""The one error an export raises for a graph it cannot write faithfully."""

from kg.base.errors import UserError


class ExportError(UserError):
    """The graph cannot be exported as asked; the message names the node, the field and the rule."""

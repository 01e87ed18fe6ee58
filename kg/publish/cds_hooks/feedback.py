"""``POST /cds-services/{id}/feedback`` (fhir-cdshooks-omop.md §2.5): each item is checked and acknowledged; the
service keeps nothing of it (no patient data left behind)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from kg.publish.cds_hooks.hook_request import bad

OUTCOMES = ("accepted", "overridden")


def checked_feedback(body: Any) -> int:
    """The number of feedback items, after checking each; HookError 400 naming the first problem."""
    if not isinstance(body, Mapping) or not isinstance(body.get("feedback"), list) or not body["feedback"]:
        raise bad("feedback", "required, a non-empty list of feedback items")
    for index, item in enumerate(body["feedback"]):
        where = f"feedback[{index}]"
        if not isinstance(item, Mapping):
            raise bad(where, "must be an object")
        if not isinstance(item.get("card"), str) or not item["card"]:
            raise bad(f"{where}.card", "required, the uuid of the card")
        if item.get("outcome") not in OUTCOMES:
            raise bad(f"{where}.outcome", f"required, one of: {', '.join(OUTCOMES)}")
        accepted = item.get("acceptedSuggestions")
        if item["outcome"] == "accepted" and (not isinstance(accepted, list) or
                                              not all(isinstance(s, Mapping) and s.get("id") for s in accepted)):
            raise bad(f"{where}.acceptedSuggestions", "required when accepted: a list of {\"id\": suggestion uuid}")
        reason = item.get("overrideReason")
        if reason is not None and (not isinstance(reason, Mapping) or
                                   ("reason" in reason and not isinstance(reason["reason"], Mapping))):
            raise bad(f"{where}.overrideReason", "must be an object with a reason Coding and/or a userComment")
        try:
            stamp = dt.datetime.fromisoformat(str(item.get("outcomeTimestamp")).replace("Z", "+00:00"))
        except ValueError:
            stamp = None
        if stamp is None or stamp.tzinfo is None:
            raise bad(f"{where}.outcomeTimestamp", "required, an RFC 3339 date-time with a time zone")
    return len(body["feedback"])

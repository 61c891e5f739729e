"""The rules every date a person gives follows, whatever the door (issue 23): the forms'
GovukDateField, the API's date fields and the services all ask these.

- No year before 1900 (`EARLIEST_YEAR`): nothing the portal tracks is older, and a year
  like 0001 is a typing slip that would sort and export strangely.
- A new target date in the past is kept only when the person confirms it: the form's
  "Yes, the target date is in the past" box, the API's `confirm_past_date: true`.
"""

from __future__ import annotations

import datetime as dt

EARLIEST_YEAR = 1900


def too_early(value: dt.date, *, field_label: str) -> str | None:
    """The message when `value` is before EARLIEST_YEAR (None when it is not); it names
    `field_label` ("the target date", "Date"), its first letter made a capital."""
    if value.year >= EARLIEST_YEAR:
        return None
    label = field_label[:1].upper() + field_label[1:]
    return f"{label} must be in {EARLIEST_YEAR} or later"


def past_needs_confirming(new: dt.date | None, current: dt.date | None, today: dt.date) -> bool:
    """Whether a target date set to `new` (from `current`) asks the person to confirm it:
    it is in the past and it is a change (an unchanged past date is not asked again)."""
    return new is not None and new < today and new != current

"""The reference data's names the public pages show, for the catalogue (gettext_noop:
`update_catalogue` finds them here; the pages translate them with gettext when shown).
Force, report and theme names are the bodies' and reports' own names and stay as
published."""

from django.utils.translation import gettext_noop

STATUS_NAMES = (
    gettext_noop("Awaiting review"),
    gettext_noop("Being progressed"),
    gettext_noop("Complete"),
    gettext_noop("No further action needed"),
)
REGION_NAMES = (
    gettext_noop("North East"),
    gettext_noop("North West"),
    gettext_noop("Yorkshire and the Humber"),
    gettext_noop("East Midlands"),
    gettext_noop("West Midlands"),
    gettext_noop("Eastern"),
    gettext_noop("South East"),
    gettext_noop("South West"),
    gettext_noop("London"),
    gettext_noop("Wales"),
    gettext_noop("National"),
)
FINDING_KINDS = (
    gettext_noop("Cause of concern"),
    gettext_noop("Recommendation"),
    gettext_noop("Area for improvement"),
)

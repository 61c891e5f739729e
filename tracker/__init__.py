"""The project (settings, URLs, Celery) and the shared kernel every app's doors use, one
module for each thing that must be done one way everywhere:

- tracker.refusals: a domain error to an HTML page (form_error, render_refusal,
  shows_refusals); the API's own is api.problems.
- tracker.downloads: every download and CSV (Content-Disposition, the one CSV writer,
  cells neutralised for spreadsheets).
- tracker.uploads: the upload limits (declared length, the one upload handler, the
  limit_uploads decorator, one message for each limit); the doors' limits are in
  recommendations.uploads and evidence.uploads, from settings.
- tracker.base_url: the portal's address for links (PORTAL_BASE_URL, else the request's).
- tracker.humanise: dates as people read them (long_date, long_datetime, ages in words).
- tracker.account_mail: the one sender of the emails about a person's own account.
- tracker.jinja2: the templates' helpers, the above among them (long_date,
  display_name, split_bullets).

Names of people are forces.selectors.display_name; bullets are split by
tracker.text.split_bullets.
"""

from .celery import app as celery_app

__all__ = ["celery_app"]

"""The Celery app: configured from Django settings, beat schedule declared in code."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings.dev")

app = Celery("tracker")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def _schedule(sender: Celery, **_kwargs: object) -> None:
    from django.conf import settings

    sender.conf.beat_schedule = {
        "stale-reminder-sweep": {
            "task": "recommendations.tasks.stale_sweep",
            "schedule": crontab(hour=settings.REMINDER_SWEEP_HOUR, minute=0),
        },
        "clean-pending-imports": {
            "task": "recommendations.tasks.clean_pending_imports",
            "schedule": crontab(hour=settings.REMINDER_SWEEP_HOUR, minute=30),
        },
    }

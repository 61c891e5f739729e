"""Loads the reference data in fixtures/reference.json: regions, forces and statuses.

Idempotent: a row is written only when it is missing or differs from the file, so
running it twice changes nothing. Used by a data migration (so `migrate` loads it)
and by `manage.py load_reference_data`.
"""

import json
from pathlib import Path
from typing import Any

REFERENCE_FILE = Path(__file__).resolve().parent.parent / "fixtures" / "reference.json"


def _upsert(model: Any, key: dict[str, Any], values: dict[str, Any]) -> bool:
    obj = model.objects.filter(**key).first()
    if obj is None:
        model.objects.create(**key, **values)
        return True
    changed = {k: v for k, v in values.items() if getattr(obj, k) != v}
    if changed:
        for k, v in changed.items():
            setattr(obj, k, v)
        obj.save(update_fields=list(changed))
        return True
    return False


def load_reference_data(apps: Any = None) -> int:
    """Create or update every region, force and status; return how many rows changed."""
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    region_model = apps.get_model("forces", "Region")
    force_model = apps.get_model("forces", "Force")
    status_model = apps.get_model("recommendations", "Status")
    data = json.loads(REFERENCE_FILE.read_text(encoding="utf-8"))
    changed = 0
    for status in data["statuses"]:
        fields = {k: v for k, v in status.items() if k != "slug"}
        changed += _upsert(status_model, {"slug": status["slug"]}, fields)
    for region in data["regions"]:
        changed += _upsert(region_model, {"slug": region["slug"]}, {"name": region["name"]})
        region_obj = region_model.objects.get(slug=region["slug"])
        for force in region["forces"]:
            changed += _upsert(
                force_model,
                {"slug": force["slug"]},
                {
                    "name": force["name"],
                    "short_names": force["short_names"],
                    "region": region_obj,
                },
            )
    return changed

"""Loads the reference data in fixtures/reference.json: regions, forces, national bodies,
the police and crime commissioners' offices and statuses.

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
    # An early migration runs this with the models as they were then: before recipients
    # had a kind (forces 0004), only the police forces are loaded, and a later migration
    # (recommendations 0021) runs it again with everything.
    recipients = any(f.name == "kind" for f in force_model._meta.get_fields())
    changed = 0
    for status in data["statuses"]:
        fields = {k: v for k, v in status.items() if k != "slug"}
        changed += _upsert(status_model, {"slug": status["slug"]}, fields)
    for region in data["regions"]:
        changed += _upsert(region_model, {"slug": region["slug"]}, {"name": region["name"]})
        region_obj = region_model.objects.get(slug=region["slug"])
        for force in region["forces"]:
            kind = force.get("kind", "force")
            if not recipients and kind != "force":
                continue
            values: dict[str, Any] = {
                "name": force["name"],
                "short_names": force["short_names"],
                "region": region_obj,
            }
            if recipients:
                values.update(kind=kind, welsh=force.get("welsh", False))
            changed += _upsert(force_model, {"slug": force["slug"]}, values)
            pcc = force.get("pcc")
            if pcc and recipients:
                # The police and crime commissioner's office of the force: a recipient
                # in the force's region, serving the force.
                changed += _upsert(
                    force_model,
                    {"slug": pcc["slug"]},
                    {
                        "name": pcc["name"],
                        "short_names": [],
                        "region": region_obj,
                        "kind": "pcc-office",
                        "welsh": force.get("welsh", False),
                        "police_force": force_model.objects.get(slug=force["slug"]),
                    },
                )
    return changed

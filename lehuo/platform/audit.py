"""``log_action()``: the one way to write the audit log (pretix LoggingMixin style)."""

import datetime as dt
import decimal

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import AuditLog
from .rows import insert_linked, insert_row

# Fields whose values never enter the log in clear.
MASKED_FIELDS = {"id_number", "phone", "contact_phone", "guardian_phone", "relative_phones"}


_AS_IS = frozenset({str, int, bool, float, type(None)})


def _jsonable(value):
    if type(value) in _AS_IS:  # most values of most rows: no isinstance chain
        return value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def scrub(data: dict) -> dict:
    from lehuo.lib.identity import mask_id_number, mask_phone

    if not data:
        return {}
    if MASKED_FIELDS.isdisjoint(data):  # most audit data (an import's 100,000 rows): one comprehension
        return {key: value if type(value) in _AS_IS else scrub(value) if isinstance(value, dict) else _jsonable(value)
                for key, value in data.items()}
    out = {}
    for key, value in data.items():
        if key in MASKED_FIELDS and value:
            out[key] = mask_id_number(value) if key == "id_number" else mask_phone(str(value))
        elif isinstance(value, dict):
            out[key] = scrub(value)
        else:
            out[key] = _jsonable(value)
    return out


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict:
    """The concrete field values of ``obj``, ready for before/after."""
    data = {}
    for field in obj._meta.concrete_fields:
        if fields and field.name not in fields:
            continue
        data[field.name] = getattr(obj, field.attname)
    return scrub(data)


def actor_and_name(actor):
    """(the user an audit row names, or None; the name it records: "system" without one)."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    return user, (getattr(user, "username", "") if user else "system")


def build_log(actor, action: str, obj: models.Model | None = None, data: dict | None = None, *,
              object_repr: str | None = None) -> AuditLog:
    """The audit row for ``log_action``, unsaved (bulk writers save many at once).
    ``object_repr`` saves ``str(obj)`` where that would load related rows again."""
    user, name = actor_and_name(actor)
    return AuditLog(
        actor=user,
        actor_name=name,
        action=action,
        content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=(object_repr if object_repr is not None else str(obj) if obj is not None else "")[:200],
        data=scrub(data or {}),
    )


def log_rows(actor, action: str, model: type[models.Model], entries) -> list[dict]:
    """The audit rows ``build_log`` would make for ``(pk, object_repr, data)`` of many saved
    ``model`` records, as dicts for ``platform.bulk.insert_rows`` (an import's rows: one
    model instance fewer per row). Same content as ``build_log``, value for value."""
    user, name = actor_and_name(actor)
    actor_id = user.pk if user is not None else None
    content_type_id = ContentType.objects.get_for_model(model).pk
    return [{"actor_id": actor_id, "actor_name": name, "action": action, "content_type_id": content_type_id,
             "object_id": str(pk), "object_repr": object_repr[:200], "data": scrub(data or {})}
            for pk, object_repr, data in entries]


def log_action(actor, action: str, obj: models.Model | None = None, data: dict | None = None, *,
               object_repr: str | None = None) -> AuditLog:
    """Record that ``actor`` did ``action`` (dotted, e.g. ``person.reveal``) to ``obj``."""
    return insert_row(build_log(actor, action, obj, data, object_repr=object_repr))


def create_logged(actor, action: str, obj: models.Model, data: dict | None = None, *,
                  object_repr: str | None = None) -> AuditLog:
    """INSERT the new record ``obj`` and the audit row that names it, in one round trip on
    PostgreSQL (hot paths such as the enrolment rush; ``log_action`` after ``save()`` is the
    same thing in two)."""
    entry = build_log(actor, action, obj, data, object_repr=object_repr)
    insert_linked(obj, entry, "object_id")
    return entry

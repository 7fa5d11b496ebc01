"""Writes for owners: facts and a description from a verified owner, staff's revert and hide, privacy.

Every interface (the owner's page, the API, the admin, account deletion) calls these functions.
The rule that an owner's fact wins over later syncs, with the cadastre's value kept beside it, lives
in properties.services ("the owner's facts"); this module validates, logs and enqueues.
"""
from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from properties import reference
from properties.models import FactSource, Property
from properties.services import property_facts_restore, property_facts_set_many

from . import selectors
from .models import (
    DESCRIPTION_MAX_LENGTH,
    HIDDEN_REASON_MAX_LENGTH,
    PROPERTY_FACTS,
    FactChange,
    OwnerDescription,
    OwnerFact,
    OwnerFactName,
)

logger = logging.getLogger(__name__)

EDITABLE = (*PROPERTY_FACTS, "year_renovated", "description")
LIMITS = {  # fact: (lowest, highest); years end at the current year
    "usable_area": (1, 100_000),
    "rooms": (1, 100),
    "bedrooms": (0, 100),
    "year_built": (1600, None),
    "year_renovated": (1600, None),
}


def _range_error(fact: str, low: int, high: int) -> ValidationError:
    messages = {
        "usable_area": _("The usable area must be between %(low)s and %(high)s m²."),
        "rooms": _("Rooms must be between %(low)s and %(high)s."),
        "bedrooms": _("Bedrooms must be between %(low)s and %(high)s."),
        "year_built": _("The year built must be between %(low)s and %(high)s."),
        "year_renovated": _("The year renovated must be between %(low)s and %(high)s."),
    }
    return ValidationError(messages[fact] % {"low": low, "high": high}, code="out_of_range")


def owner_facts_clean(*, prop: Property, values: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    """Check what an owner sends (only the keys given; None clears the owner's value). Returns the cleaned
    values; raises ValidationError with a readable message and a stable code per field."""
    errors: dict[str, ValidationError] = {}
    unknown = sorted(set(values) - set(EDITABLE))
    if unknown:
        errors["non_field_errors"] = ValidationError(
            _("These cannot be changed here: %(names)s.") % {"names": ", ".join(map(str, unknown))},
            code="unknown_fact")
    clean: dict[str, Any] = {}
    this_year = timezone.localdate().year
    for fact, (low, high_limit) in LIMITS.items():
        if fact not in values:
            continue
        value = values[fact]
        if value is None or value == "":
            clean[fact] = None
            continue
        high = high_limit if high_limit is not None else this_year
        if isinstance(value, bool) or not isinstance(value, int | str):
            errors[fact] = ValidationError(_("Enter a whole number."), code="invalid_number")
            continue
        try:
            number = int(str(value).strip())
        except ValueError:
            errors[fact] = ValidationError(_("Enter a whole number."), code="invalid_number")
            continue
        if not low <= number <= high:
            errors[fact] = _range_error(fact, low, high)
            continue
        clean[fact] = number
    if "features" in values:
        tags = values["features"]
        if tags is None:
            clean["features"] = None
        elif (not isinstance(tags, list | tuple) or len(tags) > len(reference.FEATURES)
              or not all(isinstance(t, str) for t in tags)):
            errors["features"] = ValidationError(_("Give the features as a list of tags."), code="invalid_features")
        else:
            bad = [t for t in tags if t not in reference.FEATURE_BITS]
            if bad:
                errors["features"] = ValidationError(
                    _("Unknown features: %(tags)s.") % {"tags": ", ".join(bad[:5])}, code="unknown_feature")
            else:
                clean["features"] = sorted(set(tags), key=reference.FEATURES.index)
    if "description" in values:
        text = values["description"]
        if text is not None and not isinstance(text, str):
            errors["description"] = ValidationError(_("The description must be text."), code="invalid_description")
        else:
            text = (text or "").replace("\r\n", "\n").strip()
            if len(text) > DESCRIPTION_MAX_LENGTH:
                errors["description"] = ValidationError(
                    _("The description can be at most %(max)s characters (it has %(n)s).")
                    % {"max": DESCRIPTION_MAX_LENGTH, "n": len(text)}, code="description_too_long")
            elif "\x00" in text:
                errors["description"] = ValidationError(_("The description must be text."),
                                                        code="invalid_description")
            else:
                clean["description"] = text
    if not errors:  # rules between facts, on the values that will be in force
        after = {**current, **{k: v for k, v in clean.items() if v is not None}}
        if after.get("bedrooms") is not None and after.get("rooms") is not None and after["bedrooms"] > after["rooms"]:
            errors["bedrooms"] = ValidationError(_("There cannot be more bedrooms than rooms."),
                                                 code="bedrooms_exceed_rooms")
        if (after.get("year_renovated") is not None and after.get("year_built") is not None
                and after["year_renovated"] < after["year_built"]):
            errors["year_renovated"] = ValidationError(_("A property cannot be renovated before it was built."),
                                                       code="renovated_before_built")
    if errors:
        raise ValidationError(errors)
    return clean


def _enqueue_reestimate(property_id: int) -> None:
    from recommendations.valuation.tasks import valuation_property_estimate_task

    transaction.on_commit(lambda: valuation_property_estimate_task.delay(property_id=property_id))


@transaction.atomic
def owner_facts_update(*, user, property_id: int, values: dict[str, Any]) -> Property:
    """A verified owner corrects or adds facts and the description (only the keys given).

    A value equal to the one in force changes nothing (the cadastre's value stays the cadastre's); a
    different value becomes the owner's, with the cadastre's kept beside it; None gives the fact back to
    the cadastre. Every change is logged; a change to a fact the valuation uses queues a re-estimate.
    """
    prop = selectors.owned_property(user=user, property_id=property_id)
    prop = Property.objects.select_for_update().get(pk=prop.pk)
    current = selectors.owner_facts_current(prop=prop)
    clean = owner_facts_clean(prop=prop, values=values, current=current)
    sources = prop.fact_sources or {}

    to_set: dict[str, Any] = {}
    to_restore: list[str] = []
    for fact in PROPERTY_FACTS:
        if fact not in clean:
            continue
        value = clean[fact]
        if value is None:
            if sources.get(fact) == FactSource.OWNER:
                to_restore.append(fact)
        elif value != current[fact]:
            to_set[fact] = value
    changes: list[FactChange] = []
    if to_set:
        property_facts_set_many(facts={prop.external_id: to_set}, source=FactSource.OWNER)
        for fact, value in to_set.items():
            OwnerFact.objects.update_or_create(property=prop, fact=fact, defaults={"value": value, "user": user})
            changes.append(FactChange(property=prop, fact=fact, action=FactChange.Action.SET, old=current[fact],
                                      new=value, user=user))
    if to_restore:
        _restore(prop=prop, facts=to_restore, user=user, action=FactChange.Action.REMOVED, changes=changes,
                 current=current)
    if "year_renovated" in clean and clean["year_renovated"] != current["year_renovated"]:
        if clean["year_renovated"] is None:
            OwnerFact.objects.filter(property=prop, fact=OwnerFactName.YEAR_RENOVATED).delete()
        else:
            OwnerFact.objects.update_or_create(property=prop, fact=OwnerFactName.YEAR_RENOVATED,
                                               defaults={"value": clean["year_renovated"], "user": user})
        changes.append(FactChange(
            property=prop, fact="year_renovated", user=user, old=current["year_renovated"], new=clean["year_renovated"],
            action=FactChange.Action.SET if clean["year_renovated"] is not None else FactChange.Action.REMOVED))
    if "description" in clean and clean["description"] != current["description"]:
        if clean["description"]:
            OwnerDescription.objects.update_or_create(property=prop,
                                                      defaults={"text": clean["description"], "author": user})
        else:
            OwnerDescription.objects.filter(property=prop).delete()
        changes.append(FactChange(property=prop, fact="description", action=FactChange.Action.DESCRIPTION, user=user))
    FactChange.objects.bulk_create(changes)
    if to_set or to_restore:
        _enqueue_reestimate(prop.pk)
    prop.refresh_from_db()
    return prop


def _restore(*, prop: Property, facts: list[str], user, action: str, changes: list[FactChange],
             current: dict[str, Any], reason: str = "") -> list[str]:
    restored = property_facts_restore(property_id=prop.pk, facts=facts)
    OwnerFact.objects.filter(property=prop, fact__in=facts).delete()
    if restored:
        prop.refresh_from_db(fields=[*restored, "fact_sources"])
    for fact in restored:
        changes.append(FactChange(property=prop, fact=fact, action=action, old=current[fact],
                                  new=getattr(prop, fact), user=user, reason=reason))
    return restored


@transaction.atomic
def owner_fact_revert(*, property_id: int, fact: str, staff_user, reason: str = "") -> bool:
    """Staff give one owner-supplied fact back to the cadastre (year_renovated: remove it). Logged. Returns
    whether anything changed."""
    prop = Property.objects.select_for_update().get(pk=property_id)
    current = selectors.owner_facts_current(prop=prop)
    changes: list[FactChange] = []
    if fact == "year_renovated":
        deleted, _rows = OwnerFact.objects.filter(property=prop, fact=fact).delete()
        if deleted:
            changes.append(FactChange(property=prop, fact=fact, action=FactChange.Action.REVERTED,
                                      old=current[fact], new=None, user=staff_user, reason=reason))
    elif fact in PROPERTY_FACTS:
        _restore(prop=prop, facts=[fact], user=staff_user, action=FactChange.Action.REVERTED, changes=changes,
                 current=current, reason=reason)
    FactChange.objects.bulk_create(changes)
    if changes and fact in PROPERTY_FACTS:
        _enqueue_reestimate(prop.pk)
    return bool(changes)


@transaction.atomic
def owner_description_hide(*, description: OwnerDescription, reason: str, staff_user) -> OwnerDescription:
    """Staff hide a description from the property page; the owners see why on their page."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"hidden_reason": ValidationError(_("Say why the description is hidden."),
                                                                code="reason_required")})
    if len(reason) > HIDDEN_REASON_MAX_LENGTH:
        raise ValidationError({"hidden_reason": ValidationError(
            _("The reason can be at most %(max)s characters.") % {"max": HIDDEN_REASON_MAX_LENGTH},
            code="reason_too_long")})
    description.hidden_at = description.hidden_at or timezone.now()
    description.hidden_reason = reason
    description.hidden_by = staff_user
    description.save(update_fields=["hidden_at", "hidden_reason", "hidden_by"])
    FactChange.objects.create(property_id=description.property_id, fact="description", user=staff_user,
                              action=FactChange.Action.DESCRIPTION_HIDDEN, reason=reason)
    return description


@transaction.atomic
def owner_description_show(*, description: OwnerDescription, staff_user) -> OwnerDescription:
    if description.hidden_at is None:
        return description
    description.hidden_at, description.hidden_reason, description.hidden_by = None, "", None
    description.save(update_fields=["hidden_at", "hidden_reason", "hidden_by"])
    FactChange.objects.create(property_id=description.property_id, fact="description", user=staff_user,
                              action=FactChange.Action.DESCRIPTION_SHOWN)
    return description


# --- privacy ---------------------------------------------------------------------------------------------
def user_owner_content_export(user) -> dict[str, Any]:
    """The facts and descriptions the user supplied as an owner, and their changes (for the data export)."""
    return {
        "facts": [{"property_id": f.property_id, "fact": f.fact, "value": f.value, "updated_at": f.updated_at}
                  for f in OwnerFact.objects.filter(user=user).order_by("property_id", "fact")],
        "descriptions": [{"property_id": d.property_id, "text": d.text, "updated_at": d.updated_at,
                          "hidden": d.is_hidden, "hidden_reason": d.hidden_reason}
                         for d in OwnerDescription.objects.filter(author=user).order_by("property_id")],
        "changes": [{"property_id": c.property_id, "fact": c.fact, "action": c.action, "old": c.old, "new": c.new,
                     "at": c.created_at}
                    for c in FactChange.objects.filter(user=user).order_by("created_at", "id")],
    }


def user_owner_content_remove(user) -> None:
    """Account deletion: the user's facts go back to the cadastre, their descriptions are deleted, and the log
    keeps its entries without saying who."""
    _owner_content_release(user, action=FactChange.Action.ACCOUNT_DELETED)
    FactChange.objects.filter(user=user).update(user=None)  # append-only: anonymised in place, never rewritten


def claim_owner_content_release(claim) -> None:
    """Claim-end hook (offers.services.claim_revoke): what the former owner supplied for that property goes
    back to the cadastre and their description there is deleted; the log keeps who did what while an owner."""
    _owner_content_release(claim.user, action=FactChange.Action.CLAIM_ENDED, property_id=claim.property_id)


def _owner_content_release(user, *, action: str, property_id: int | None = None) -> None:
    for prop_id, facts in _facts_by_property(user, property_id=property_id).items():
        prop = Property.objects.select_for_update().get(pk=prop_id)
        current = selectors.owner_facts_current(prop=prop)
        changes: list[FactChange] = []
        on_property = [f for f in facts if f in PROPERTY_FACTS]
        if on_property:
            _restore(prop=prop, facts=on_property, user=None, action=action, changes=changes, current=current)
            _enqueue_reestimate(prop_id)
        if "year_renovated" in facts:
            OwnerFact.objects.filter(property=prop, fact="year_renovated").delete()
            changes.append(FactChange(property=prop, fact="year_renovated", action=action,
                                      old=current["year_renovated"], new=None))
        FactChange.objects.bulk_create(changes)
    descriptions = OwnerDescription.objects.filter(author=user)
    if property_id is not None:
        descriptions = descriptions.filter(property_id=property_id)
    descriptions.delete()


def _facts_by_property(user, *, property_id: int | None = None) -> dict[int, list[str]]:
    grouped: dict[int, list[str]] = {}
    supplied = OwnerFact.objects.filter(user=user)
    if property_id is not None:
        supplied = supplied.filter(property_id=property_id)
    for prop_id, fact in supplied.values_list("property_id", "fact"):
        grouped.setdefault(prop_id, []).append(fact)
    return grouped

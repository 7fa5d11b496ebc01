"""Reads for owners: the property an owner may edit, its facts as the owner's page and the property page show them."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from offers.selectors import is_verified_owner
from properties import reference
from properties.models import FactSource, Property
from properties.services import UPSTREAM_KEY

from .errors import NotAnOwner
from .models import PROPERTY_FACTS, FactChange, OwnerDescription, OwnerFact, OwnerFactName


def owned_property(*, user, property_id: int) -> Property:
    """The property, if the user is one of its verified owners; NotAnOwner (404) otherwise."""
    prop = Property.objects.filter(pk=property_id).first()
    if prop is None or not is_verified_owner(user=user, property_id=prop.pk):
        raise NotAnOwner("Not found.")
    return prop


def owner_description(*, prop: Property) -> OwnerDescription | None:
    return OwnerDescription.objects.filter(property=prop).first()


def owner_year_renovated(*, prop: Property) -> int | None:
    fact = OwnerFact.objects.filter(property=prop, fact=OwnerFactName.YEAR_RENOVATED).first()
    return fact.value if fact is not None else None


def owner_facts_current(*, prop: Property) -> dict[str, Any]:
    """The values the owner's form starts from (and the API returns): the facts in force, whoever supplied them."""
    description = owner_description(prop=prop)
    return {
        **{fact: getattr(prop, fact) for fact in PROPERTY_FACTS},
        "features": list(prop.features or []),
        "year_renovated": owner_year_renovated(prop=prop),
        "description": description.text if description else "",
    }


@dataclass
class FactProvenance:
    fact: str
    label: str
    value: Any  # the value in force
    source: str | None
    by_owner: bool
    upstream_value: Any  # the cadastre's value beside the owner's (when by_owner)
    upstream_source: str | None


def owner_fact_provenance(*, prop: Property) -> list[FactProvenance]:
    """Each fact an owner may set: the value in force, whether the owner supplied it, and the value beside it."""
    sources = prop.fact_sources or {}
    upstream = sources.get(UPSTREAM_KEY) or {}
    rows = []
    for fact in PROPERTY_FACTS:
        by_owner = sources.get(fact) == FactSource.OWNER
        beside = (upstream.get(fact) or {}) if by_owner else {}
        rows.append(FactProvenance(fact=fact, label=str(OwnerFactName(fact).label), value=getattr(prop, fact),
                                   source=sources.get(fact), by_owner=by_owner,
                                   upstream_value=beside.get("value"), upstream_source=beside.get("source")))
    renovated = owner_year_renovated(prop=prop)
    rows.append(FactProvenance(fact="year_renovated", label=str(OwnerFactName.YEAR_RENOVATED.label), value=renovated,
                               source=FactSource.OWNER if renovated is not None else None,
                               by_owner=renovated is not None, upstream_value=None, upstream_source=None))
    return rows


@dataclass
class PropertyOwnerContent:
    """What the owners added, as the property page shows it to everyone."""

    description: str  # empty when there is none or staff hid it
    year_renovated: int | None
    owner_features: list[str]  # labels of the feature tags the owner supplied


def property_owner_content(*, prop: Property) -> PropertyOwnerContent:
    description = owner_description(prop=prop)
    tags = (prop.fact_sources or {}).get("feature_tags") or {}
    return PropertyOwnerContent(
        description=description.text if description and not description.is_hidden else "",
        year_renovated=owner_year_renovated(prop=prop),
        owner_features=[reference.feature_label(tag) for tag in prop.features or []
                        if tags.get(tag) == FactSource.OWNER],
    )


def owner_fact_changes(*, prop: Property) -> QuerySet[FactChange]:
    return FactChange.objects.filter(property=prop).select_related("user")

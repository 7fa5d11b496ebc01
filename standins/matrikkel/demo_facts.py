"""Demo-only facts of the stand-in's data set, written to the database beside the sync.

The real Matrikkel API has no feature tags, no bedrooms and no price estimates, so the stand-in
does not send them. The demo still wants them: this module writes them for the properties the
sync loaded, marked as synthetic (FactSource.DEMO), together with the demo sales history.
"""
from __future__ import annotations

from collections.abc import Callable

from properties.models import FactSource, Property
from properties.services import property_estimates_set, property_facts_set_many, property_sales_record_many
from standins import demo

from .dataset import Dataset, external_id


def demo_facts_load(*, dataset: Dataset, progress: Callable[[int], object] | None = None) -> dict[str, int]:
    """Write feature tags, bedrooms, demo estimates and sales for every synced property of `dataset`.

    Idempotent: facts already stored are left alone, estimates are written only where they differ and
    duplicate sales are ignored. Returns counts.
    """
    counts = {"facts": 0, "estimates": 0, "sales": 0}
    for chunk in demo.generate(dataset.count, dataset.seed):
        ours: dict[str, str] = {}  # the generator's external id → the stand-in's (kinds change fnr/snr)
        facts: dict[str, dict] = {}
        for row in chunk.properties:
            unit = dataset.get(row["matrikkelenhet_id"])
            if unit is None or unit["demo"]["external_id"] != row["external_id"]:
                continue
            ext = external_id(unit)
            ours[row["external_id"]] = ext
            main = unit["buildings"][0]["id"] if unit["buildings"] else None
            bedrooms = [e["bedrooms"] for e in unit["units"] if e["bygning"] == main and e["bedrooms"] is not None]
            facts[ext] = {"features": unit["demo"]["features"], "bedrooms": sum(bedrooms) if bedrooms else None}
        stored = dict(Property.objects.filter(external_id__in=list(facts)).values_list("external_id", "id"))
        counts["facts"] += property_facts_set_many(facts={k: v for k, v in facts.items() if k in stored},
                                                   source=FactSource.DEMO)
        current = {ext: (est, low, high, source) for ext, est, low, high, source in Property.objects.filter(
            id__in=list(stored.values())).values_list("external_id", "estimate", "estimate_low", "estimate_high",
                                                      "estimate_source")}
        estimates = [(stored[ours[e]], est, low, high) for e, est, low, high in chunk.estimates
                     if ours.get(e) in stored and current.get(ours[e]) != (est, low, high, demo.SOURCE)]
        counts["estimates"] += property_estimates_set(estimates=estimates, source=demo.SOURCE)
        counts["sales"] += property_sales_record_many(sales=[
            {**{k: v for k, v in s.items() if k != "external_id"}, "property_id": stored[ours[s["external_id"]]]}
            for s in chunk.sales if ours.get(s["external_id"]) in stored])
        if progress:
            progress(len(chunk.properties))
    return counts


def register_demo_facts_load(*, municipality: str, seed: int) -> dict[str, int]:
    """Generated building facts, feature tags, estimates and sales for the real properties of one municipality.

    The open register has the real matrikkelenheter, addresses and points; the demo draws the rest
    for that municipality (standins.demo) and marks every drawn fact synthetic. The properties
    are taken in external id order, so the same register and seed give the same facts.
    """
    props = list(
        Property.objects.filter(municipality_number=municipality, source="open_register", retired_at__isnull=True)
        .order_by("external_id")
        .values_list("external_id", "id")
    )
    counts = {"facts": 0, "estimates": 0, "sales": 0}
    offset = 0
    for chunk in demo.generate(len(props), seed, municipality=municipality):
        mine = props[offset:offset + len(chunk.properties)]
        offset += len(chunk.properties)
        ext_of = {row["external_id"]: ext for row, (ext, _) in zip(chunk.properties, mine, strict=True)}
        id_of = dict(mine)
        facts = {ext_of[row["external_id"]]: {name: row[name] for name in (
            "category", "building_type_code", "usable_area", "plot_area", "rooms", "bedrooms", "floors", "year_built",
            "features")} for row in chunk.properties}
        counts["facts"] += property_facts_set_many(facts=facts, source=FactSource.DEMO)
        current = {
            pk: (est, low, high, source)
            for pk, est, low, high, source in Property.objects.filter(id__in=list(id_of.values())).values_list(
                "id", "estimate", "estimate_low", "estimate_high", "estimate_source"
            )
        }
        estimates = [(id_of[ext_of[e]], est, low, high) for e, est, low, high in chunk.estimates
                     if current.get(id_of[ext_of[e]]) != (est, low, high, demo.SOURCE)]
        counts["estimates"] += property_estimates_set(estimates=estimates, source=demo.SOURCE)
        counts["sales"] += property_sales_record_many(sales=[
            {**{k: v for k, v in s.items() if k != "external_id"}, "property_id": id_of[ext_of[s["external_id"]]]}
            for s in chunk.sales])
    return counts

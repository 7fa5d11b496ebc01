"""The open REST client on Kartverket's recorded answers (served by the stand-in) and its own API description."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from properties.matrikkelen import rest
from properties.matrikkelen.rest import ADDRESS_FIELDS_READ, REST_PARAMETERS, RestSource
from properties.matrikkelen.soap import place_name
from standins.matrikkel.rest import RECORDED_DIR

SWAGGER = json.loads((Path(rest.__file__).with_name("openapi") / "adresser-v1-openapi.json").read_text("utf-8"))


def _recorded(name: str) -> list[dict]:
    return json.loads((RECORDED_DIR / name).read_text("utf-8"))["adresser"]


@pytest.fixture
def client(standin):
    return RestSource(base_url=standin.rest_base_url)


def test_every_parameter_the_client_sends_to_the_address_api_is_in_its_description():
    for path, parameters in REST_PARAMETERS.items():
        if not path.startswith("adresser/v1/"):
            continue
        described = {p["name"] for p in SWAGGER["paths"]["/" + path.removeprefix("adresser/v1/")]["get"]["parameters"]}
        assert set(parameters) <= described, (path, set(parameters) - described)
    required = {p["name"] for p in SWAGGER["paths"]["/punktsok"]["get"]["parameters"] if p.get("required")}
    assert required <= set(REST_PARAMETERS["adresser/v1/punktsok"])


def test_every_address_field_the_client_reads_is_in_the_description():
    assert set(ADDRESS_FIELDS_READ) <= set(SWAGGER["definitions"]["OutputAdresse"]["properties"])


def test_a_parameter_outside_the_list_is_refused_before_any_request(client, standin):
    from properties.matrikkelen.interface import MatrikkelError

    with pytest.raises(MatrikkelError, match="REST_PARAMETERS"):
        client._get("adresser/v1/sok", sokemodus="OR")
    assert not standin.calls


def _assert_same(address: dict, recorded: dict) -> None:
    assert address["text"] == recorded["adressetekst"]
    assert address["kind"] == recorded["objtype"]
    assert (address["street"], address["number"], address["letter"]) == (
        recorded["adressenavn"], recorded["nummer"], recorded["bokstav"])
    assert address["postcode"] == recorded["postnummer"] and address["town"] == place_name(recorded["poststed"])
    assert address["municipality_number"] == recorded["kommunenummer"]
    assert address["municipality_name"] == place_name(recorded["kommunenavn"])
    assert address["ident"] == (f"{recorded['kommunenummer']}-{recorded['gardsnummer']}/{recorded['bruksnummer']}/"
                                f"{recorded['festenummer']}/0")
    point = recorded["representasjonspunkt"]
    assert point["epsg"] == "EPSG:4258"
    assert abs(address["lat"] - point["lat"]) < 1e-7 and abs(address["lon"] - point["lon"]) < 1e-7
    assert address["changed"] == recorded["oppdateringsdato"]


def test_a_free_text_search_reads_the_recorded_answer_by_its_real_field_names(client, standin):
    found = client.addresses_search(text="Karl Johans gate 1", limit=3)

    recorded = _recorded("kartverket_search.json")
    assert len(found) == 3 and standin.calls["/adresser/v1/sok"] == 1
    for address, raw in zip(found, recorded, strict=True):
        _assert_same(address, raw)
    assert found[1]["ident"] == "0301-207/80/0/0" and found[1]["town"] == "Oslo"


def test_a_point_search_reads_the_recorded_answer(client):
    found = client.addresses_near(lat=59.9139, lon=10.7522, radius=200, limit=3)

    for address, raw in zip(found, _recorded("kartverket_punktsok.json"), strict=True):
        _assert_same(address, raw)


@pytest.mark.parametrize(("name", "number"), [("OutputAdresseList_Myrdalsvegen.json", ("4601", 189, 435)),
                                              ("OutputAdresseList_Finstadveien.json", ("1860", 43, 46)),
                                              ("OutputAdresseList_Valbergsveien.json", ("1860", 134, 1))])
def test_the_addresses_of_a_matrikkelenhet_are_read_from_recorded_answers(client, name, number):
    kommune, gnr, bnr = number

    found = client.addresses_of(kommunenummer=kommune, gnr=gnr, bnr=bnr)

    recorded = _recorded(name)
    assert len(found) == len(recorded)
    for address, raw in zip(found, recorded, strict=True):
        _assert_same(address, raw)


def test_a_search_longer_than_a_page_is_read_page_by_page(client, standin, monkeypatch):
    standin.rest._all_addresses()  # the stand-in indexes its addresses once
    everything = client.addresses_search(text="Strandbygdvegen", limit=1000)
    monkeypatch.setattr(rest, "MAX_PAGE", 7)

    paged = client.addresses_search(text="Strandbygdvegen", limit=1000)

    assert len(everything) > 20 and paged == everything
    assert standin.calls["/adresser/v1/sok"] == 1 + -(-len(everything) // 7)
    assert client.addresses_search(text="Gobakkvegen 438, Elverum", limit=5)[0]["ident"] == "3420-19/1/0/0"


def test_an_unexpected_answer_is_malformed_not_a_crash(client, standin, monkeypatch):
    from properties.matrikkelen.interface import MalformedResponse

    monkeypatch.setattr(standin.rest, "addresses", lambda path, q: (200, {"adresser": [{"adressetekst": "x"}]}))
    with pytest.raises(MalformedResponse):
        client.addresses_search(text="Storgata 1")

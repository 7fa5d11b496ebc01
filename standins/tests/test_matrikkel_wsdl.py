"""The stand-in serves Kartverket's own WSDLs and schemas: the same bytes, apart from the service address."""
from __future__ import annotations

import re

import pytest
import requests
from zeep import Client, Settings

from properties.matrikkelen import contract
from standins.matrikkel.dataset import Dataset
from standins.matrikkel.server import StandinServer


@pytest.fixture(scope="module")
def server():
    s = StandinServer(Dataset(count=50, seed=3)).start()
    yield s
    s.stop()


@pytest.mark.parametrize("service", contract.SERVICES)
def test_each_wsdl_is_byte_identical_to_the_vendored_file_apart_from_the_address(server, service):
    served = requests.get(f"{server.soap_base_url}{service}ServiceWS?WSDL", timeout=5).content
    address = contract.service_address(server.soap_base_url, service)

    assert served.count(address.encode()) == 1
    assert (
        served.replace(address.encode(), contract.ADDRESS_PLACEHOLDER.encode())
        == contract.wsdl_path(service).read_bytes()
    )


def test_every_schema_a_wsdl_imports_is_served_unchanged(server):
    names = set()
    for path in contract.WSDL_DIR.glob("*"):
        if path.suffix in (".wsdl", ".xsd"):
            names.update(re.findall(r'schemaLocation="([^"]+)"', path.read_text()))
    assert len(names) > 40
    for name in sorted(names):
        response = requests.get(f"{server.soap_base_url}{name}", timeout=5)
        assert response.status_code == 200 and response.content == (contract.WSDL_DIR / name).read_bytes(), name
    assert requests.get(f"{server.soap_base_url}..%2Fsettings.py", timeout=5).status_code == 404


def test_zeep_reads_the_served_wsdl_in_strict_mode_and_calls_the_stand_in_through_it(server):
    client = Client(f"{server.soap_base_url}EndringsloggServiceWS?WSDL", settings=Settings(strict=True))
    context = {"locale": "no_NO", "brukOriginaleKoordinater": False, "koordinatsystemKodeId": {"value": 11},
               "systemVersion": "trunk", "klientIdentifikasjon": "test"}

    answer = client.service.findSisteEndringId(matrikkelContext=context)

    assert answer == server.dataset.last_change_id  # zeep unwraps the MatrikkelEndringId to its value

"""The SOAP client on Kartverket's real contract: every request and answer validated against the real XSDs.

The stand-in records every SOAP request the client sends and every answer it returns on
loopback; each is validated with lxml against the vendored schemas of its service (faults
against exception.xsd). The WSDLs are loaded by zeep in strict mode, and every operation and
argument the client uses is looked up in them.
"""
from __future__ import annotations

from collections import Counter

import pytest
from lxml import etree
from zeep import Client, Settings

from properties.matrikkelen import contract
from properties.matrikkelen.interface import RequestRejected
from properties.matrikkelen.soap import SoapSource
from properties.matrikkelen.sync import matrikkel_refresh_property, matrikkel_sync
from properties.models import Property, SyncRun
from standins import demo
from standins.matrikkel.dataset import Dataset
from standins.matrikkel.server import StandinServer

from .conftest import COUNT, SEED

pytestmark = pytest.mark.django_db
SOAP_NS = contract.NS["soap"]


def _payload(raw: bytes):
    """The body's element (request or answer), or a fault's ServiceException detail; and whether it is a fault."""
    root = etree.fromstring(raw)
    assert etree.QName(root) == etree.QName(SOAP_NS, "Envelope")
    body = root.find(f"{{{SOAP_NS}}}Body")
    element = next(el for el in body if isinstance(el.tag, str))
    if etree.QName(element) == etree.QName(SOAP_NS, "Fault"):
        assert element.findtext("faultcode") and element.findtext("faultstring") is not None
        return next(el for el in element.find("detail") if isinstance(el.tag, str)), True
    return element, False


@pytest.fixture
def recording():
    server = StandinServer(Dataset(count=COUNT, seed=SEED), record=True).start()
    yield server
    server.stop()


def test_every_wsdl_loads_in_strict_mode_and_has_each_operation_and_argument_the_client_uses():
    for service in contract.SERVICES:
        client = Client(str(contract.wsdl_path(service)), settings=Settings(strict=True))
        binding = client.wsdl.bindings[contract.binding_qname(service)]
        for (svc, operation), arguments in contract.OPERATIONS.items():
            if svc != service:
                continue
            signature = [name for name, _ in binding.get(operation).input.body.type.elements]
            assert signature == [*arguments, "matrikkelContext"], (service, operation, signature)


def test_the_client_refuses_to_call_anything_outside_the_contract(source):
    from properties.matrikkelen.interface import MatrikkelError

    with pytest.raises(MatrikkelError, match="not in contract.OPERATIONS"):
        source._call("Endringslogg", "findEndringer", fraId=1)


def test_every_request_and_answer_of_full_and_incremental_syncs_and_lookups_is_valid(recording, settings):
    source = SoapSource(base_url=recording.soap_base_url, username="", password="")
    full = matrikkel_sync(kind=SyncRun.Kind.FULL, source=source, batch_size=90)
    recording.dataset.apply_changes(150, seed=8)
    street = recording.dataset.get(demo.MATRIKKELENHET_ID_OFFSET + 2)["addresses"][0]
    recording.dataset.rename_street(street["kommunenummer"], street["name"], "Nyvegen")
    incremental = matrikkel_sync(source=source, batch_size=40)
    some = Property.objects.order_by("id").first()
    settings.MATRIKKEL_SOURCE, settings.MATRIKKEL_BASE_URL, settings.MATRIKKEL_USERNAME = (
        "soap",
        recording.soap_base_url,
        "",
    )
    refreshed = matrikkel_refresh_property(property_id=some.pk, source=source)
    assert source.unit_by_ident(some.external_id)["id"] == some.matrikkelenhet_id
    assert source.unit_id_for_ident("0301-99999/1/0/0") is None  # a FinderException fault
    assert {"number": "0301", "name": "Oslo"} in source.municipalities()

    assert full.status == incremental.status == refreshed.status == SyncRun.Status.SUCCEEDED
    invalid, faults = [], Counter()
    for exchange in recording.exchanges:
        request, request_fault = _payload(exchange.request)
        answer, is_fault = _payload(exchange.response)
        assert not request_fault
        for what, element in (("request", request), ("answer", answer)):
            errors = contract.validation_errors(exchange.service, element)
            if errors:
                invalid.append((exchange.operation, what, errors[:2]))
        if is_fault:
            faults[answer.findtext(f"{{{contract.NS['exc']}}}category")] += 1
    assert invalid == []
    operations = Counter(e.operation for e in recording.exchanges)
    assert set(operations) == {op for _, op in contract.OPERATIONS}  # every operation the client knows, called
    assert sum(operations.values()) > 60
    assert faults == {":ServiceException:ApplicationException:FinderException:": 1}
    assert not any(name.endswith("?WSDL") for name in recording.calls)  # the WSDLs come from disk


def test_a_validation_fault_is_refused_at_once_and_not_retried(standin, source):
    standin.calls.clear()

    with pytest.raises(RequestRejected, match="ValidationException"):
        source._call("Endringslogg", "findEndringer", id=source._id("Endringslogg", "MatrikkelEndringId", 1),
                     domainklasse="MatrikkelBubbleObject", filter="not json", returnerBobler="Aldri", maksAntall=10)
    assert standin.calls["findEndringer"] == 1


def test_a_request_that_breaks_the_schema_is_refused_by_the_stand_in(standin):
    import requests

    body = (f'<s:Envelope xmlns:s="{SOAP_NS}"><s:Body><e:findEndringer xmlns:e="{contract.SERVICE_NS["Endringslogg"]}">'
            f'<e:fraId>5</e:fraId></e:findEndringer></s:Body></s:Envelope>')
    response = requests.post(f"{standin.soap_base_url}EndringsloggServiceWS", data=body.encode(),
                             headers={"Content-Type": "text/xml", "SOAPAction": '""'}, timeout=5)

    detail, is_fault = _payload(response.content)
    assert response.status_code == 500 and is_fault
    assert "ValidationException" in detail.findtext(f"{{{contract.NS['exc']}}}category")
    assert contract.validation_errors("Endringslogg", detail) == []

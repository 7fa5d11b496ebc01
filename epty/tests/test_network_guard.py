"""Tests reach loopback only (pytest-socket, pytest.ini); upstreams point at a closed loopback port."""
from __future__ import annotations

import socket

import pytest
import requests
from django.conf import settings
from pytest_socket import SocketConnectBlockedError


def test_a_connection_beyond_loopback_is_refused():
    with pytest.raises(SocketConnectBlockedError):
        socket.create_connection(("192.0.2.10", 80), timeout=1)  # TEST-NET-1: would leave the machine
    with pytest.raises(SocketConnectBlockedError):
        requests.get("http://198.51.100.7/", timeout=1)


def test_loopback_is_allowed_and_the_upstreams_point_at_a_closed_loopback_port():
    for url in (settings.MATRIKKEL_BASE_URL, settings.MATRIKKEL_REST_BASE_URL, settings.SSB_BASE_URL,
                settings.BANKID_ISSUER):
        assert url.startswith("http://127.0.0.1:9/"), url
        with pytest.raises(requests.ConnectionError):  # refused by the machine, not by the guard
            requests.get(url, timeout=2)

"""Matrikkelen (Kartverket's cadastre): clients, read cache, sync and the open register. See docs/matrikkelen.md.

- interface.py — the one interface every source implements, records and errors
- contract.py, wsdl/ — Kartverket's Matrikkel API contract (vendored WSDL/XSD), loaded by zeep from disk
- soap.py — the Matrikkel API (SOAP, zeep); rest.py, openapi/ — Kartverket's open REST APIs
- opendata.py — the open address register ("Matrikkelen - Adresse") import, from a file or the download feed
- cache.py — read-through Redis cache (stale-while-revalidate, single flight, counters)
- lookups.py — reads in the user's path (the property page, address suggestions), through the cache
- resilience.py — retries with backoff and jitter, circuit breaker
- mapping.py — record → property row (category, main building)
- sync.py — full import, incremental sync by the change log, refresh of one property

The development stand-in that speaks like Kartverket lives in the `standins` app (standins/matrikkel/).
"""

"""Matrikkelen (Kartverket's cadastre): clients, read cache and sync. See docs/matrikkelen.md.

- interface.py — the one interface every source implements, records and errors
- soap.py — the Matrikkel API (SOAP, zeep); rest.py — Kartverket's open REST APIs
- cache.py — read-through Redis cache (stale-while-revalidate, single flight, counters)
- resilience.py — retries with backoff and jitter, circuit breaker
- mapping.py — record → property row (category, main building)
- sync.py — full import, incremental sync by the change log, refresh of one property
- standin/ — loopback servers speaking like Kartverket, for tests and the embedded default
"""

"""Development-only stand-ins for the services epty talks to, and the demo data loader.

Installed by the local and test settings only (never in production): `matrikkel/` speaks like
Kartverket (the Matrikkel API over SOAP on the real contract, the open REST APIs, the Geonorge
download feed of the open address register) over generated and real open data.
"""

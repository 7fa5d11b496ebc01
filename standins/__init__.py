"""Development stand-ins, never installed in production: the BankID provider (``bankid/``), the
synthetic-Norway demo generator (``demo.py``, ``manage.py generate_demo``) and the Matrikkelen
stand-in (``matrikkel/``: the Matrikkel API over SOAP on the real contract, the open REST APIs, the
Geonorge download feed of the open address register, over generated and real open data). Local and
test settings install this app; production settings cannot import it (tested)."""

"""Development stand-ins, never installed in production: the BankID provider (``bankid/``), the
synthetic-Norway demo generator (``demo.py``, ``manage.py generate_demo``) and the Matrikkelen
stand-in. Local and test settings install this app; production settings cannot import it (tested)."""

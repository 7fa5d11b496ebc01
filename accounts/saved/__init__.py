"""Saved things (an app of its own, label ``saved``): collections of saved properties, saved searches
with their alerts, and search history. It builds on accounts (the user) and properties (the catalogue
and its search); alert e-mails leave through the outbox (epty.mail)."""

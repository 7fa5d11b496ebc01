"""The Matrikkelen stand-in: loopback servers that speak like Kartverket (see server.py)."""

"""Fictional test persons. Identity numbers are synthetic (Skatteetaten's test range: month + 80)."""

PERSONS = [
    {"bankid_altsub": "9578-6000-4-100001", "given_name": "Kari", "family_name": "Nordmann",
     "birthdate": "1985-03-14", "nnin_altsub": "14838510036"},
    {"bankid_altsub": "9578-6000-4-100002", "given_name": "Ola", "family_name": "Nordmann",
     "birthdate": "1979-11-02", "nnin_altsub": "02917910181"},
    {"bankid_altsub": "9578-6000-4-100003", "given_name": "Aisha", "family_name": "Berg",
     "birthdate": "1996-07-21", "nnin_altsub": "21879610009"},
    {"bankid_altsub": "9578-6000-4-100004", "given_name": "Lars", "family_name": "Haugen",
     "birthdate": "1958-01-30", "nnin_altsub": "30815810100"},
]
for person in PERSONS:
    person["name"] = f"{person['given_name']} {person['family_name']}"


def by_altsub(altsub: str) -> dict | None:
    return next((p for p in PERSONS if p["bankid_altsub"] == altsub), None)

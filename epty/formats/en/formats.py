"""Dates and times in English as epty's readers write them: day first, month in words, 24-hour clock.

Django's own "en" formats are American: 12/01/2026 is 1 December there and 12 January to a reader in Norway
or Britain. Day, month in words and year can't be misread. Formats not named here are Django's.
"""
DATE_FORMAT = "j F Y"  # 1 December 2026
SHORT_DATE_FORMAT = "j M Y"  # 1 Dec 2026
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "j F"

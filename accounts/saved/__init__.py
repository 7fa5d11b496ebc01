"""Collections of saved properties, saved searches with alerts, and search history (F3–F5)."""

"""Market trends: SSB's PxWeb API (price index, price per m²), an index from epty's own sales, comparable levels."""

"""Open311 GeoReport v2 intake for the citizen app."""

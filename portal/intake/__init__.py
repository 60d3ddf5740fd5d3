"""Intake for the City Office: routing rules for new cases, and bulk import of cases from a file."""

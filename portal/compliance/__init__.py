"""Compliance: the figures chairmen, the City Office and Home Affairs read, the overdue letter,
exports, inspections and the year-end list."""

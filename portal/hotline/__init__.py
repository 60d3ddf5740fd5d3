"""Hotline 1022: search any case, log calls, file cases for callers."""

"""Rosters of handlers under Công điện 05/CĐ-UBND, and staff account registration."""

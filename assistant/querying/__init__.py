"""Querying: a Plan -> the evidence an answer is composed from (exact record filters and aggregates,
hybrid retrieval, prose passages). Entry point: ``gather``."""

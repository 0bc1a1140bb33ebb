"""Ingest PIAO performance documents into validated objective records, a store and an index."""

"""Exact filters and aggregates over all records."""
from __future__ import annotations

import pytest

from assistant.catalog import Catalog
from assistant.lexicon import load_lexicon
from assistant.querying.records import extreme_weight, filter_records, parse_weight, sum_weights, weight_rows
from assistant.types import Filters


@pytest.fixture(scope="module")
def catalog(gold_records):
    return Catalog(gold_records, load_lexicon())


def ids(records):
    return [o.id for o in records]


def test_no_filter_returns_all_35(catalog):
    assert len(filter_records(catalog, Filters())) == 35


def test_filters(catalog):
    assert ids(filter_records(catalog, Filters(pnrr=True))) == ["affari-generali-1", "lavori-pubblici-2"]
    assert ids(filter_records(catalog, Filters(responsabile="Natascia Giomo"))) == [
        "entrate-1", "entrate-2", "entrate-3", "entrate-4"]
    assert ids(filter_records(catalog, Filters(destinatari="cittadini divario digitale"))) == [
        "affari-generali-2", "servizi-demografici-ed-elettorale-1"]
    assert ids(filter_records(catalog, Filters(classificazione="pari opportunita ed equilibrio di genere"))) == [
        "servizi-demografici-ed-elettorale-2", "vita-della-comunita-6", "entrate-4"]
    assert len(filter_records(catalog, Filters(settore="SETTORE VITA DELLA COMUNITÀ"))) == 6


def test_deadline_range(catalog):
    found = filter_records(catalog, Filters(scadenza_da="2023-07-01", scadenza_a="2023-09-30"))
    assert ids(found) == ["vita-della-comunita-2", "servizi-scolastici-5"]


def test_weights_30_and_30_percent_are_the_same():
    assert parse_weight("30") == parse_weight("30%") == 30.0
    assert parse_weight("n. 3") is None


def test_sector_weights_sum_to_100(catalog):
    for sector in {o.settore for o in catalog.records}:
        records = filter_records(catalog, Filters(settore=sector))
        assert sum_weights(records, 2023) == 100.0, sector


def test_objective_weight_is_card_weight_or_sum_of_year_rows(catalog):
    by_id = {o.id: o for o in catalog.records}
    assert weight_rows(by_id["servizi-scolastici-5"], 2023)[0] == 30.0
    assert weight_rows(by_id["vita-della-comunita-2"], 2023)[0] == 30.0
    assert weight_rows(by_id["vita-della-comunita-2"], 2024)[0] is None


def test_max_and_min_with_ties(catalog):
    records = filter_records(catalog, Filters(settore="SETTORE VITA DELLA COMUNITÀ"))
    assert ids(extreme_weight(records, 2023, "max")) == ["vita-della-comunita-3"]
    assert ids(extreme_weight(records, 2023, "min")) == ["vita-della-comunita-4", "vita-della-comunita-5"]

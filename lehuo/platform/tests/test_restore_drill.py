"""The restore drill on SQLite: back up, restore into a scratch database in another process,
compare every table and every module's dashboard figures; a difference fails it."""

import pytest

from lehuo.platform import drill


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_drill_restores_and_finds_every_figure_equal(tmp_path, settings, monkeypatch):
    from lehuo.accounts.models import Neighbourhood, Town

    town = Town.objects.create(code="drill", name="演练镇")
    Neighbourhood.objects.create(town=town, code="d1", name="演练一")
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "lehuo.settings_test")
    monkeypatch.delenv("TEST_DATABASE_URL", raising=False)
    result = drill.drill(workdir=str(tmp_path), log=lambda *a: None)
    assert result["ok"], result["differences"]
    assert result["tables"] > 40 and result["rows"] > 0
    assert result["figures"] > 2 * result["tables"]  # the modules' figures too
    assert not list(tmp_path.glob("*.gz"))  # the drill's backup is removed afterwards


@pytest.mark.django_db
def test_a_difference_in_a_table_or_a_figure_fails_the_drill():
    from lehuo.accounts.models import Town

    Town.objects.create(code="drill2", name="演练镇")
    live = drill.snapshot()
    assert drill.compare(live, live) == []
    changed = {"tables": dict(live["tables"]), "modules": live["modules"]}
    table = next(iter(changed["tables"]))
    changed["tables"][table] = {"rows": 1, "sha256": "0"}
    assert any(table in d for d in drill.compare(live, changed))
    moved = {"tables": live["tables"], "modules": {"drill2": {}}}
    if live["modules"]["drill2"]:
        assert drill.compare(live, moved)

"""Overrides (--set, params=): checked like the definition, errors located in the argument."""

from __future__ import annotations

from pathlib import Path

import pytest

import qframe
from qframe.check.overrides import parse_assignments
from qframe.cli.main import main

MINI = Path(__file__).parent / "fixtures" / "mini"


def payments(result: qframe.Result) -> dict[str, float]:
    ind = result.indicators
    p1 = ind[ind["unit_id"] == "P001"]
    return dict(zip(p1["indicator"], p1["payment"], strict=True))


def test_point_value_and_thresholds_override() -> None:
    # point value £180; DM007 thresholds 40%..80%: (62.5 − 40) / 40 × 17 = 9.5625 points
    # DM007 £ = 9.5625 × 180 = 1721.25; × 1.134430 = 1952.63; × 1.015625 = 1983.15
    # DM017 £ = 6 × 180 × 1.134430 × 1.015625 = 1244.33; BP002 £ = 13.125 × 180 × 1.134430 = 2680.09
    result = qframe.load(MINI).evaluate(
        MINI / "data", params={"point_value": "£180", "DM007.thresholds": "40% .. 80%"}
    )
    assert payments(result) == {"DM017": 1244.33, "DM007": 1983.15, "BP002": 2680.09}
    assert result.manifest["overrides"] == {"point_value": "£180", "DM007.thresholds": "40% .. 80%"}
    # the loaded framework is unchanged: the next evaluation uses the definition's values
    assert payments(qframe.load(MINI).evaluate(MINI / "data"))["DM007"] == 2113.06


def test_max_points_override() -> None:
    result = qframe.load(MINI).evaluate(MINI / "data", params={"DM017.max_points": "12"})
    assert payments(result)["DM017"] == pytest.approx(2 * 1084.78, abs=0.011)


def test_override_errors_are_located(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(
            [
                "evaluate",
                str(MINI),
                "--data",
                str(MINI / "data"),
                "--out",
                "/tmp/qframe-never",
                "--set",
                "point_value=true",
                "--set",
                "DM07.thresholds=40%..80%",
            ]
        )
    err = capsys.readouterr().err
    assert info.value.code == 1
    assert "--set:1:13: error Q241 `point_value` must be money, not a boolean" in err
    assert "hint: write money with £, e.g. £180" in err
    assert "unknown indicator `DM07`" in err and "`DM007`" in err


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"point_value": True}, "must be money"),
        ({"point_value": None}, "must be money"),
        ({"point_value": "£1 +"}, "ends too early"),
        ({"point_valeu": 1.0}, "did you mean `point_value`"),
        ({"DM007.thresholds": "80% .. 40%"}, "lower threshold must be below"),
        ({"DM007.colour": "1"}, "has no field or parameter"),
    ],
)
def test_bad_overrides_from_python(params: dict[str, object], message: str) -> None:
    with pytest.raises(qframe.DefinitionError) as info:
        qframe.load(MINI).evaluate(MINI / "data", params=params)
    assert message in info.value.render()


def test_assignment_needs_an_equals_sign() -> None:
    with pytest.raises(qframe.DefinitionError, match="NAME=VALUE"):
        parse_assignments(["point_value"])


def test_a_plain_number_for_money_means_pounds_everywhere(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Issue 15, wrong results 5: one rule for the API and --set (and --sweep): a plain number
    given for a money parameter means pounds; a percentage never does."""
    fw = qframe.load(MINI)
    by_text = fw.evaluate(MINI / "data", params={"point_value": "180"}).total("payment")
    by_number = fw.evaluate(MINI / "data", params={"point_value": 180.0}).total("payment")
    by_pounds = fw.evaluate(MINI / "data", params={"point_value": "£180"}).total("payment")
    assert by_text == by_number == by_pounds
    with pytest.raises(qframe.DefinitionError, match="must be money, not a number"):
        fw.evaluate(MINI / "data", params={"point_value": "18%"})
    with pytest.raises(SystemExit) as info:
        args = ["evaluate", str(MINI), "--data", str(MINI / "data"), "--set", "point_value=180"]
        main([*args, "--out", str(tmp_path / "out")])
    assert info.value.code == 0, capsys.readouterr().err

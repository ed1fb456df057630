from imr_determinations.evaluation.tok2vec_curve import SHOWN, render


def _scores(f: float) -> dict[str, float]:
    return {row: f for row in SHOWN}


def test_a_point_is_the_mean_of_its_seeds_and_its_speed_ratio() -> None:
    report = {
        "seeds": [0, 1],
        "points": {
            "d1": {
                "label": "width 64, depth 1",
                "scores": {"real_test": {"d1_seed0": _scores(0.8), "d1_seed1": _scores(0.6)}},
                "timing": {"d1_seed0": {"words_per_s": 20000, "ratio": 0.2},
                           "d1_seed1": {"words_per_s": 22000, "ratio": 0.3}},
            },
            "untimed": {"label": "not scored on this split", "scores": {}, "timing": {}},
        },
    }
    table = render(report, "real_test")
    row = [line for line in table.splitlines() if line.startswith("| width 64, depth 1")]
    assert row == ["| width 64, depth 1 | 2 | " + " | ".join(["0.700"] * len(SHOWN)) + " | 21,000 | 0.250 |"]
    assert "not scored" not in table

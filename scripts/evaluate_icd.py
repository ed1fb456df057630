"""ICD-10-CM lookup accuracy on the gold diagnoses (imr_determinations.evaluation.icd_eval)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from imr_determinations.evaluation.icd_eval import evaluate


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--gold", type=Path, default=Path("corpus/gold/diagnosis_codes.json"))
    ap.add_argument("--letters", type=Path, default=Path(os.environ.get("LETTERS_DIR", "../shared/letters")))
    ap.add_argument("--output", type=Path, default=Path("training/metrics/icd.json"))
    args = ap.parse_args()
    if not args.letters.is_dir():
        print(f"evaluate-icd skipped: no letters at {args.letters} (set LETTERS_DIR)")
        return 0
    metrics = evaluate(args.gold, args.letters)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(metrics, indent=2) + "\n")
    print(json.dumps(metrics, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

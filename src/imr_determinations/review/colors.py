"""One colour per label, shared by the review page and the Label Studio config (displaCy-like pastels)."""

from __future__ import annotations

LABEL_COLORS: dict[str, str] = {
    "DISPUTED_SERVICE": "#7aecec",
    "DECISION": "#bfe1d9",
    "GUIDELINE": "#feca74",
    "PAGE_RANGE": "#c887fb",
    "CLINICAL_FINDING": "#ff9561",
    "DIAGNOSIS": "#aa9cfc",
}

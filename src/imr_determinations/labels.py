"""Label inventory shared by the corpus generator, the configs, the gold tools and the linker."""

NER_LABELS: tuple[str, ...] = ("DISPUTED_SERVICE", "DECISION", "GUIDELINE", "PAGE_RANGE")
SPAN_LABELS: tuple[str, ...] = ("CLINICAL_FINDING", "DIAGNOSIS")
ALL_LABELS: tuple[str, ...] = NER_LABELS + SPAN_LABELS

# spancat reads and writes doc.spans[SPANS_KEY]; the gold and synthetic DocBins copy those spans under
# CANDIDATES_KEY
SPANS_KEY = "sc"
CANDIDATES_KEY = "candidates"
SECTIONS_KEY = "sections"
# imr_missing_findings writes the findings the reviewer says the records lack here, apart from
# spancat's documented findings
MISSING_KEY = "missing"

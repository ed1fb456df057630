"""Disputed items and their guideline citations, drawn from the split's lexicon."""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache

from imr_determinations.package_data import lexicon_dir as packaged_lexicon_dir
from imr_determinations.synth.compose import Lab, Piece, join_pieces
from imr_determinations.synth.facts import fill_slots, fmt_date, rand_date
from imr_determinations.synth.lexicon import GuidelineName, ServiceForm, SplitLexicon

CATEGORY_WEIGHTS: dict[str, float] = {
    "medication": 0.30,
    "topical": 0.08,
    "imaging": 0.14,
    "therapy": 0.14,
    "electrodiagnostic": 0.05,
    "injection": 0.07,
    "dme": 0.06,
    "surgery": 0.04,
    "program": 0.02,
    "lab": 0.03,
    "consult": 0.04,
    "psych": 0.03,
    "home_health": 0.02,
    "other": 0.02,
}
UPHELD = "UPHELD"
OVERTURNED = "OVERTURNED"
NUMBER_WORDS = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
)


@dataclass
class Item:
    """One disputed item: the service text decided on, the decision and partial-certification parts."""

    form: ServiceForm
    text: str
    decision: str
    prefix: str = ""  # "Associated surgical service: " - outside the span (corpus/ANNOTATION.md)
    original: str | None = None
    authorized: str | None = None
    whole_original: bool = False

    @property
    def category(self) -> str:
        return self.form.category


@cache
def _sentence_start_words() -> frozenset[str]:
    text = (packaged_lexicon_dir() / "sentence_start_words.txt").read_text(encoding="utf-8")
    return frozenset(w.strip() for w in text.splitlines() if w.strip() and not w.startswith("#"))


def mid_sentence(text: str) -> str:
    """Lower-case a leading common word ("Physical therapy" -> "physical therapy"), keep names."""
    first = text.split(" ", 1)[0]
    if len(first) > 1 and first[0].isupper() and first[1:].islower() and first.isalpha():
        if first in _sentence_start_words():
            return first.lower() + text[len(first) :]
    return text


def pick_category(rng: random.Random, lex: SplitLexicon) -> str:
    cats = [c for c in CATEGORY_WEIGHTS if c in lex.by_category]
    return rng.choices(cats, weights=[CATEGORY_WEIGHTS[c] for c in cats])[0]


PREFIXES = ("Associated surgical service: ", "Associated surgical services: ")


def split_prefix(text: str) -> tuple[str, str]:
    """Separate a category prefix ("Associated surgical service: ") from the service itself."""
    for p in PREFIXES:
        if text.startswith(p):
            return p, text[len(p) :]
    return "", text


def realise(form: ServiceForm, rng: random.Random, year: int) -> str:
    text = form.surface
    if "{date}" in text:
        text = text.replace(
            "{date}", fmt_date(rand_date(rng, year - 1, year), rng.choice(("slash", "slash0")))
        )
    return text


def make_items(
    rng: random.Random, lex: SplitLexicon, n: int, year: int, overturn_rate: float, partial_rate: float
) -> list[Item]:
    """``n`` distinct items; a surgery pulls in associated surgical services after it."""
    items: list[Item] = []
    used: set[str] = set()
    while len(items) < n:
        cat = pick_category(rng, lex)
        form = rng.choice(lex.by_category[cat])
        if form.surface in used:
            continue
        used.add(form.surface)
        decision = OVERTURNED if rng.random() < overturn_rate else UPHELD
        prefix, text = split_prefix(realise(form, rng, year))
        item = Item(form, text, decision, prefix=prefix)
        if rng.random() < partial_rate:
            _make_partial(item, rng)
        items.append(item)
        if cat == "surgery" and "associated" in lex.by_category:
            for _ in range(min(rng.randint(0, 3), n - len(items))):
                assoc = rng.choice(lex.by_category["associated"])
                if assoc.surface in used:
                    continue
                used.add(assoc.surface)
                # associated services follow the surgery's fate
                prefix, text = split_prefix(realise(assoc, rng, year))
                items.append(Item(assoc, text, decision, prefix=prefix))
    return items


def _make_partial(item: Item, rng: random.Random) -> None:
    """Turn an item into a partial certification; ``item.text`` becomes the IMR-eligible remainder."""
    text = item.text
    if item.category == "medication" and "refill" not in text and "DOS" not in text and "#" in text:
        k = rng.randint(1, 3)
        item.original = f"{text} with {NUMBER_WORDS[k]} refills"
        item.authorized = text
        item.text = f"{NUMBER_WORDS[k].capitalize()} refills of {text}"
    elif item.category in ("therapy", "psych"):
        total = rng.choice((8, 10, 12, 18))
        given = rng.choice((2, 4, 6))
        item.original = f"{text} ({total} sessions)" if "session" not in text else text
        item.authorized = f"{given} sessions"
        item.text = f"{total - given} additional sessions of {mid_sentence(text)}"
    elif item.category == "dme" and not text.startswith("Purchase"):
        item.original = f"{text} purchase"
        item.authorized = f"{mid_sentence(text)} rental for 30 days"
        item.text = f"Purchase of {mid_sentence(text)}"
    else:
        item.original = text
        item.authorized = rng.choice(("a modified quantity", "an initial trial", "a lesser quantity"))
        item.whole_original = True


# ---------------- guidelines ----------------

# bare sources named as authority in rationales: shared boilerplate, never lexicon entries
BARE_AUTHORITIES: dict[str, tuple[str, ...]] = {
    "*": ("MTUS", "CA MTUS", "ODG", "Official Disability Guidelines", "MTUS guidelines"),
    "medication": ("MTUS Chronic Pain Guidelines", "California MTUS"),
    "topical": ("MTUS Chronic Pain Guidelines",),
    "imaging": ("ACOEM", "ACOEM Guidelines"),
    "electrodiagnostic": ("ACOEM", "ACOEM Guidelines"),
    "therapy": ("MTUS Chronic Pain Guidelines", "MTUS Acupuncture Guidelines"),
    "injection": ("MTUS Chronic Pain Guidelines", "ACOEM"),
    "surgery": ("ACOEM", "ACOEM Guidelines"),
    "associated": ("MTUS Postsurgical Guidelines",),
}


def bare_authority(rng: random.Random, category: str) -> str:
    pool = BARE_AUTHORITIES["*"] + BARE_AUTHORITIES.get(category, ())
    return rng.choice(pool)


def guideline_candidates(lex: SplitLexicon, category: str, families: tuple[str, ...]) -> list[GuidelineName]:
    out = [g for g in lex.guidelines if g.family in families and (category in g.cats or "*" in g.cats)]
    if not out:
        out = [g for g in lex.guidelines if g.family in families]
    if not out:
        out = list(lex.guidelines)
    return out


def page_ranges(
    rng: random.Random, g: GuidelineName | None, topic_pages: tuple | None
) -> list[tuple[int, int]]:
    pool = list(topic_pages or ()) or list(g.pages if g else ())
    if not pool:
        a = rng.randint(8, 350)
        pool = [(a, a + rng.randint(0, 3))]
    first = rng.choice(pool)
    out = [first]
    if rng.random() < 0.2:
        extra = first[1] + rng.randint(2, 14)
        out.append((extra, extra + rng.choice((0, 0, 1, 2))))
    return out


def page_text(ranges: list[tuple[int, int]], rng: random.Random) -> str:
    parts = [str(a) if a == b else f"{a}-{b}" for a, b in ranges]
    return parts[0] if len(parts) == 1 else rng.choice((", ", "; ")).join(parts)


PAGE_PREFIXES_MULTI = ("Page(s): ", "pages ", "pp. ", "p. ")
PAGE_PREFIXES_SINGLE = ("Page(s): ", "page ", "p. ", "pg. ")


def pages_piece(
    rng: random.Random, ranges: list[tuple[int, int]], prefixes: tuple[str, ...] | None = None
) -> list[Piece]:
    """ "Page(s): 303-305" -> prefix plain, numbers labelled PAGE_RANGE."""
    txt = page_text(ranges, rng)
    single = len(ranges) == 1 and ranges[0][0] == ranges[0][1]
    prefix = rng.choice(prefixes or (PAGE_PREFIXES_SINGLE if single else PAGE_PREFIXES_MULTI))
    return [prefix, Lab(txt, "PAGE_RANGE", "citation")]


def pick_topic(rng: random.Random, lex: SplitLexicon, item: Item):
    cls = item.form.cls
    topics = [t for t in lex.pain_topics if cls and cls in t.classes]
    if not topics:
        topics = [t for t in lex.pain_topics if item.category in t.cats]
    if not topics:
        topics = [t for t in lex.pain_topics if "*" in t.cats] or list(lex.pain_topics)
    return rng.choice(topics)


def citation_2016(rng: random.Random, lex: SplitLexicon, item: Item, who: str) -> list[Piece]:
    """The body of a "Claims Administrator guideline:" / "MAXIMUS guideline:" line (2016 style)."""
    actor = "The Claims Administrator" if who == "ca" else "The Expert Reviewer"
    r = rng.random()
    if r < 0.08:
        return [f"{actor} did not cite any medical evidence for its decision."]
    out: list[Piece] = []
    non_mtus_only = r < 0.18
    if non_mtus_only:
        out.append(f"{actor} based their decision on recommendation(s) outside of the MTUS Guidelines. ")
    else:
        mtus = guideline_candidates(
            lex, item.category, ("mtus_body", "chronic_pain", "acupuncture", "postsurgical")
        )
        picks = [rng.choice(mtus)]
        if rng.random() < 0.25:
            other = rng.choice(mtus)
            if other.name != picks[0].name:
                picks.append(other)
        out.append("Decision based on ")
        cited: list[Piece] = []
        for g in picks:
            part: list[Piece] = [Lab(g.name, "GUIDELINE", "citation")]
            section = None
            if g.family == "chronic_pain" and rng.random() < 0.85:
                section = pick_topic(rng, lex, item).topic
            elif g.sections and rng.random() < 0.6:
                section = rng.choice(g.sections)
            if section:
                part.append(f", Section(s): {section}")
            cited.append(part)
        out.extend(join_pieces(cited, sep=", and ", last=", and "))
        out.append(". ")
    if non_mtus_only or rng.random() < 0.4:
        odg = guideline_candidates(lex, item.category, ("odg", "acoem3", "peer_reviewed", "regulation"))
        g = rng.choice(odg)
        out.extend(["Decision based on Non-MTUS Citation ", Lab(g.name, "GUIDELINE", "citation")])
        if g.pages and rng.random() < 0.5:
            out.append(", ")
            out.extend(pages_piece(rng, page_ranges(rng, g, None), ("pg. ", "page ", "p. ")))
        out.append(". ")
    # strip the trailing space of the last sentence
    if isinstance(out[-1], str):
        out[-1] = out[-1].rstrip()
    return out


def citation_paged(rng: random.Random, lex: SplitLexicon, item: Item) -> list[Piece]:
    """Seed-layout citation: "<guideline> Page(s): <pages>." (pages for paged sources)."""
    fams = ("acoem", "chronic_pain", "acupuncture", "postsurgical")
    g = rng.choice(guideline_candidates(lex, item.category, fams))
    out: list[Piece] = [Lab(g.name, "GUIDELINE", "citation")]
    topic_pages = None
    if g.family == "chronic_pain":
        topic = pick_topic(rng, lex, item)
        topic_pages = topic.pages
    if g.pages or topic_pages or rng.random() < 0.5:
        out.append(" ")
        out.extend(pages_piece(rng, page_ranges(rng, g, topic_pages), ("Page(s): ",)))
    out.append(".")
    return out


def citation_prose(rng: random.Random, lex: SplitLexicon, item: Item) -> tuple[list[Piece], GuidelineName]:
    """ "the <guideline>, pages 303-305" for notice/professional layouts."""
    fams = ("acoem", "chronic_pain", "acupuncture", "postsurgical", "mtus_body", "odg", "acoem3")
    g = rng.choice(guideline_candidates(lex, item.category, fams))
    out: list[Piece] = [Lab(g.name, "GUIDELINE", "citation")]
    topic_pages = None
    if g.family == "chronic_pain":
        topic = pick_topic(rng, lex, item)
        topic_pages = topic.pages
        out.append(f", {topic.topic} section")
    if g.pages or topic_pages:
        out.append(", ")
        out.extend(pages_piece(rng, page_ranges(rng, g, topic_pages)))
    return out, g


def finding(rng: random.Random, lex: SplitLexicon, role: str = "summary") -> Lab:
    if lex.finding_grammar.share and rng.random() < lex.finding_grammar.share:
        return Lab(lex.finding_grammar.compose(rng), "CLINICAL_FINDING", role)
    return Lab(fill_slots(rng.choice(lex.findings), rng), "CLINICAL_FINDING", role)


def diagnosis(rng: random.Random, lex: SplitLexicon) -> Lab:
    return Lab(fill_slots(rng.choice(lex.diagnoses), rng), "DIAGNOSIS", "summary")


def history(rng: random.Random, lex: SplitLexicon) -> str:
    return fill_slots(rng.choice(lex.history), rng)

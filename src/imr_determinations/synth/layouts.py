"""The five DWC IMR letter layouts, composed from template variants and lexicon entries.

Each layout writes logical lines (one paragraph per line) into a :class:`Builder`; line
wrapping and other extraction noise are applied afterwards by ``noise``. Span roles:
``heading`` (the item's own DISPUTED_SERVICE mention), ``item_decision`` (the item's
DECISION), ``summary``, ``closing``, ``restatement``, ``citation``, ``rationale``,
``symptom`` (composed symptom reports, not lexicon findings).

Over 500 lines: the five layouts share one Builder and one context, one function per layout.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from imr_determinations.synth import templates as T
from imr_determinations.synth.compose import Builder, Lab, Piece, join_pieces
from imr_determinations.synth.facts import case_number, fmt_date, rand_date
from imr_determinations.synth.items import (
    OVERTURNED,
    Item,
    bare_authority,
    citation_2016,
    citation_paged,
    citation_prose,
    diagnosis,
    finding,
    guideline_candidates,
    history,
    make_items,
    mid_sentence,
    page_ranges,
    pick_topic,
)
from imr_determinations.synth.lexicon import SplitLexicon

LAYOUTS: tuple[str, ...] = ("seed_2014", "dwc_2016", "notice_2013", "maximus_later", "professional_review")

BOILERPLATE_HOW = (
    "MAXIMUS Federal Services sent the complete case file to an expert reviewer. He/she has no affiliation "
    "with the employer, employee, providers or the claims administrator.{specialty} He/she has been in "
    "active "
    "clinical practice for more than five years and is currently working at least 24 hours a week in active "
    "practice. The expert reviewer was selected based on his/her clinical experience, education, background, "
    "and expertise in the same or similar specialties that evaluate and/or treat the medical condition and "
    "disputed items/{svc}. He/she is familiar with governing laws and regulations, including the strength of "
    "evidence hierarchy that applies to Independent Medical Review determinations."
)
SPECIALTY_SENTENCE = (
    " The expert reviewer is Board Certified in {spec} and is licensed to practice in California."
)
SUMMARY_INTRO = (
    "The expert reviewer developed the following clinical case summary based on a review of the "
    "case file, including all medical records:"
)
FINAL_INTRO = (
    "The Final Determination was based on decisions for the disputed items/services set forth below:"
)

SUPPORT: dict[str, tuple[str, ...]] = {
    "support": (
        "In this case, the records document {pos}.",
        "The treating provider documented {pos}, which meets the guideline criteria.",
        "Here, the medical records clearly establish {pos}.",
        "The submitted documentation shows {pos}.",
        "There is sufficient evidence of {pos} in the recent reports.",
    ),
}
POSITIVES = (
    "objective functional improvement with prior treatment",
    "failure of an adequate course of conservative care",
    "a progressive neurologic deficit on examination",
    "a clear plan with specific functional goals",
    "measurable improvement in pain and function",
    "new symptoms since the prior study",
)


@dataclass
class Ctx:
    """Everything one letter is composed from."""

    rng: random.Random
    lex: SplitLexicon
    split: str
    layout: str
    year: int
    items: list[Item]
    b: Builder = field(default_factory=Builder)
    sep: str = " "
    glue: bool = False
    upper_headings: bool = False
    case_number: str = ""
    variants_used: list[str] = field(default_factory=list)

    def choose(self, family: str, pool: dict[str, tuple[str, ...]] | None = None) -> str:
        v = self.rng.choice(T.variants(family, self.split, pool))
        self.variants_used.append(family)
        return v

    def date(self, style: str | None = None, years_back: int = 0) -> str:
        d = rand_date(self.rng, self.year - years_back, self.year)
        return fmt_date(d, style or self.rng.choice(("slash", "slash0", "dash2", "long", "slash2")))

    def sentence(self, template: str, **slots: Piece) -> None:
        self.b.fmt(template, **slots)
        self.b.add(self.sep)

    def end_paragraph(self) -> None:
        self.b.rstrip_spaces()  # no sentence separator before the line break
        self.b.add("\n")


def symptom(rng: random.Random) -> Lab:
    """A symptom report ("low back pain that radiates into the legs"): a CLINICAL_FINDING."""
    text = rng.choice(T.COMPLAINTS) + rng.choice(
        ("", "", f" that radiates into the {rng.choice(T.LIMBS)}", " with numbness and tingling")
    )
    return Lab(text, "CLINICAL_FINDING", "symptom")


def verdict(item: Item, long: bool, role: str) -> Lab:
    text = "medically necessary" if item.decision == OVERTURNED else "not medically necessary"
    if long:
        text += " and appropriate"
    return Lab(text, "DECISION", role)


def svc(item: Item, role: str, mid: bool = True) -> Lab:
    return Lab(mid_sentence(item.text) if mid else item.text, "DISPUTED_SERVICE", role)


def heading_word(item: Item) -> str:
    return "Overturned" if item.decision == OVERTURNED else "Upheld"


# ---------------- shared sections ----------------


def summary(ctx: Ctx, seed_style: bool = False) -> None:
    """Case summary paragraph: opening, complaints, requests, history, findings, diagnoses."""
    r, lex = ctx.rng, ctx.lex
    doi = rand_date(r, ctx.year - 4, ctx.year - 1)
    ctx.sentence(
        ctx.choose("opening"),
        age=str(r.randint(22, 71)),
        sex=r.choice(T.SEXES),
        doi=fmt_date(doi, r.choice(("slash", "slash2", "dash", "slash0"))),
        doi_long=fmt_date(doi, "long"),
        complaint=r.choice(T.COMPLAINTS),
        occupation=r.choice(T.OCCUPATIONS),
        mechanism=r.choice(T.MECHANISMS),
        region=r.choice(T.REGIONS),
    )
    requested = [it for it in ctx.items if it.original is None][:6]
    plain = [it for it in ctx.items if it.original is not None]

    def request() -> None:
        if requested:
            ctx.sentence(
                ctx.choose("request"),
                SS=join_pieces([svc(it, "summary") for it in requested]),
                date=ctx.date(),
                date_long=ctx.date("long"),
                date_dash=ctx.date("dash2"),
            )
        for it in plain:
            ctx.sentence(
                "The original Utilization Review ({d}) modified the requested treatment.", d=ctx.date("dash")
            )
            ctx.sentence("{o} was the original request.", o=it.original or "")
            ctx.sentence("The Claims Administrator authorized {a}.", a=it.authorized or "")

    def complaint() -> None:
        ctx.sentence(ctx.choose("complaint_line"), C=symptom(r))

    def hist() -> None:
        ctx.sentence(ctx.choose("history"), H=history(r, lex), H2=history(r, lex))

    def findings() -> None:
        ctx.sentence(
            ctx.choose("findings"),
            F=finding(r, lex),
            F2=finding(r, lex),
            F3=finding(r, lex),
            region=r.choice(T.REGIONS),
            date=ctx.date(),
            C=symptom(r),
        )

    def dx() -> None:
        dxs = [diagnosis(r, lex) for _ in range(r.choice((1, 1, 2, 3)))]
        sep_dx = r.choice((", ", "; "))
        ctx.sentence(ctx.choose("diagnoses"), DX=join_pieces(dxs, sep=sep_dx, last=sep_dx + "and "))

    body = [complaint, hist, findings, dx]
    if r.random() < 0.5:
        body.append(findings)
    if r.random() < 0.4:
        body.append(hist)
    r.shuffle(body)
    statements: list[Callable[[], None]] = ([request] + body) if r.random() < 0.5 else (body + [request])
    for st in statements:
        st()
    if r.random() < 0.2:  # "upheld" in another sense: a hard negative for DECISION
        ctx.sentence(ctx.choose("upheld_other"), date=ctx.date())
    if seed_style and requested and r.random() < 0.6:
        ctx.sentence(
            ctx.choose("noncert_close"),
            SS=join_pieces([svc(it, "summary") for it in requested]),
            date=ctx.date("slash2"),
        )
    ctx.end_paragraph()


def rationale(ctx: Ctx, item: Item, long: bool, closing: str, closing_role: str = "closing") -> None:
    """Rationale sentences for one item, ending in a verdict statement about it."""
    r, lex = ctx.rng, ctx.lex
    if closing == "2016" and r.random() < 0.15:
        ctx.sentence(
            ctx.choose("rationale_opening_statement"),
            S=svc(item, "restatement"),
            D=verdict(item, long, "closing"),
        )
    lead = ctx.choose("rationale_lead")
    claim = r.choice(T.claims(item.category, ctx.split))
    if "{P}" in lead:
        g = r.choice(
            guideline_candidates(
                lex, item.category, ("acoem", "chronic_pain", "acupuncture", "postsurgical", "acoem3")
            )
        )
        topic_pages = pick_topic(r, lex, item).pages if g.family == "chronic_pain" else None
        a, bb = page_ranges(r, g, topic_pages)[0]
        ptxt = str(a) if a == bb else f"{a}-{bb}"
        ctx.sentence(
            lead, G=Lab(g.name, "GUIDELINE", "rationale"), P=Lab(ptxt, "PAGE_RANGE", "rationale"), claim=claim
        )
    else:
        ctx.sentence(lead, G=Lab(bare_authority(r, item.category), "GUIDELINE", "rationale"), claim=claim)
    if r.random() < 0.45:
        ctx.sentence(
            ctx.choose("rationale_finding"), F=finding(r, lex, "rationale"), gap_short=r.choice(T.GAPS_SHORT)
        )
    if r.random() < 0.3:
        ctx.sentence(ctx.choose("rationale_history"), H=history(r, lex))
    if item.decision == OVERTURNED:
        ctx.sentence(ctx.choose("support", SUPPORT), pos=r.choice(POSITIVES))
    else:
        ctx.sentence(ctx.choose("rationale_gap"), gap=r.choice(T.GAPS))
    if item.original is not None and r.random() < 0.5:
        ctx.sentence("{o} was the original request.", o=item.original)
    if closing == "seed":
        fam = "closing_seed"
    elif closing_role == "item_decision" or r.random() < 0.55:
        fam = "closing_service"
    else:
        fam = "closing_short"
    tmpl = ctx.choose(fam)
    slots: dict[str, Piece] = {"D": verdict(item, long, closing_role)}
    if "{S}" in tmpl:
        slots["S"] = svc(item, "closing")
    ctx.sentence(tmpl, **slots)
    ctx.end_paragraph()


def _heading_service(ctx: Ctx, item: Item) -> None:
    text = item.text.upper() if ctx.upper_headings else item.text
    ctx.b.add(item.prefix.upper() if ctx.upper_headings else item.prefix)
    ctx.b.add(Lab(text, "DISPUTED_SERVICE", "heading"))


def _heading_decision(ctx: Ctx, item: Item, gap: str) -> None:
    ctx.b.add(gap)
    ctx.b.add(Lab(heading_word(item), "DECISION", "item_decision"))


def _line_end_or_glue(ctx: Ctx) -> None:
    """A line break, or nothing when column extraction glued two lines ("UpheldClaims").

    Only after "word" or "word." - the tokenizer's infixes split exactly those joins.
    """
    tail = ctx.b.tail(2)
    if (
        ctx.glue
        and ctx.rng.random() < 0.5
        and (tail[-1:].isalnum() or (tail[-1:] == "." and tail[:1].isalnum()))
    ):
        return
    ctx.b.add("\n")


def credentials_2016(ctx: Ctx) -> None:
    r, lex = ctx.rng, ctx.lex
    others = [s for s in lex.states if s != "California"]
    states = ["California"] + r.sample(others, k=min(r.randint(0, 2), len(others)))
    r.shuffle(states)
    specs = r.sample(lex.specialties, k=min(len(lex.specialties), r.choice((1, 1, 2))))
    b = ctx.b
    b.line("The Expert Reviewer has the following credentials:")
    b.line("State(s) of Licensure: " + r.choice((", ", ",")).join(states))
    b.line("Certification(s)/Specialty: " + ", ".join(specs))


# ---------------- layouts ----------------


def layout_seed(ctx: Ctx) -> None:
    r, b = ctx.rng, ctx.b
    ctx.sep = r.choice(("  ", " "))
    spec = r.choice(ctx.lex.specialties)
    b.line(" HOW THE IMR FINAL DETERMINATION WAS MADE ")
    b.line(
        BOILERPLATE_HOW.format(
            specialty=SPECIALTY_SENTENCE.format(spec=spec),
            svc="services",
        )
    )
    b.line("CLINICAL CASE SUMMARY")
    b.line(SUMMARY_INTRO)
    summary(ctx, seed_style=True)
    b.line("IMR ISSUES, DECISIONS AND RATIONALES")
    b.line(FINAL_INTRO)
    for item in ctx.items:
        _heading_service(ctx, item)
        b.add(":")
        _heading_decision(ctx, item, r.choice(("  ", " ", "  \n")))
        _line_end_or_glue(ctx)
        b.add("Claims Administrator guideline: Decision based on ")
        b.add(citation_paged(r, ctx.lex, item))
        _line_end_or_glue(ctx)
        b.add("MAXIMUS guideline: Decision based on ")
        b.add(citation_paged(r, ctx.lex, item))
        b.add("\n")
        b.add("Decision rationale: ")
        rationale(ctx, item, long=True, closing="seed")


def layout_2016(ctx: Ctx) -> None:
    r, b = ctx.rng, ctx.b
    ctx.sep = " "
    b.line(f"Case Number: {ctx.case_number}")
    dates = sorted(rand_date(r, ctx.year - 1, ctx.year) for _ in range(4))
    doi = rand_date(r, ctx.year - 8, ctx.year - 1)
    assigned, ur, received, decided = dates[1], dates[0], dates[1], dates[3]
    b.line(f"Date Assigned: {fmt_date(assigned, 'slash0')} Date of Injury: {fmt_date(doi, 'slash0')}")
    b.line(f"Decision Date: {fmt_date(decided, 'slash0')} UR Denial Date: {fmt_date(ur, 'slash0')}")
    b.line(f"Priority: {r.choice(('Standard', 'Standard', 'Expedited'))} Application ")
    b.line("Received: ")
    b.line(fmt_date(received, "slash0"))
    b.line("HOW THE IMR FINAL DETERMINATION WAS MADE")
    b.line(BOILERPLATE_HOW.format(specialty="", svc=r.choice(("Service", "services"))))
    credentials_2016(ctx)
    b.line("CLINICAL CASE SUMMARY")
    b.line(SUMMARY_INTRO)
    summary(ctx)
    b.line("IMR ISSUES, DECISIONS AND RATIONALES")
    b.line(FINAL_INTRO)
    for item in ctx.items:
        if item.original is not None:
            if item.whole_original:
                b.add(
                    f"{item.original} was the original request. The Claims Administrator authorized "
                    f"{item.authorized}, leaving the original request IMR eligible. The original request, "
                )
            else:
                b.add(
                    f"{item.original} was the original request. {item.authorized} was authorized by the "
                    "Claims "
                    "Administrator. The remaining IMR eligible portion of the original request, "
                )
            b.add(Lab(mid_sentence(item.text), "DISPUTED_SERVICE", "heading"))
            b.add(" is:")
        else:
            _heading_service(ctx, item)
            b.add(":")
        _heading_decision(ctx, item, " ")
        _line_end_or_glue(ctx)
        b.add("Claims Administrator guideline: ")
        b.add(citation_2016(r, ctx.lex, item, "ca"))
        _line_end_or_glue(ctx)
        b.add("MAXIMUS guideline: ")
        b.add(citation_2016(r, ctx.lex, item, "reviewer"))
        b.add("\n")
        b.add("Decision rationale: ")
        rationale(ctx, item, long=False, closing="2016")


def layout_notice(ctx: Ctx) -> None:
    r, b, lex = ctx.rng, ctx.b, ctx.lex
    ctx.sep = " "
    b.line("Notice of Independent Medical Review Determination")
    b.line(f"Dated: {ctx.date('slash0')}")
    b.line(f"IMR Case Number: {ctx.case_number} Date of Injury: {ctx.date('slash0', 3)}")
    b.line(f"Claims Number:  UR Denial Date: {ctx.date('slash0')}")
    b.line(f"Priority: {r.choice(('STANDARD', 'EXPEDITED'))} Application Received: {ctx.date('slash0')}")
    b.line("Employee Name:  ")
    b.line("Claims Administrator:  ")
    b.line(
        "MAXIMUS Federal Services, Inc. has completed the Independent Medical Review (IMR) of the above "
        "workers' "
        "compensation case. This letter provides you with the IMR Final Determination and explains how the "
        "determination was made."
    )
    overturned = any(it.decision == OVERTURNED for it in ctx.items)
    b.line(
        "Final Determination: "
        + ("OVERTURN" if overturned else "UPHOLD")
        + ". This means we decided that "
        + (
            "one or more of the disputed items/services are medically necessary and appropriate."
            if overturned
            else "none of the disputed items/services are medically necessary and appropriate."
        )
    )
    for i, item in enumerate(ctx.items, 1):
        b.add(f"{i}) MAXIMUS Federal Services, Inc. has determined the request for ")
        b.add(svc(item, "heading"))
        b.add(" is ")
        b.add(verdict(item, True, "item_decision"))
        b.add(".\n")
    b.line("This decision is final and binding on all parties.")
    b.line("INDEPENDENT MEDICAL REVIEW DECISION AND RATIONALE")
    b.line("The Expert Reviewer based his/her decision on a careful review of all the documents provided:")
    b.line(f"Application of Independent Medical Review dated {ctx.date('slash0')}")
    b.line(f"Utilization Review Determination dated {ctx.date('slash0')}")
    b.line("Medical Records from the Claims Administrator and the treating providers")
    b.line("Medical Qualifications of the Expert Reviewer:")
    b.line(
        f"The physician reviewer is Board Certified in {r.choice(lex.specialties)} and is licensed to "
        "practice "
        f"in {r.choice(lex.states)}. The expert reviewer has been in active clinical practice for more than "
        "five years and is currently working at least 24 hours a week in active practice."
    )
    b.line("Case Summary:")
    summary(ctx)
    for i, item in enumerate(ctx.items, 1):
        b.add(f"{i}) Regarding the request for ")
        b.add(svc(item, "restatement"))
        b.add(":\n")
        b.line("Medical Treatment Guideline(s) used by the Claims Administrator:")
        if r.random() < 0.12:
            b.line("The Claims Administrator did not cite any evidence-based guidelines for its decision.")
        else:
            cite, _ = citation_prose(r, lex, item)
            b.line(
                "The Claims Administrator based its decision on the ", cite, ", which is part of the MTUS."
            )
        b.line("Medical Treatment Guideline(s) used by the Expert Reviewer:")
        if r.random() < 0.5:
            b.line(
                "The Expert Reviewer found the guideline used by the Claims Administrator relevant and "
                "appropriate for the employee's clinical circumstance."
            )
        else:
            cite, _ = citation_prose(r, lex, item)
            b.line("The Expert Reviewer based his/her decision on the ", cite, ".")
        b.line("Rationale for the Decision:")
        rationale(ctx, item, long=True, closing="long")


def _documents(ctx: Ctx) -> None:
    r = ctx.rng
    bullet = r.choice(("\u2022 ", "- ", "", "\u25cf "))
    docs = [
        "Application for Independent Medical Review",
        f"Utilization Review determination dated {ctx.date('slash0')}",
        f"Medical records from the treating physician dated {ctx.date('slash0', 1)} through "
        f"{ctx.date('slash0')}",
        f"Request for authorization dated {ctx.date('slash0')}",
        "Physical therapy progress notes",
        f"Diagnostic imaging report dated {ctx.date('dash')}",
        "Pharmacy records",
    ]
    for d in r.sample(docs, k=r.randint(3, len(docs))):
        ctx.b.line(bullet + d)


def layout_later(ctx: Ctx) -> None:
    r, b, lex = ctx.rng, ctx.b, ctx.lex
    ctx.sep = " "
    b.line("MAXIMUS FEDERAL SERVICES, INC.")
    b.line("Independent Medical Review")
    b.line(f"IMR Case Number: {ctx.case_number}")
    b.line(f"Date of Injury: {ctx.date('slash0', 4)} Decision Date: {ctx.date('slash0')}")
    b.line("HOW THE IMR FINAL DETERMINATION WAS MADE")
    spec = r.choice(lex.specialties)
    b.line(
        BOILERPLATE_HOW.format(
            specialty=SPECIALTY_SENTENCE.format(spec=spec),
            svc="services",
        )
    )
    b.line("DOCUMENTS REVIEWED")
    _documents(ctx)
    b.line("CLINICAL CASE SUMMARY")
    b.line(SUMMARY_INTRO)
    summary(ctx)
    b.line("IMR DECISION(S) AND RATIONALE(S)")
    numbered = r.random() < 0.6
    for i, item in enumerate(ctx.items, 1):
        if numbered:
            b.add(f"{i}. ")
        b.add(item.prefix)
        b.add(svc(item, "heading", mid=False))
        b.add(" is ")
        b.add(verdict(item, True, "item_decision"))
        b.add(".\n")
        cites: list[list[Piece]] = []
        for _ in range(r.choice((1, 1, 2))):
            cite, _g = citation_prose(r, lex, item)
            cites.append(cite)
        b.line("Guideline(s) relied upon: ", join_pieces(cites, sep="; ", last="; "))
        b.add("Rationale: ")
        rationale(ctx, item, long=True, closing="long")


def layout_professional(ctx: Ctx) -> None:
    r, b, lex = ctx.rng, ctx.b, ctx.lex
    ctx.sep = " "
    b.line("MEDICAL PROFESSIONAL REVIEW")
    b.line(f"Case Number: {ctx.case_number} Date of Injury: {ctx.date('slash0', 4)}")
    b.line("ISSUE AT DISPUTE:")
    for i, item in enumerate(ctx.items, 1):
        b.add(f"{i}. ")
        b.add(item.prefix)
        b.add(svc(item, "heading", mid=False))
        b.add("\n")
    b.line("CASE SUMMARY:")
    summary(ctx)
    b.line("DOCUMENTS REVIEWED FOR DETERMINATION:")
    _documents(ctx)
    b.line("MEDICAL TREATMENT GUIDELINE(S) RELIED UPON BY PROFESSIONAL REVIEWER AND WHY:")
    for item in ctx.items:
        cite, _g = citation_prose(r, lex, item)
        b.line(
            cite,
            ". ",
            r.choice(
                (
                    "This guideline was used because it addresses the requested treatment for this "
                    "condition.",
                    "The guideline is the most relevant evidence-based source for the disputed service.",
                    "It was relied upon as it is part of the MTUS and applies to the injured body part.",
                )
            ),
        )
    b.line("RATIONALE FOR WHY THE REQUESTED TREATMENT/SERVICE IS/WAS NOT MEDICALLY NECESSARY:")
    for item in ctx.items:
        rationale(ctx, item, long=False, closing="long", closing_role="item_decision")
    b.line("MEDICAL REVIEWER QUALIFICATIONS:")
    b.line(
        f"The professional reviewer is Board Certified in {r.choice(lex.specialties)} and is licensed in "
        f"{r.choice(lex.states)}."
    )


LAYOUT_FUNCS: dict[str, Callable[[Ctx], None]] = {
    "seed_2014": layout_seed,
    "dwc_2016": layout_2016,
    "notice_2013": layout_notice,
    "maximus_later": layout_later,
    "professional_review": layout_professional,
}
LAYOUT_YEARS: dict[str, tuple[int, int]] = {
    "seed_2014": (2013, 2014),
    "dwc_2016": (2016, 2017),
    "notice_2013": (2013, 2013),
    "maximus_later": (2015, 2019),
    "professional_review": (2014, 2018),
}


def n_items_for(rng: random.Random, layout: str) -> int:
    if layout == "dwc_2016":
        x = rng.random()
        if x < 0.35:
            return 1
        if x < 0.57:
            return 2
        if x < 0.70:
            return 3
        if x < 0.78:
            return 4
        if x < 0.90:
            return rng.randint(5, 8)
        return rng.randint(9, 21)
    return rng.choices((1, 2, 3, 4), weights=(0.4, 0.3, 0.2, 0.1))[0]


def compose_letter(rng: random.Random, lex: SplitLexicon, split: str, layout: str) -> Ctx:
    """Compose one letter's logical text (before extraction noise)."""
    lo, hi = LAYOUT_YEARS[layout]
    year = rng.randint(lo, hi)
    n = n_items_for(rng, layout)
    overturn = {"dwc_2016": 0.105, "professional_review": 0.0}.get(layout, 0.15)
    partial = 0.06 if layout == "dwc_2016" else 0.0
    items = make_items(rng, lex, n, year, overturn, partial)
    ctx = Ctx(rng=rng, lex=lex, split=split, layout=layout, year=year, items=items)
    ctx.case_number = case_number(rng, year)
    ctx.glue = layout in ("seed_2014", "dwc_2016") and rng.random() < 0.10
    ctx.upper_headings = layout == "seed_2014" and rng.random() < 0.25
    LAYOUT_FUNCS[layout](ctx)
    return ctx

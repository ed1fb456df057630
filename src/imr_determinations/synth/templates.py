"""Sentence template variants, split into train-visible and held-out variants.

Slots: ``{S}`` disputed service, ``{SS}`` list of services, ``{D}`` verdict phrase, ``{G}``
guideline, ``{P}`` page numbers, ``{F}``/``{F2}``/``{F3}`` clinical findings, ``{DX}`` diagnoses,
``{H}``/``{H2}`` treatment history (never labelled); other slots are plain text. About one
variant in five per family is held out (hash of the variant text, at least one per side), so
the held-out corpus also tests phrasings the model never saw.
"""

from __future__ import annotations

import hashlib
from functools import cache

from imr_determinations.synth.lexicon import HELDOUT_FRACTION, SPLIT_HELDOUT

TEMPLATES: dict[str, tuple[str, ...]] = {
    # ---- case summary openings ----
    "opening": (
        "The injured worker is a {age} year old {sex}, who sustained an industrial injury on {doi}.",
        "This case involves a now {age}-year-old {sex} with a history of an occupational claim from {doi}.",
        "The applicant is a {age}-year-old {sex} who has filed a claim for chronic {complaint} reportedly "
        "associated with an industrial injury of {doi_long}.",
        "This is a {age} year old {sex} with a date of injury on {doi}.",
        "The {age} year old {sex} injured worker suffered an industrial injury on {doi}.",
        "The patient is a {age} year old {sex} {occupation} who sustained an injury to the {region} while "
        "{mechanism} on {doi}.",
        "This {age} year-old patient sustained an injury on {doi} while employed by  .",
        "According to the records, this {age}-year-old {sex} was injured at work on {doi} while {mechanism}.",
        "The claimant, a {age} year old {sex} {occupation}, reported a work-related injury on {doi}.",
        "The employee is a {age} year old {sex} who was injured on {doi} while {mechanism}.",
    ),
    # ---- request statements (DISPUTED_SERVICE in the summary) ----
    "request": (
        "Request(s) under consideration include {SS}.",
        "In a utilization review report dated {date_long}, the claims administrator failed to approve a "
        "request for {SS}.",
        "The original utilization review ({date_dash}) denied a request for {SS}.",
        "The Utilization Review dated {date_dash}, denied the request for {SS}.",
        "An appeal to the denial has been requested for {SS}.",
        "On {date}, Utilization Review non-certified the request for {SS}.",
        "The current request is for {SS}.",
        "A request for authorization was submitted on {date} for {SS}.",
        "The treating provider submitted a request for {SS}, which was non-certified on {date}.",
        "At issue is the request for {SS}.",
        "Utilization review dated {date} did not certify the requested {SS}.",
        "The disputed treatment is {SS}.",
    ),
    "upheld_other": (
        "The non-certification was upheld on internal appeal dated {date}.",
        "The prior denial was upheld at reconsideration.",
        "A subsequent appeal of the denial was upheld by the claims administrator on {date}.",
        "Utilization review upheld its earlier non-certification on {date}.",
    ),
    "noncert_close": (
        "Request(s) for {SS} were non-certified on {date} citing guidelines criteria and lack of medical "
        "necessity.",
        "The request for {SS} was non-certified on {date}.",
        "The UR denial of {date} is the subject of this review.",
        "The previous denial for the requests was on {date}.",
        "This case was previously noncertified on {date}, due to a lack of documentation.",
    ),
    # ---- treatment history (hard negatives) ----
    "history": (
        "Treatment to date has included {H} and {H2}.",
        "The patient has had {H} with some relief.",
        "Prior treatment has included {H}, {H2}, and medications.",
        "The patient was previously approved for {H}.",
        "Treatments to date include {H}.",
        "The injured worker has completed {H} without lasting benefit.",
        "Past care consisted of {H} and {H2}.",
        "Previous therapy has included {H}, which reportedly helped temporarily.",
    ),
    # ---- findings ----
    "findings": (
        "Exam of the {region} showed {F}; {F2}; and {F3}.",
        "The physical examination revealed {F} and {F2}.",
        "On {date}, the patient reported ongoing {C}; exam showed {F}.",
        "Objective findings included {F}, {F2}, and {F3}.",
        "The physical assessment showed {F}.",
        "Physical exam findings documented {F} and {F2}.",
        "According to a report dated {date}, the examination noted {F}.",
        "Examination findings were notable for {F} and {F2}.",
        "The progress report of {date} documented {F}, as well as {F2}.",
        "Upon examination, there was {F}.",
    ),
    "diagnoses": (
        "Diagnoses included {DX}.",
        "The current diagnosis is {DX}.",
        "A review of the medical records indicates that the injured worker is undergoing treatment for {DX}.",
        "Diagnoses include {DX}.",
        "The attending provider gave the applicant a diagnosis of {DX}.",
        "The working diagnoses were {DX}.",
        "The diagnoses are documented as {DX}.",
        "The patient has been diagnosed with {DX}.",
    ),
    "complaint_line": (
        "The patient complains of {C}.",
        "The applicant reported ongoing issues with {C}.",
        "The injured worker complained of increasing {C}.",
        "The employee continues to report {C}, worse with activity.",
        "Subjective complaints included {C}.",
    ),
    # ---- rationale ----
    "rationale_lead": (
        "According to the {G}, {claim}",
        "Per {G}, {claim}",
        "The {G} states that {claim}",
        "As noted on page {P} of the {G}, {claim}",
        "{G} states that {claim}",
        "The {G} notes that {claim}",
        "Per the {G}, page {P}, {claim}",
        "Regarding this request, the {G} provides that {claim}",
        "Under the {G}, {claim}",
    ),
    "rationale_gap": (
        "In this case, there is no documentation of {gap}.",
        "The submitted medical records do not document {gap}.",
        "There is lack of evidence of {gap}.",
        "Here, however, the attending provider did not document {gap}.",
        "Submitted reports have not demonstrated {gap}.",
        "The records provided for review fail to establish {gap}.",
        "There was no indication of {gap} in the recent progress notes.",
    ),
    "rationale_finding": (
        "The most recent examination documented {F}.",
        "Although the records note {F}, {gap_short}.",
        "The progress note describes {F}; however, {gap_short}.",
        "The treating provider reported {F}.",
        "While there was {F}, {gap_short}.",
    ),
    "rationale_history": (
        "The patient has already had {H}.",
        "It is noted that the injured worker has completed {H}.",
        "The applicant previously received {H}.",
        "The records document {H}.",
    ),
    # ---- closings (DECISION; {S} optional) ----
    "closing_short": (
        "Therefore, the request is {D}.",
        "As such, the request is {D}.",
        "Given the above, the request is {D}.",
        "As such, this request is {D}.",
        "Therefore, the request was {D}.",
        "Thus, the current request is {D}.",
        "Accordingly, the request is {D}.",
        "Based on the documentation, the request is {D}.",
    ),
    "closing_service": (
        "Given the above, the request for {S} is {D}.",
        "Therefore, the request for {S} is {D}.",
        "The request for {S} is {D}.",
        "As such, the request for {S} is {D}.",
        "For these reasons, the request for {S} is {D}.",
        "Consequently, the request for {S} is {D}.",
        "In light of the above, the {S} is {D}.",
        "The requested {S} is therefore {D}.",
    ),
    "closing_seed": (
        "The {S} is {D}.",
        "The request for {S} is {D}.",
        "The requested {S} is {D}.",
        "Therefore, the {S} is {D}.",
    ),
    "rationale_opening_statement": (
        "The request for {S} is {D}.",
        "The requested {S} is {D}.",
        "No, the request for {S} is {D}.",
    ),
}

# what a guideline says (unlabelled clauses that follow a rationale lead)
CLAIMS: dict[str, tuple[str, ...]] = {
    "medication": (
        "ongoing use requires documentation of pain relief, functional status, appropriate medication use, "
        "and side effects.",
        "this class of medication is recommended for short-term use only, with a trial period not to exceed "
        "two to three weeks.",
        "continued use should be supported by objective evidence of functional improvement.",
        "the lowest effective dose should be used for the shortest duration consistent with treatment goals.",
        "prophylactic treatment is indicated only for patients at intermediate or high risk for "
        "gastrointestinal events.",
    ),
    "topical": (
        "topical analgesics are largely experimental in use, with few randomized controlled trials to "
        "determine efficacy or safety.",
        "any compounded product that contains at least one drug or drug class that is not recommended is not "
        "recommended.",
        "topical lidocaine is recommended for localized peripheral pain after a trial of first-line therapy.",
    ),
    "imaging": (
        "imaging studies are indicated when there are unequivocal objective findings that identify specific "
        "nerve compromise on the neurologic examination.",
        "imaging is recommended for red flag conditions or failure to progress in a strengthening program.",
        "repeat imaging should be reserved for a significant change in symptoms or findings suggestive of "
        "significant pathology.",
        "special studies are not needed unless a three- or four-week period of conservative care fails to "
        "improve symptoms.",
    ),
    "electrodiagnostic": (
        "electrodiagnostic studies may help identify subtle focal neurologic dysfunction in patients with "
        "symptoms lasting more than three or four weeks.",
        "nerve conduction studies are not recommended when radiculopathy is already clinically obvious.",
        "electromyography is an option to obtain unequivocal evidence of radiculopathy after one month of "
        "conservative therapy.",
    ),
    "therapy": (
        "up to 9-10 visits over 8 weeks are recommended for myalgia and myositis.",
        "treatment frequency should fade, plus active self-directed home physical medicine.",
        "the time to produce functional improvement is 3 to 6 treatments, and treatments may be extended if "
        "functional improvement is documented.",
        "a trial of 6 visits over 2 weeks is recommended, with evidence of objective functional improvement "
        "before further visits.",
    ),
    "injection": (
        "epidural injections are recommended when radiculopathy is documented by physical examination and "
        "corroborated by imaging or electrodiagnostic testing.",
        "no more than one set of therapeutic intraarticular facet blocks is recommended.",
        "repeat injections require at least 50% pain relief with associated reduction of medication use for "
        "six to eight weeks.",
        "injections are an option for patients who have failed conservative care including physical therapy.",
    ),
    "surgery": (
        "surgical consultation is indicated for patients with activity limitation for more than four months "
        "and failure of exercise programs.",
        "surgery is recommended after the failure of conservative care, when exam findings and imaging "
        "corroborate the need for the procedure.",
        "surgical intervention requires clear clinical and imaging evidence of a lesion shown to benefit "
        "from repair.",
    ),
    "associated": (
        "postoperative services are supported only when the underlying procedure is certified.",
        "the use of associated devices depends on the medical necessity of the primary procedure.",
    ),
    "dme": (
        "durable medical equipment is recommended if there is a medical need and the device is primarily "
        "used to serve a medical purpose.",
        "a one-month home-based trial may be considered as a noninvasive option if used as an adjunct to a "
        "program of evidence-based functional restoration.",
        "bracing has not been shown to have any lasting benefit beyond the acute phase of symptom relief.",
    ),
    "program": (
        "an adequate and thorough evaluation must be made, including baseline functional testing, before "
        "such a program.",
        "total treatment duration should generally not exceed 20 full-day sessions.",
        "the patient must exhibit motivation to change and be willing to forgo secondary gains.",
    ),
    "lab": (
        "drug testing is recommended as an option to assess for the use or presence of illegal drugs.",
        "frequency of testing should be based on documented evidence of risk stratification.",
        "laboratory monitoring is indicated when clinically warranted by the medication regimen.",
    ),
    "consult": (
        "a referral may be appropriate when the plan or course of care may benefit from additional "
        "expertise.",
        "office visits are determined to be medically necessary based on review of symptoms and clinical "
        "stability.",
    ),
    "psych": (
        "psychological treatment is recommended for appropriately identified patients during treatment for "
        "chronic pain.",
        "an initial trial of 3-4 psychotherapy visits over 2 weeks is recommended.",
        "with evidence of objective functional improvement, a total of up to 6-10 visits may be considered.",
    ),
    "home_health": (
        "home health services are recommended only for otherwise recommended medical treatment for patients "
        "who are homebound.",
        "medical treatment does not include homemaker services like shopping, cleaning, and laundry.",
    ),
    "other": (
        "this modality is not recommended, as there is insufficient evidence to support its use.",
        "the treatment should be supported by evidence of efficacy in peer-reviewed literature.",
    ),
}

GAPS: tuple[str, ...] = (
    "objective functional improvement with prior treatment",
    "failure of a recent course of conservative care",
    "red flag findings or progressive neurologic deficit",
    "a clear rationale for the requested treatment",
    "measurable pain relief with the current regimen",
    "a risk assessment or signed opioid agreement",
    "a change in symptoms since the last study",
    "a plan to use the treatment as an adjunct to an active exercise program",
    "the number of prior sessions completed and their outcome",
    "intolerance to first-line oral medications",
)
GAPS_SHORT: tuple[str, ...] = (
    "there is no evidence of functional benefit",
    "the need for this request was not explained",
    "conservative care was not exhausted",
    "no specific nerve compromise was documented",
    "the documentation does not support medical necessity",
)

SEXES = ("male", "female")
OCCUPATIONS = (
    "nurse",
    "warehouse worker",
    "truck driver",
    "cashier",
    "custodian",
    "correctional officer",
    "mechanic",
    "teacher",
    "farm laborer",
    "home care provider",
    "cook",
    "electrician",
    "delivery driver",
    "office assistant",
    "carpenter",
    "police officer",
)
MECHANISMS = (
    "lifting a heavy box",
    "pulling a pallet jack",
    "slipping on a wet floor",
    "transferring a patient",
    "falling from a ladder",
    "twisting while carrying tools",
    "performing repetitive keyboarding",
    "unloading a truck",
    "being struck by a falling object",
    "stepping off a curb",
)
COMPLAINTS = (
    "low back pain",
    "neck pain",
    "right shoulder pain",
    "left knee pain",
    "bilateral wrist pain",
    "low back pain radiating to the legs",
    "neck pain with headaches",
    "right elbow pain",
    "left ankle pain",
    "mid back pain",
)
REGIONS = (
    "lumbar spine",
    "cervical spine",
    "right shoulder",
    "left knee",
    "bilateral wrists",
    "thoracic spine",
    "right elbow",
    "left ankle",
)
LIMBS = ("lower extremities", "upper extremities", "right leg", "left arm")


def _variant_heldout(family: str, variant: str) -> bool:
    digest = hashlib.sha256(f"template\x00{family}\x00{variant}".encode()).digest()
    return int.from_bytes(digest[:4], "big") < HELDOUT_FRACTION * 2**32


@cache
def _split_family(family: str, variants: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    held = [v for v in variants if _variant_heldout(family, v)]
    train = [v for v in variants if not _variant_heldout(family, v)]
    if not held:  # every family needs at least one unseen phrasing
        held, train = [train[-1]], train[:-1]
    if not train:
        train, held = [held[0]], held[1:]
    return tuple(train), tuple(held)


def variants(family: str, split: str, pool: dict[str, tuple[str, ...]] | None = None) -> tuple[str, ...]:
    """The variants of one template family a split may use."""
    source = TEMPLATES if pool is None else pool
    if family not in source:
        raise KeyError(f"unknown template family {family!r}")
    train, held = _split_family(family, source[family])
    return held if split == SPLIT_HELDOUT else train


def claims(category: str, split: str) -> tuple[str, ...]:
    return variants(category if category in CLAIMS else "other", split, CLAIMS)


def template_split_summary() -> dict[str, dict[str, int]]:
    out = {}
    for fam, vs in list(TEMPLATES.items()) + [(f"claims:{k}", v) for k, v in CLAIMS.items()]:
        name = fam.split(":", 1)[-1]
        train, held = _split_family(name, vs)
        out[fam] = {"train": len(train), "heldout": len(held)}
    return out

"""The linker's own wording cues: item-heading lead-ins and questions, rule-only citation and page
mentions, verdict negation, and how a letter ends.

The layout cues that sections, mentions and rules share live in ``layout`` (built from
``data/layout.json``); these are the patterns only the linker reads. Case-fact field patterns live with
their reader (``case_facts``). Linear on long blank runs (a page of spaces in a heading), as the layout
patterns are: a lazy group ends on a non-blank (".*?\\S") and blanks before a literal are possessive
("\\s*+").
"""

from __future__ import annotations

import re

from ..layout import FURNITURE, HAS_DETERMINED, INTRO_LEAD

# any of these words: the text is an IMR letter (so no items means "no disputed items found")
IMR_MARKERS = re.compile(
    r"Independent\s+Medical\s+Review|\bIMR\b|MAXIMUS|Expert\s+Reviewer|Claims\s+Administrator\s+guideline"
    r"|Decision\s+rationale|Utilization\s+Review",
    re.I,
)

# ---------------------------------------------------------------- item headings
REQUESTS_FOR = re.compile(r"requests?\s+for\s+", re.I)
# a professional review's issue asked as a question: "Is the request for X medically necessary?"
QUESTION_HEAD = re.compile(
    r"\s*(?:\d{1,2}[.)]\s+)?(?:Is|Was|Are|Were)\s+(?:the\s+)?(?:requests?\s+for\s+|requested\s+)?"
    r"(?P<service>.*?\S)\s++(?:medically\s+necessary|reasonable\s+and\s+necessary|medically\s+appropriate)"
    r"(?:\s++and\s++(?:medically\s++)?(?:appropriate|necessary))?\s*+\?\s*+$",
    re.I | re.S,
)
SENTENCE_END = re.compile(r"[.!?][\"')\]]?\s+(?=[A-Z(\d])")
# boilerplate that may precede a service in a heading or in a predicted span; stripped in every mode
LEAD_INS = re.compile(
    r"\s*(?:"
    r"\d{1,2}[).]\s+"  # item number
    r"|(?:(?:IMR\s+)?ISSUES?,?\s+DECISIONS?,?\s+AND\s+RATIONALES?|IMR\s+DECISION(?:\(S\)|S)?\s+AND\s+RATIONALE(?:\(S\)|S)?)"
    r"\s*:?\s*"  # a decisions heading glued to the first item
    r"|[^:\n]{0,80}?" + INTRO_LEAD.pattern + r"\s*"  # "The Final Determination was based on ... below:"
    r"|(?:Associated|Ancillary)\s+(?:surgical\s+|medical\s+|post-?op(?:erative)?\s+|pre-?op(?:erative)?\s+)?"
    r"(?:services?|items?|treatments?|requests?)\s*:\s*"  # category prefix (ANNOTATION.md)
    r"|" + HAS_DETERMINED + r"(?:that\s+)?"
    r"|(?:Regarding\s+)?the\s+requests?\s+for\s+"
    r"|Requests?\s*(?:\(s\))?\s+under\s+consideration\s+(?:include|is|are)s?\s*:?\s*"
    r"|(?:an?|the)\s+(?=\S)"  # an article (ANNOTATION.md, section 2: "Leading words")
    r"|(?:" + FURNITURE + r")\s+"  # page furniture a lost line break left inline
    r")",
    re.I,
)
# the label that opens a sub-part ("Decision rationale:")
SUBPART_LABEL = re.compile(r"[^:]{0,160}?:\s*")
# a positive verdict phrase read as negative when one of these ends just before it
NEGATED_BEFORE = re.compile(
    r"\b(?:not|cannot|can\s*not|can't|never|neither|nor|no\s+longer)[\s-]+"
    r"(?:(?:be|been|being|considered|deemed|found|established|as|to|viewed|regarded|shown)\s+){0,3}$",
    re.I,
)

# ---------------------------------------------------------------- rule-only citations and pages
ONLY_PUNCT = re.compile(r"[\W\d]*")
NON_MTUS = re.compile(r"(?:Non-?\s*MTUS\s+(?:Citation\s+)?|Citation\s+)", re.I)
AND_NEXT = re.compile(
    r",?(?<!\s)\s++and\s+(?=(?:MTUS|Non-?MTUS|ODG|Official|ACOEM)\b|[A-Z][\w,&/ ]{0,60}?\b(?:19|20)\d\d\b)"
)
YEAR_END = re.compile(r"\b(?:19|20)\d\d\s*$")
_YEAR = r"(?:\s+(?:19|20)\d\d)?"
RATIONALE_GUIDELINE = re.compile(
    r"(?:(?:CA|California)\s+)?(?:the\s+)?"
    r"(?:(?:Third|3rd)\s+Edition\s+ACOEM(?:\s+Guidelines?)?(?:\s+[A-Z][a-z]+){0,3}"
    r"|(?:MTUS|Medical\s+Treatment\s+Utilization\s+Schedule(?:\s*\(MTUS\))?)"
    + _YEAR
    + r"(?:\s+Guidelines?)?(?:\s+in)?(?:\s+ACOEM)?(?:\s+(?:Chapter|Ch\.)\s*\d+)?"
    r"(?i:\s+(?:Chronic\s+Pain(?:\s+Medical)?(?:\s+Treatment)?|Acupuncture(?:\s+Medical\s+Treatment)?"
    r"|Post-?surgical(?:\s+Treatment)?|Opioids?(?:\s+Treatment)?)\s+Guidelines?" + _YEAR + ")?"
    r"|ACOEM(?:\s+(?:Practice\s+|Treatment\s+)?Guidelines?)?(?:\s+(?:Chapter|Ch\.)\s*\d+)?"
    r"(?:\s+for\s+the\s+[A-Z][A-Za-z]*(?:\s+[A-Z][A-Za-z]*){0,3}\s+(?:Disorders|Complaints))?"
    r"|(?i:official\s+disability\s+guidelines)(?:\s*\(ODG\))?|ODG(?:\s+Guidelines?)?"
    r"|Chronic\s+Pain\s+(?:Medical\s+)?Treatment\s+Guidelines|Acupuncture\s+(?:Medical\s+Treatment\s+)?Guidelines"
    r"|Post-?surgical\s+Treatment\s+Guidelines"
    r"|(?:Section\s+)?9792\.\d+(?:\.\d+)?(?:\([a-z0-9]\))?|Labor\s+Code\s+(?:Section\s+)?4610\.5)",
)
RATIONALE_PAGE_AFTER = re.compile(
    r"[^.;]{0,40}?\bpages?\s+(?P<pages>\d{1,4}(?:\s*(?:-|\u2013|,|and)\s*\d{1,4})*)", re.I
)
RATIONALE_PAGE_BEFORE = re.compile(
    r"\bpages?\s+(?P<pages>\d{1,4}(?:\s*(?:-|\u2013)\s*\d{1,4})?)\s+of\s+(?:the\s+)?$", re.I
)

# ---------------------------------------------------------------- guideline pages and adoption
# an ODG citation's topic continues after its span when a separator follows it
ODG_TAIL = re.compile(r"\s*[,:;(/\-]")
OF_THE_HEAD = re.compile(r"^\s*(?:of|in)\s+(?:the\s+)?", re.I)
# "The Expert Reviewer found the guideline used by the Claims Administrator relevant and appropriate"
ADOPTS_CA_GUIDELINE = re.compile(
    r"found\s+the\s+guidelines?\s+(?:used|cited|relied\s+upon)\s+by\s+the\s+Claims\s+Administrator"
    r"\s+(?:to\s+be\s+)?relevant",
    re.I,
)

# ---------------------------------------------------------------- shared blocks of a professional review
SENTENCE_STOP = re.compile(r"[.!?](?=[\"')\]]*(?:\s|$))")
# a new guideline citation inside one line (a lost line break ran the "RELIED UPON" lines together)
CITATION_START = re.compile(
    r"[.;][ \t]+(?=(?:Non-)?(?:MTUS|ACOEM|ODG|Official\s+Disability|California\s+MTUS|American\s+College)\b)"
)

# ---------------------------------------------------------------- how a letter ends
TERMINAL_END = re.compile(r"[.!?][\"')\]]*\s*$")
# closing lines after the last sentence: typist initials ("/dr", "sab/"), "cc:" and "Enclosure" lines
CLOSING_LINES = re.compile(
    r"(?:\n[ \t]*(?:/\s*[A-Za-z]{1,4}|[A-Za-z]{1,4}\s*/|(?:cc|enc(?:losures?)?)\s*:[^\n]{0,120})[ \t]*)+\s*$",
    re.I,
)

"""What an item heading says: the service it names and the decision written in it.

A heading with clear structure (partial certification, "Regarding the request for", a question,
a verdict statement, ": Upheld") defines its service even when no DISPUTED_SERVICE span covers it.
"""

from __future__ import annotations

from ..layout import HEADING_DECISION, PARTIAL, REGARDING_HEAD, VERDICT_IN_RATIONALE
from .patterns import QUESTION_HEAD, REQUESTS_FOR, SENTENCE_END
from .spans import Mention, last_match, match_mention, nonempty, strip_lead_in


def heading_service(text: str, hs: int, he: int) -> tuple[tuple[int, int] | None, str]:
    """Char range of the service named in an item heading (the remaining portion for partial ones)
    and the structure that gave it: partial, regarding, question, marker (": Upheld"), verdict, or
    plain (none of these: the whole heading, least reliable)."""
    head = text[hs:he]
    m = HEADING_DECISION.search(head)
    body_end = hs + (m.start() if m else len(head))
    body = text[hs:body_end]
    pm = PARTIAL.match(body)
    if pm and pm.group("remaining"):
        s, e = hs + pm.start("remaining"), hs + pm.end("remaining")
        return nonempty(strip_lead_in(text, s, e)), "partial"
    for pattern, how in ((REGARDING_HEAD, "regarding"), (QUESTION_HEAD, "question")):
        sm = pattern.match(body)
        if sm:
            return nonempty(strip_lead_in(text, hs + sm.start("service"), hs + sm.end("service"))), how
    if m is not None:
        after = _after_glued_verdict(text, body, hs, body_end)
        if after is not None:
            return after, "marker"
        return nonempty(strip_lead_in(text, hs, body_end)), "marker"
    vm = VERDICT_IN_RATIONALE.search(body)
    if vm:
        sub = body[: vm.start()]
        ends = [x.end() for x in SENTENCE_END.finditer(sub)]
        off = ends[-1] if ends else 0
        rq = REQUESTS_FOR.search(sub, off)
        off = rq.end() if rq else off
        return nonempty(strip_lead_in(text, hs + off, hs + vm.start())), "verdict"
    return nonempty(strip_lead_in(text, hs, body_end)), "plain"


def _after_glued_verdict(text: str, body: str, hs: int, body_end: int) -> tuple[int, int] | None:
    """The service after the previous rationale's text that a lost line break glued before a
    ": Upheld" heading (that text ends in its verdict), or None when there is none."""
    last = last_match(VERDICT_IN_RATIONALE, body)
    if last is None:
        return None
    begin = hs + last.end()
    while begin < body_end and text[begin] in ".!?\"') \t\n":
        begin += 1  # the end of that verdict's sentence
    after = strip_lead_in(text, begin, body_end)
    return after if after[1] > after[0] else None


def heading_decision(text: str, hs: int, he: int) -> Mention | None:
    """The decision written in a heading: its ": Upheld" word, else its verdict phrase."""
    dm = HEADING_DECISION.search(text, hs, he)
    if dm:
        return match_mention(dm, 1, "DECISION")
    last = last_match(VERDICT_IN_RATIONALE, text, hs, he)
    return None if last is None else match_mention(last, "phrase", "DECISION")


def is_question(text: str, hs: int, he: int) -> bool:
    """Whether the heading asks "Is X medically necessary?" (it then states no decision)."""
    return QUESTION_HEAD.match(text, hs, he) is not None

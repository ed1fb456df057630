"""Determination linker (spaCy component ``imr_determination_linker``), last in the pipeline.

It turns the predicted spans (``doc.ents``: DISPUTED_SERVICE, DECISION, GUIDELINE, PAGE_RANGE;
``doc.spans["sc"]``: CLINICAL_FINDING, DIAGNOSIS) and the letter's sections
(``doc.spans["sections"]``) into one record per disputed item, plus case facts and warnings.

Items come from the decisions-block structure (item sections), so a service named in the case
summary, the item heading and the rationale is one item; the predicted spans anchor the
values. With ``rules_only=True`` the same linker finds services, decisions, guidelines and
pages with regular expressions over the sections instead: that is the "section rules +
regular expressions" baseline.

Model errors are expected and repaired from the layout, each with a warning: a heading with clear
structure (": Upheld", partial certification, numbered notice item, verdict statement) defines
its service even when the DISPUTED_SERVICE span is missing, clipped or misplaced; a missing
DECISION span is replaced by the heading word or the rationale's verdict phrase; spans outside
item sections never create items. Boilerplate lead-ins ("... set forth below:", "Associated
surgical service:", "the request for") are stripped from services in every mode. A letter that
ends mid-sentence, or whose last item has no rationale, is reported as truncated.

Cost: one pass over the spans into per-label sorted lists, then bisections per item (linear in
document length and span count); span texts are slices of one ``doc.text``; normalisers are cached.
A letter it cannot read gets no determinations and a warning; a bug or a missing ``imr_sections``
raises (``component.DeterminationLinker``).

Modules, in the order ``component.link`` uses them:
``items`` (sections -> one ``ItemView`` per item, shared blocks split, truncation),
``rule_mentions`` (the rules-only stand-ins for the NER spans), ``spans`` (``Mention`` and its index),
``headings`` (what an item heading says), ``determinations`` (one ``Determination`` per item, merged
and de-duplicated), ``guidelines`` (cited guidelines and their pages), ``case_facts``, ``entities`` (the
``imr_entity_repair`` component after the linker: ``doc.ents`` made to agree with the records) and
``patterns`` (the linker's own wording cues; the shared layout cues are in ``imr_determinations.layout``).
"""

from .component import make_linker
from .entities import make_entity_repair

__all__ = ["make_entity_repair", "make_linker"]

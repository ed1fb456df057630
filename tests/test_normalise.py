import pytest

from imr_determinations.normalise import (
    normalise_date,
    normalise_decision,
    normalise_guideline,
    normalise_service,
    parse_pages,
    token_overlap,
)


@pytest.mark.parametrize(
    ("text", "decision", "necessary"),
    [
        ("Upheld", "UPHELD", False),
        ("Overturned", "OVERTURNED", True),
        ("is not medically necessary and appropriate", "UPHELD", False),
        ("not medically necessary", "UPHELD", False),
        ("not be medically necessary", "UPHELD", False),
        ("is medically necessary", "OVERTURNED", True),
        ("medically necessary and appropriate", "OVERTURNED", True),
        ("was medically necessary", "OVERTURNED", True),
        ("non-certified", "UPHELD", False),
        ("not-medically necessary", "UPHELD", False),
        ("not considered medically necessary", "UPHELD", False),
        ("not deemed medically necessary", "UPHELD", False),
        ("certified", "OVERTURNED", True),
        ("is notmedically necessary andappropriate", "UPHELD", False),
        ("is medicallynecessary", "OVERTURNED", True),
    ],
)
def test_decision_forms(text, decision, necessary):
    out = normalise_decision(text)
    assert out["decision"] == decision
    assert out["medically_necessary"] is necessary
    assert out["text"] == text


def test_decision_without_verdict_is_none():
    assert normalise_decision("the request") is None
    assert normalise_decision("") is None


@pytest.mark.parametrize(
    ("text", "pages"),
    [
        ("303-305", [[303, 305]]),
        ("8-9", [[8, 9]]),
        ("79", [[79, 79]]),
        ("22, 24-25", [[22, 22], [24, 25]]),
        ("78-80; 91", [[78, 80], [91, 91]]),
        ("pg. 607", [[607, 607]]),
        ("303 to 305", [[303, 305]]),
        ("Page(s): 303-5", [[303, 305]]),
        ("pages 8-9", [[8, 9]]),
        ("", []),
    ],
)
def test_pages(text, pages):
    assert parse_pages(text) == pages


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2/28/13", "2013-02-28"),
        ("11-18-16", "2016-11-18"),
        ("01/12/2017", "2017-01-12"),
        ("October 10, 2015", "2015-10-10"),
        ("Sept. 3, 2014", "2014-09-03"),
        ("2/30/2016", None),
        ("yesterday", None),
    ],
)
def test_dates(text, iso):
    assert normalise_date(text) == iso


@pytest.mark.parametrize(
    ("text", "gid"),
    [
        ("MTUS ACOEM Chapter 12 Low Back Complaints", "MTUS/ACOEM/ch12"),
        ("MTUS Low Back Complaints 2004", "MTUS/ACOEM/ch12"),
        ("ACOEM Chapter 12", "MTUS/ACOEM/ch12"),
        ("low back\ncomplaints", "MTUS/ACOEM/ch12"),
        ("MTUS Shoulder Complaints 2004", "MTUS/ACOEM/ch9"),
        ("MTUS Neck and Upper Back Complaints 2004", "MTUS/ACOEM/ch8"),
        ("MTUS Knee Complaints 2004", "MTUS/ACOEM/ch13"),
        ("MTUS Initial Approaches to Treatment", "MTUS/ACOEM/ch3"),
        ("Chronic Pain Medical Treatment Guidelines", "MTUS/CPMTG"),
        ("Chronic Pain Medical Treatment 2016", "MTUS/CPMTG"),
        ("MTUS Chronic Pain Treatment Guidelines", "MTUS/CPMTG"),
        ("MTUS Acupuncture Treatment Guidelines", "MTUS/ACUPUNCTURE"),
        ("Postsurgical Treatment 2009", "MTUS/POSTSURGICAL"),
        ("Official Disability Guidelines (ODG), Pain", "ODG/Pain"),
        ("Non-MTUS Citation Official Disability Guidelines (ODG) Low Back Chapter", "ODG/LowBack"),
        ("ODG Neck and Upper Back", "ODG/Neck"),
        ("Official Disability Guidelines, Knee & Leg", "ODG/KneeLeg"),
        ("ACOEM Occupational Medicine Practice Guidelines, 3rd ed., Low Back Disorders", "ACOEM/3RD"),
        # the 2004 2nd edition is the one the MTUS adopted (2013 notice letters cite it this way)
        ("ACOEM Practice Guidelines, 2nd Edition (2004), Chapter 9, Shoulder Complaints", "MTUS/ACOEM/ch9"),
        ("ACOEM Practice Guidelines, 2nd Edition, (2004), Chapter 12", "MTUS/ACOEM/ch12"),
        ("ACOEM Practice Guidelines, Second Edition", "MTUS/ACOEM"),
        ("ACOEM Practice Guidelines", "ACOEM/3RD"),
        ("Section 9792.20(f)", "REGULATION/8CCR9792.20"),
        ("8 CCR 9792.24.2", "REGULATION/8CCR9792.24.2"),
        ("Labor Code 4610.5", "REGULATION/LC4610.5"),
        ("OFFICIAL  DISABILITY\nGUIDELINES, SHOULDER", "ODG/Shoulder"),
        ("some journal article", "OTHER"),
    ],
)
def test_guideline_ids(text, gid):
    assert normalise_guideline(text)["id"] == gid


def test_guideline_section_and_edition():
    g = normalise_guideline("MTUS Shoulder Complaints 2004, Section(s): Special Studies")
    assert (g["id"], g["section"], g["edition"], g["family"]) == (
        "MTUS/ACOEM/ch9",
        "Special Studies",
        "2004",
        "MTUS",
    )
    cp = normalise_guideline("Chronic Pain Medical Treatment 2016, Section(s): Facet blocks.")
    assert cp["topic"] == "Facet blocks"
    assert normalise_guideline("ACOEM Practice Guidelines, 3rd ed.")["edition"] == "3rd ed"


@pytest.mark.parametrize(
    ("text", "key", "value"),
    [
        ("Acupuncture 3x4", "visits", 12),
        ("Physical therapy 2x6", "visits", 12),
        ("Norco 10/325mg #60", "quantity", 60),
        ("Norco 10/325 mg #60", "strength", ["10/325mg"]),
        ("Lidoderm 5% patch #30", "strength", ["5%"]),
        ("12 sessions of physical therapy", "visits", 12),
        ("Chiropractic x 6", "visits", 6),
        ("Chiro two times a week for four weeks", "visits", 8),
        ("Tramadol 50mg #90 with 2 refills", "refills", 2),
        ("Norco 10/325mg #60", "category", "medication"),
        ("MRI of the lumbar spine", "category", "imaging"),
        ("Lumbar epidural steroid injection", "category", "injection"),
        ("Acupuncture 3x4", "category", "therapy"),
        ("TENS unit purchase", "category", "dme"),
        ("Right shoulder arthroscopy", "category", "surgery"),
        ("Functional restoration program", "category", "program"),
        ("Urine drug screen", "category", "lab"),
        ("Orthopedic consultation", "category", "evaluation"),
        ("Preoperative Medical Clearance", "category", "evaluation"),
        ("Comprehensive psychological testing", "category", "psych"),
        ("Cognitive behavioral therapy x 6", "category", "psych"),
        ("Pre-op urinalysis", "category", "lab"),
        ("purchase of a bedside 3 in 1 commode", "category", "dme"),
        ("Partial Hospitalization day treatment", "category", "program"),
        ("Deprizine (unknown quantity)", "category", "other"),
    ],
)
def test_service(text, key, value):
    out = normalise_service(text)
    assert out[key] == value
    assert out["text"] == text


def test_service_normal_form_is_lowercase_and_collapsed():
    assert normalise_service("  MRI  of the\nLumbar Spine: ")["normalised"] == "mri of the lumbar spine"


def test_token_overlap():
    assert token_overlap("Acupuncture 3x4", "3x4 acupuncture sessions") == 1.0
    assert token_overlap("Norco", "MRI lumbar") == 0.0


@pytest.mark.parametrize(
    ("text", "gid", "section"),
    [
        ("ODG MRI shoulder", "ODG/Shoulder", "MRI"),
        ("Official Disability Guidelines (ODG) MRI Elbow", "ODG/Elbow", "MRI"),
        ("Official Disability Guidelines (ODG), Neck and Upper Back", "ODG/Neck", None),
        ("ODG Low Back Chapter, Heat therapy", "ODG/LowBack", "Heat therapy"),
        ("ODG Pain (Chronic), Topical analgesics", "ODG/Pain", "Topical analgesics"),
        ("ODG Shoulder (updated 11/23/16)", "ODG/Shoulder", None),
        (
            "ODG Shoulder, Surgery for shoulder dislocation",
            "ODG/Shoulder",
            "Surgery for shoulder dislocation",
        ),
        ("ODG Neck and Upper Back; Low Back", "ODG/Neck", None),
        ("ODG Topical analgesics", "ODG", "Topical analgesics"),
        ("Official Disability Guidelines Handbook", "ODG", "Handbook"),  # whole words: not the hand chapter
        ("ODG, Knee and Leg, Section(s): MRI", "ODG/KneeLeg", "MRI"),
    ],
)
def test_odg_chapter_and_topic(text, gid, section):
    g = normalise_guideline(text)
    assert (g["id"], g["section"]) == (gid, section)


def test_cached_normalisers_return_fresh_values():
    a = normalise_guideline("ODG MRI shoulder")
    a["id"] = "changed"
    assert normalise_guideline("ODG MRI shoulder")["id"] == "ODG/Shoulder"
    s = normalise_service("Norco 10/325mg #60")
    s["strength"].append("x")
    assert normalise_service("Norco 10/325mg #60")["strength"] == ["10/325mg"]

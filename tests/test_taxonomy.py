"""The service taxonomy: invented service strings of every category, the drug table, records and CSV."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from layouts import ALL_LAYOUTS

from imr_determinations.evaluation.taxonomy_eval import load_labelled, score
from imr_determinations.extract.writers import CSV_COLUMNS, csv_rows
from imr_determinations.normalise import normalise_service
from imr_determinations.records import RecordValidationError, doc_to_record, validate_record
from imr_determinations.taxonomy import classify_service, load_taxonomy
from imr_determinations.textnorm import text_sha256
from imr_determinations.tokenizer import blank_nlp

CASES = [
    ("Percocet 10/325 mg #90 every 6 hours as needed", "pharmaceuticals", "opioids"),
    ("Zanaflex 4mg #60", "pharmaceuticals", "muscle_relaxants"),
    ("Naprosyn 550 mg twice daily #60", "pharmaceuticals", "nsaids"),
    ("Cymbalta 60mg #30 with 2 refills", "pharmaceuticals", "antidepressants"),
    ("Lyrica 75 mg #60", "pharmaceuticals", "anticonvulsants"),
    ("Lunesta 3mg at bedtime #30", "pharmaceuticals", "sleep_aids"),
    ("Nexium 40mg #30", "pharmaceuticals", "proton_pump_inhibitors"),
    ("Xanax 0.5mg #30", "pharmaceuticals", "benzodiazepines"),
    ("Provigil 200mg #30", "pharmaceuticals", "stimulants"),
    ("Phenergan 25mg #20", "pharmaceuticals", "antiemetics"),
    ("Imitrex 50mg #9", "pharmaceuticals", "migraine_headache"),
    ("Medrol dosepak", "pharmaceuticals", "corticosteroids"),
    ("Theramine #120", "pharmaceuticals", "medical_foods"),
    ("Terocin lotion 120ml", "pharmaceuticals", "topical_analgesics"),
    ("Xylofenac 15mg tablets #30", "pharmaceuticals", "other"),
    ("Aquatic therapy 2 x 6 for the knees", "rehabilitation", "aquatic_therapy"),
    ("Occupational therapy for the right hand, 8 visits", "rehabilitation", "occupational_therapy"),
    ("Chiropractic manipulation 1x6", "rehabilitation", "chiropractic"),
    ("Acupuncture x 6 to the neck", "rehabilitation", "acupuncture"),
    ("Massage therapy 6 sessions", "rehabilitation", "massage"),
    ("Work conditioning 10 visits", "rehabilitation", "work_hardening"),
    ("Physical therapy twice weekly for 6 weeks, lumbar", "rehabilitation", "physical_therapy"),
    ("MRI of the right wrist with contrast", "diagnostic_tests", "mri"),
    ("CT of the lumbar spine", "diagnostic_tests", "ct"),
    ("Two view X-ray of the left ankle", "diagnostic_tests", "x_ray"),
    ("Diagnostic ultrasound of the right shoulder", "diagnostic_tests", "ultrasound"),
    ("Whole body bone scan", "diagnostic_tests", "bone_scan"),
    ("NCV/EMG of both arms", "diagnostic_tests", "electrodiagnostics"),
    ("Random urine drug screen x 4 per year", "diagnostic_tests", "urine_drug_screen"),
    ("Blood work: CBC and liver function", "diagnostic_tests", "blood_tests"),
    ("Front wheeled walker", "dmepos", "durable_medical_equipment"),
    ("Lumbar LSO brace", "dmepos", "orthotics"),
    ("Interferential unit, 30 day rental", "dmepos", "tens_units"),
    ("Total knee arthroplasty, left", "surgery", "joint_replacement"),
    ("L4-5 laminectomy and fusion", "surgery", "spine_surgery"),
    ("Cervical epidural steroid injection C6-7", "injections", "epidural_steroid"),
    ("Lumbar medial branch blocks L3-L5", "injections", "facet"),
    ("Trigger point injections x 4 with lidocaine", "injections", "trigger_point"),
    ("Right knee cortisone injection", "injections", "joint"),
    ("PRP injection, right elbow", "injections", "prp"),
    ("Occipital nerve block", "injections", "nerve_block"),
    ("Radiofrequency ablation L4-S1 bilateral", "injections", "radiofrequency_ablation"),
    ("Pain management consultation", "evaluation_management", "consultation"),
    ("Follow-up visit with the treating physician", "evaluation_management", "office_visit"),
    ("FCE", "evaluation_management", "functional_capacity_evaluation"),
    ("HELP functional restoration program, 80 hours", "programs", "functional_restoration"),
    ("Medically supervised weight loss program", "programs", "weight_loss"),
    ("Outpatient detoxification from opioids", "programs", "detox"),
    ("Individual psychotherapy 6 sessions", "behavioral_health", "psychotherapy"),
    ("Cognitive behavioral therapy x 10", "behavioral_health", "cbt"),
    ("Psychological evaluation", "behavioral_health", "psych_evaluation"),
    ("Biofeedback 6 sessions", "behavioral_health", "biofeedback"),
    ("Home health aide 4 hours a day", "home_health", "home_health_aide"),
    ("Gym membership for 6 months", "programs", "gym_membership"),
    ("Interpreter services for appointments", "other", "interpreter"),
    ("Zebra striping", "other", "other"),
]


@pytest.mark.parametrize(("text", "category", "subcategory"), CASES)
def test_invented_services_get_their_category(text, category, subcategory):
    got = classify_service(text)
    assert (got.category, got.subcategory) == (category, subcategory), got


@pytest.mark.parametrize(
    ("text", "generic", "group"),
    [
        ("Norco 10/325mg #60", "hydrocodone/acetaminophen", "opioids"),
        ("Hydrocodone-APAP 7.5/325", "hydrocodone/acetaminophen", "opioids"),
        ("Percocet 5/325 #30", "oxycodone/acetaminophen", "opioids"),
        ("Fexmid 7.5mg #90", "cyclobenzaprine", "muscle_relaxants"),
        ("FLEXERIL 10 MG", "cyclobenzaprine", "muscle_relaxants"),
        ("Ultram ER 150mg", "tramadol", "opioids"),
        ("Ultracet 37.5/325", "tramadol/acetaminophen", "opioids"),
        ("Neurontin 600mg #90", "gabapentin", "anticonvulsants"),
        ("Prilosec 20 mg #60", "omeprazole", "proton_pump_inhibitors"),
        ("Ambien 10mg #30", "zolpidem", "sleep_aids"),
        ("Lidoderm 5% patches #30", "lidocaine", "topical_analgesics"),
        ("Celebrex 200mg daily", "celecoxib", "nsaids"),
        ("Soma 350mg", "carisoprodol", "muscle_relaxants"),
        ("Voltaren gel 1% 100g", "diclofenac", "topical_analgesics"),
        ("Voltaren XR 100mg", "diclofenac", "nsaids"),
        ("Fentanyl 25mcg/hr transdermal patch #10", "fentanyl", "opioids"),
    ],
)
def test_brand_and_generic_names_give_the_generic_and_group(text, generic, group):
    got = classify_service(text)
    assert (got.category, got.drug_group, got.generic) == ("pharmaceuticals", group, generic), got
    assert got.subcategory == got.drug_group


@pytest.mark.parametrize(
    "text",
    [
        "Compound cream: Flurbiprofen 20%, Lidocaine 5%, 180gm",
        "Tramadol 8%/Gabapentin 10%/Menthol 2% topical",
        "Amitriptyline 4% Baclofen 2% in Lipoderm base",
    ],
)
def test_several_drugs_in_a_topical_base_are_a_topical_compound(text):
    got = classify_service(text)
    assert (got.subcategory, got.generic) == ("topical_analgesics", "topical compound"), got


def test_a_compound_without_drug_names_is_still_a_topical_compound():
    got = classify_service("Compounded transdermal cream 240g")
    expected = ("pharmaceuticals", "topical_analgesics", "topical compound")
    assert (got.category, got.drug_group, got.generic) == expected


def test_prefixes_case_punctuation_and_quantities_do_not_change_the_answer():
    plain = classify_service("Norco").record_fields()
    for text in ["Retrospective request for NORCO 10/325mg #60 (DOS 1/2/16)", "norco, 10-325 mg, x 2 refills",
                 "Prospective: Norco 10/325 #120 q4-6h prn"]:
        assert classify_service(text).record_fields() == plain


def test_therapy_frequency_words_are_not_drugs_or_imaging():
    assert classify_service("Ultrasound 2 x 4 to the lumbar spine").subcategory == "modalities"
    assert classify_service("Labs: PT/PTT, INR").subcategory == "blood_tests"
    assert classify_service("Consultation with a spine surgeon for possible fusion").category == (
        "evaluation_management"
    )


def test_old_service_category_is_unchanged():
    assert normalise_service("Norco 10/325mg #60")["category"] == "medication"
    assert normalise_service("TENS unit")["category"] == "dme"


def test_data_file_is_consistent():
    tables = load_taxonomy()
    pharma = tables["categories"]["pharmaceuticals"]["subcategories"]
    assert {e["group"] for e in tables["drug_by_name"].values()} <= set(pharma)


@pytest.fixture(scope="module")
def nlp():
    nlp = blank_nlp()
    nlp.add_pipe("imr_sections")
    nlp.add_pipe("imr_determination_linker", config={"rules_only": True})
    return nlp


def test_records_carry_service_taxonomy_and_validate(nlp):
    name, text = sorted(ALL_LAYOUTS.items())[0]
    record = doc_to_record(nlp(text), f"{name}.txt", text_sha256(text))
    validate_record(record)
    dets = record["determinations"]
    assert dets
    for det in dets:
        assert det["service_taxonomy"] == classify_service(det["service"]).record_fields()
        assert set(det["service_taxonomy"]) == {"category", "subcategory", "drug_group", "generic"}
    bad = json.loads(json.dumps(record))
    bad["determinations"][0]["service_taxonomy"]["category"] = "medication"
    with pytest.raises(RecordValidationError, match="service_taxonomy"):
        validate_record(bad)


def test_csv_has_the_taxonomy_columns_after_service_category():
    i = CSV_COLUMNS.index("service_category")
    assert CSV_COLUMNS[i + 1 : i + 4] == ("service_subcategory", "drug_group", "generic_name")
    det = {"item": 1, "service": "Norco 10/325 #60", "service_normalised": {"category": "medication"},
           "service_taxonomy": classify_service("Norco 10/325 #60").record_fields()}
    row = csv_rows({"status": "ok", "determinations": [det]})[0]
    assert (row["service_category"], row["service_subcategory"], row["drug_group"], row["generic_name"]) == (
        "medication", "opioids", "opioids", "hydrocodone/acetaminophen")


def _labels(tmp_path: Path, seed_text: str) -> tuple[Path, Path]:
    gold = tmp_path / "gold"
    gold.mkdir()
    seed = {"text": seed_text, "meta": {"letter_id": "s1"}, "records": [{"service": "Norco 10/325 #60"},
                                                                        {"service": "MRI of the knee"}]}
    (gold / "seeds.jsonl").write_text(json.dumps(seed) + "\n")
    labels = {"letters": {
        "seeds.jsonl#s1": {"sha256": text_sha256(seed_text), "items": [
            {"item": 0, "category": "pharmaceuticals", "subcategory": "opioids", "drug_group": "opioids",
             "generic": "hydrocodone/acetaminophen"},
            {"item": 1, "category": "rehabilitation", "subcategory": "physical_therapy", "drug_group": None,
             "generic": None}]},
        "CM00-0000001.json": {"sha256": "0" * 64, "items": []},
    }}
    path = tmp_path / "labels.json"
    path.write_text(json.dumps(labels))  # the labels' hash is the canonical-text sha256, as in the gold files
    return path, gold


def test_evaluation_skips_real_letters_without_the_folder_and_counts_confusions(tmp_path):
    labels, gold = _labels(tmp_path, "a seed letter")
    services, skipped = load_labelled(labels, gold, tmp_path / "absent")
    assert [s.item for s in services] == [0, 1]
    assert skipped == [f"1 real letter(s) skipped: letters folder {tmp_path / 'absent'} is absent"]
    result = score(services)
    assert result["accuracy"]["category"] == 0.5 and result["accuracy"]["drug_group"] == 1.0
    assert result["confusions"] == [{"field": "category", "gold": "rehabilitation/physical_therapy",
                                     "predicted": "diagnostic_tests/mri", "count": 1}]

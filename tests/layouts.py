# ruff: noqa: W291, W293  (trailing blanks are part of the letter layouts)
"""Small hand-written letters, one per known layout (invented text, no real letter content)."""

SEED_LAYOUT = """ HOW THE IMR FINAL DETERMINATION WAS MADE 

MAXIMUS Federal Services sent the case file to an expert reviewer. The expert 

reviewer is Board Certified in Orthopaedic Surgery and is licensed to practice in 

California. 

 

CLINICAL CASE SUMMARY 

This 52 year-old patient sustained an injury on 3/14/12 while lifting boxes. Request(s) under 

consideration include Physical therapy 2x6 for the neck. 

 

IMR ISSUES, DECISIONS AND RATIONALES 

The Final Determination was based on decisions for the disputed items/services set forth below: 

 

Physical therapy 2x6 for the neck:  Upheld 

 

Claims Administrator guideline: Decision based on MTUS Neck and Upper Back Complaints 

Page(s): 173-174.   

 

MAXIMUS guideline: Decision based on MTUS Chronic Pain Medical Treatment Guidelines Page(s): 98-99.   

 

Decision rationale: The MTUS allows a fading of treatment frequency. The patient has finished 

ten visits without documented gains. The Physical therapy 2x6 for the neck is not medically 

necessary and appropriate. 

"""

LAYOUT_2016 = """Case Number: CM16-0000001
Date Assigned: 11/01/2016 Date of Injury: 05/05/2010
Decision Date: 12/01/2016 UR Denial Date: 10/20/2016
Priority: Standard Application 
Received: 
10/25/2016
HOW THE IMR FINAL DETERMINATION WAS MADE
MAXIMUS Federal Services sent the complete case file to an expert reviewer.
The Expert Reviewer has the following credentials:
State(s) of Licensure: California
Certification(s)/Specialty: Family Practice
CLINICAL CASE SUMMARY
The injured worker is a 45 year old male who reported low back pain. The original utilization 
review denied a request for Tramadol 50mg #90.IMR ISSUES, DECISIONS AND RATIONALES
The Final Determination was based on decisions for the disputed items/services set forth below:
Tramadol 50mg #90: UpheldClaims Administrator guideline: Decision based on MTUS Opioid Treatment 2016.
MAXIMUS guideline: Decision based on MTUS Chronic Pain Medical Treatment 2016, 
Section(s): Opioids, criteria for use.
Decision rationale: There is no documented functional improvement from opioids. Therefore, the 
request for Tramadol 50mg #90 is not medically necessary.
Acupuncture 10 sessions was the original request. Acupuncture 4 sessions was authorized by 
the Claims Administrator. The remaining IMR eligible portion of the original request, 
Acupuncture 6 sessions is: Overturned
Claims Administrator guideline: Decision based on MTUS Acupuncture Treatment 2007.
MAXIMUS guideline: Decision based on MTUS Acupuncture Treatment 2007.
Decision rationale: The guideline allows extension with functional improvement, which is 
documented here. Therefore, the request is medically necessary.
"""

NOTICE_2013 = """Notice of Independent Medical Review Determination
Dated: 10/15/2013
IMR Case Number: CM13-0001234 Date of Injury: 2/2/2011
Application Received: 8/1/2013
Treatment(s) in Dispute Listed on IMR Application: MRI of the right knee; Naproxen 550mg #60
MAXIMUS Federal Services, Inc. has completed the Independent Medical Review.
INDEPENDENT MEDICAL REVIEW DECISION AND RATIONALE
1) MAXIMUS Federal Services, Inc. has determined the request for MRI of the right knee is not
medically necessary and appropriate.
2) MAXIMUS Federal Services, Inc. has determined the request for Naproxen 550mg #60 is medically
necessary and appropriate.
Medical Qualifications of the Expert Reviewer:
The physician reviewer is Board Certified in Internal Medicine and is licensed to practice in California.
Case Summary:
The patient is a 58 year old woman who twisted her right knee at work.
1) Regarding the request for MRI of the right knee:
Medical Treatment Guideline(s) used by the Claims Administrator: MTUS ACOEM Chapter 13, pages 341-343.
Medical Treatment Guideline(s) used by the Expert Reviewer: MTUS ACOEM Chapter 13, pages 341-343.
Rationale for the Decision: There are no red flags on examination. The request for MRI of the right
knee is not medically necessary and appropriate.
Page 3 of 4
2) Regarding the request for Naproxen 550mg #60:
Medical Treatment Guideline(s) used by the Claims Administrator: Chronic Pain Medical Treatment
Guidelines, page 67.
Medical Treatment Guideline(s) used by the Expert Reviewer: Chronic Pain Medical Treatment Guidelines,
pages 67-68.
Rationale for the Decision: NSAIDs are recommended at the lowest dose for the shortest time. The
request for Naproxen 550mg #60 is medically necessary and appropriate.
"""

LATER_LAYOUT = """MAXIMUS FEDERAL SERVICES, INC.
Independent Medical Review
Case Number: CM18-0005555
DOCUMENTS REVIEWED
Progress notes and the utilization review letter.
CLINICAL CASE SUMMARY
The injured worker is a 39-year-old female with neck pain after a fall on 4/9/2015.
IMR DECISION(S) AND RATIONALE(S)
Cervical epidural steroid injection at C5-6 is not medically necessary and appropriate.
Claims Administrator guideline: Decision based on MTUS Chronic Pain Medical Treatment 2016.
MAXIMUS guideline: Decision based on MTUS Chronic Pain Medical Treatment 2016.
Decision rationale: Radiculopathy is not corroborated by imaging. The epidural injection is not
medically necessary.
Cyclobenzaprine 7.5mg #30 is medically necessary and appropriate.
Claims Administrator guideline: Decision based on Non-MTUS Citation Official Disability
Guidelines (ODG), Pain.
MAXIMUS guideline: Decision based on MTUS Chronic Pain Medical Treatment 2016.
Decision rationale: A short course is supported for an acute flare. The request is medically
necessary.
"""

PROFESSIONAL_LAYOUT = """MEDICAL PROFESSIONAL REVIEW
ISSUE AT DISPUTE:
Lumbar MRI without contrast
CASE SUMMARY:
The claimant is a 50 year old man with back pain since a fall at work.
DOCUMENTS REVIEWED FOR DETERMINATION:
Office notes.
MEDICAL TREATMENT GUIDELINE(S) RELIED UPON BY PROFESSIONAL REVIEWER AND WHY:
ACOEM Chapter 12, pages 303-304, because it addresses imaging of the low back.
RATIONALE FOR WHY THE REQUESTED TREATMENT/SERVICE IS/WAS NOT MEDICALLY NECESSARY:
There are no neurological deficits. The lumbar MRI is not medically necessary.
MEDICAL REVIEWER QUALIFICATIONS:
Board Certified in Physical Medicine and Rehabilitation.
"""

# later layout, un-numbered statements with 'Guideline(s) relied upon:' lines (one OCR-garbled)
LATER_RELIED_UPON = """IMR DECISION(S) AND RATIONALE(S)
Diagnostic ultrasound left shoulder is not medically necessary and appropriate.
Guideline(s) relied upon: MTUS ACOEM Chapter 9 Shoulder Complaints, pages 207-209;
ODG Shoulder Chapter
Rationale: No red flags are documented. The ultrasound is not medically necessary and appropriate.
Etodolac 500mg #45 is medically necessary and appropriate.
Guideline(s) relied up0n: MTUS Chronic Pain Medical Treatment Guidelines, NSAIDs, page 67
Rationale: A short course is supported. The request is medically necessary and appropriate.
"""

# seed layout with PDF noise: a line break in the intro, blank lines, page furniture, letterhead
SEED_NOISY = """IMR ISSUES, DECISIONS AND RATIONALES

The Final Determination was based on decisions for the disputed items/services set forth 

below:

Repeat MRI of the bilateral hands:  Upheld

Claims Administrator guideline: Decision based on MTUS ACOEM Chapter 11 Page(s): 268-269.

Decision rationale: No red flags. The MRI is not medically necessary and appropriate.

Percocet 10/325mg #90:  

Upheld

Page 1 of 2
CM13-0012345
Claims Administrator guideline: Decision based on MTUS Chronic Pain Page(s): 78-80.

Decision rationale: No functional gain. The Percocet is not medically necessary and appropriate.
Independent Medical Review
Work hardening 1x6 for the lumbar spine: Upheld

Page 2 of 2
Claims Administrator guideline: Decision based on MTUS Chronic Pain Page(s): 125.

Decision rationale: No job to return to. It is not medically necessary and appropriate.
"""

# professional review with two issues asked as questions (no numbers), one wrapped by the PDF, a shared
# guideline block (one citation wrapped over two lines) and a shared rationale deciding them differently
PROFESSIONAL_TWO_ISSUES = """MEDICAL PROFESSIONAL REVIEW
ISSUE AT DISPUTE:
Is the request for Lidoderm 5% patch #30 medically necessary?
Is the request for 8 sessions of aquatic therapy for the lumbar spine, two times a week for four
weeks medically necessary?
CASE SUMMARY:
The claimant is a 47 year old man with low back pain rated 7/10.
MEDICAL TREATMENT GUIDELINE(S) RELIED UPON BY PROFESSIONAL REVIEWER AND WHY:
MTUS Chronic Pain Medical Treatment Guidelines, Lidoderm (lidocaine patch), pages 56-57. It addresses
topical lidocaine.
MTUS Chronic Pain Medical Treatment Guidelines, Aquatic therapy, page 22. It addresses aquatic therapy.
RATIONALE FOR WHY THE REQUESTED TREATMENT/SERVICE IS/WAS NOT MEDICALLY NECESSARY:
Topical lidocaine is recommended for localized peripheral pain after first-line therapy failed. The
request for Lidoderm 5% patch #30 is medically necessary.
Aquatic therapy is recommended where reduced weight bearing is desirable. No such need is documented.
The request for 8 sessions of aquatic therapy for the lumbar spine, two times a week for four weeks is
not medically necessary.
MEDICAL REVIEWER QUALIFICATIONS:
Board Certified in Anesthesiology.
"""

ALL_LAYOUTS = {
    "seed": SEED_LAYOUT,
    "2016": LAYOUT_2016,
    "notice2013": NOTICE_2013,
    "later": LATER_LAYOUT,
    "professional": PROFESSIONAL_LAYOUT,
}

"""The hostile-input corpus: bad encodings, broken PDFs, huge and odd letters, written by code.

Everything is generated at test time, so no binary or real-letter text is committed. The PDFs are
written by hand (Helvetica text objects, an image-only page, RC4-40 encryption with a user password,
a truncated file), which needs no PDF library. ``scripts/make_hostile_corpus.py OUT_DIR`` writes it;
the tests' fixtures build it in a temporary folder.
"""

from __future__ import annotations

import hashlib
import os
import random
import textwrap
import zlib
from pathlib import Path

# An invented letter in the IMR Final Determination layout (no real letter's text).
SYNTHETIC_LETTER = """\
Case Number: CM99-0000001
Date Assigned: 01/04/2017 Date of Injury: 03/15/2014
Decision Date: 02/01/2017 UR Denial Date: 12/20/2016
Priority: Standard Application
Received:
12/28/2016
HOW THE IMR FINAL DETERMINATION WAS MADE
MAXIMUS Federal Services sent the complete case file to an expert reviewer. He/she has no
affiliation with the employer, employee, providers or the claims administrator. The expert
reviewer was selected based on his/her clinical experience and expertise in the same or similar
specialties that evaluate and/or treat the medical condition and disputed items/services.
The Expert Reviewer has the following credentials:
State(s) of Licensure: California
Certification(s)/Specialty: Orthopedic Surgery
CLINICAL CASE SUMMARY
The expert reviewer developed the following clinical case summary based on a review of the
case file, including all medical records:
This 52 year-old female sustained an injury on 3/15/14 while lifting boxes at work. Request(s)
under consideration include Acupuncture 2x6 for the neck and Tramadol 50mg #90. The patient
reported neck pain rated at 6/10 radiating to the right shoulder. Exam of the cervical spine
showed tenderness to palpation over the paraspinal muscles and decreased range of motion.
Spurling's test was negative. Diagnoses included cervical strain and right shoulder
impingement. Treatment has included physical therapy and anti-inflammatory medication. The
requests were non-certified on 12/20/16.
IMR ISSUES, DECISIONS AND RATIONALES
The Final Determination was based on decisions for the disputed items/services set forth below:
Acupuncture 2x6 for the neck: Overturned
Claims Administrator guideline: Decision based on MTUS Acupuncture Medical Treatment
Guidelines.
MAXIMUS guideline: Decision based on MTUS Acupuncture Medical Treatment Guidelines, Page(s): 8-9.
Decision rationale: The guidelines support acupuncture as an option when pain medication is
reduced or not tolerated, with an initial trial of 3 to 6 treatments. The patient has not had
acupuncture before and has persistent neck pain despite therapy. The request for Acupuncture
2x6 for the neck is medically necessary and appropriate.
Tramadol 50mg #90: Upheld
Claims Administrator guideline: Decision based on MTUS Chronic Pain Medical Treatment
Guidelines, Page(s): 76-80.
MAXIMUS guideline: Decision based on MTUS Chronic Pain Medical Treatment Guidelines, Page(s): 76-80.
Decision rationale: Ongoing opioid use requires documented pain relief, functional improvement
and monitoring for aberrant drug behavior. The records do not show any of these. The Tramadol
50mg #90 is not medically necessary and appropriate.
"""

# Invented non-IMR documents: the pipeline must find no determinations in them.
COURT_OPINION = """\
IN THE COURT OF APPEAL OF THE STATE OF CALIFORNIA
SECOND APPELLATE DISTRICT
JOHN DOE, Plaintiff and Appellant,
v.
ACME WAREHOUSING, INC., Defendant and Respondent.
OPINION
Appellant challenges the trial court's order sustaining a demurrer without leave to amend. We
review the ruling de novo and conclude the complaint fails to state a cause of action. The
statute of limitations ran before the complaint was filed, and appellant has not shown how an
amendment could cure the defect.
DISPOSITION
The judgment is affirmed. Respondent shall recover its costs on appeal.
"""

PROGRESS_REPORT = """\
PRIMARY TREATING PHYSICIAN'S PROGRESS REPORT (PR-2)
Patient: Jane Roe  Date of exam: 05/02/2016
Subjective: The patient returns for follow-up of low back pain, 5/10, worse with sitting.
Objective: Lumbar flexion 60 degrees. Straight leg raise negative bilaterally. Gait normal.
Assessment: Lumbar sprain/strain.
Plan: Continue home exercise program. Return in four weeks. Work status: modified duty,
no lifting over 20 pounds.
"""

# ligatures, NBSP, soft hyphens, curly quotes, zero-width chars and raw control characters
UNICODE_NOISE = {
    "fi": "\ufb01",
    " the ": "\u00a0the\u00a0",
    "medication": "medi\u00adcation",
    "Spurling's": "Spurling\u2019s",
    "decisions for": "decisions\u200b for",
    "The patient": "\x07The patient",
}


def synthetic_letter() -> str:
    """An invented two-item letter in the IMR layout (the base of most hostile cases)."""
    return SYNTHETIC_LETTER


def _pdf_escape(line: str) -> bytes:
    data = line.encode("cp1252", errors="replace")
    return data.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _rc4(key: bytes, data: bytes) -> bytes:
    s = list(range(256))
    j = 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) % 256
        s[i], s[j] = s[j], s[i]
    out = bytearray()
    i = j = 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + s[i]) % 256
        s[i], s[j] = s[j], s[i]
        out.append(byte ^ s[(s[i] + s[j]) % 256])
    return bytes(out)


_PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")


class _Rc4Security:
    """PDF Standard security handler, revision 2 (RC4, 40-bit key), as in PDF 1.7 section 7.6.3."""

    def __init__(self, user_password: str, owner_password: str, file_id: bytes, permissions: int = -44):
        user = (user_password.encode("latin-1") + _PAD)[:32]
        owner = (owner_password.encode("latin-1") + _PAD)[:32]
        self.o = _rc4(hashlib.md5(owner).digest()[:5], user)
        p = permissions.to_bytes(4, "little", signed=True)
        self.key = hashlib.md5(user + self.o + p + file_id).digest()[:5]
        self.u = _rc4(self.key, _PAD)
        self.permissions = permissions

    def encrypt(self, obj_num: int, data: bytes) -> bytes:
        """The stream of object ``obj_num`` encrypted with its per-object key."""
        obj_key = hashlib.md5(self.key + obj_num.to_bytes(3, "little") + b"\x00\x00").digest()[:10]
        return _rc4(obj_key, data)

    def dict_body(self) -> bytes:
        """The /Encrypt dictionary the trailer points to."""
        return (
            b"<< /Filter /Standard /V 1 /R 2 /Length 40 /O <" + self.o.hex().encode()
            + b"> /U <" + self.u.hex().encode() + b"> /P " + str(self.permissions).encode() + b" >>"
        )


def _stream(dict_entries: bytes, data: bytes) -> bytes:
    head = b"<< " + dict_entries + b" /Length " + str(len(data)).encode() + b" >>\nstream\n"
    return head + data + b"\nendstream"


def _assemble(bodies: list[bytes], trailer_extra: bytes = b"") -> bytes:
    """Objects numbered from 1 in list order; object 1 must be the catalog."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for num, body in enumerate(bodies, start=1):
        offsets.append(len(out))
        out += f"{num} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(bodies) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(bodies) + 1} /Root 1 0 R ".encode() + trailer_extra + b">>\n"
    out += f"startxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def text_pdf(text: str, *, user_password: str | None = None, lines_per_page: int = 54) -> bytes:
    """A PDF whose text layer holds ``text`` (Helvetica, one text line per input line)."""
    lines: list[str] = []
    for line in text.split("\n"):
        lines.extend(textwrap.wrap(line, 95) or [""])
    pages = [lines[i : i + lines_per_page] for i in range(0, len(lines), lines_per_page)] or [[""]]
    file_id = hashlib.md5(text.encode("utf-8")).digest()
    security = _Rc4Security(user_password, "owner-" + user_password, file_id) if user_password else None
    font_num = 3
    bodies: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b"", (
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")]
    kids = []
    for page_lines in pages:
        content = b"BT /F1 10 Tf 12 TL 72 740 Td\n" + b"".join(
            b"(" + _pdf_escape(line) + b") Tj T*\n" for line in page_lines
        ) + b"ET"
        content_num = len(bodies) + 1
        if security:
            content = security.encrypt(content_num, content)
        bodies.append(_stream(b"", content))
        page_num = len(bodies) + 1
        kids.append(page_num)
        bodies.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792]"
            f" /Resources << /Font << /F1 {font_num} 0 R >> >> /Contents {content_num} 0 R >>".encode()
        )
    bodies[1] = f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)} >>".encode()
    trailer = b""
    if security:
        bodies.append(security.dict_body())
        trailer = f"/Encrypt {len(bodies)} 0 R ".encode() + b"/ID [<" + file_id.hex().encode() + b"> <" + (
            file_id.hex().encode()) + b">] "
    return _assemble(bodies, trailer)


def image_only_pdf() -> bytes:
    """One page that draws a small grey image and carries no text at all (like a scan)."""
    width = height = 8
    pixels = zlib.compress(bytes((x * 31 + y * 17) % 256 for y in range(height) for x in range(width)))
    image = _stream(
        f"/Type /XObject /Subtype /Image /Width {width} /Height {height} /ColorSpace /DeviceGray"
        " /BitsPerComponent 8 /Filter /FlateDecode".encode(),
        pixels,
    )
    content = _stream(b"", b"q 400 0 0 600 100 100 cm /Im1 Do Q")
    page = (
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /XObject << /Im1 3 0 R >> >>"
        b" /Contents 4 0 R >>"
    )
    return _assemble([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [5 0 R] /Count 1 >>",
                      image, content, page])


def with_unicode_noise(text: str) -> str:
    """The text with ligatures, NBSP, soft hyphens, curly quotes, zero-width and control characters."""
    for plain, noisy in UNICODE_NOISE.items():
        text = text.replace(plain, noisy)
    return text


def cut_mid_item(text: str) -> str:
    """The letter cut off inside the rationale of its second item."""
    anchor = text.index("Ongoing opioid use")
    return text[: anchor + len("Ongoing opioid use requires documented")]


def without_headings(text: str) -> str:
    """The letter without its three section headings."""
    for heading in ("HOW THE IMR FINAL DETERMINATION WAS MADE\n", "CLINICAL CASE SUMMARY\n",
                    "IMR ISSUES, DECISIONS AND RATIONALES\n"):
        text = text.replace(heading, "")
    return text


HUGE_BYTES = 20 * 1024 * 1024


def build(out_dir: str | Path, seed: int = 0) -> dict[str, Path]:
    """Write every hostile file into ``out_dir``; returns {case name: path}."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    letter = synthetic_letter()
    good_pdf = text_pdf(letter)
    files: dict[str, tuple[str, bytes]] = {
        "empty": ("empty.txt", b""),
        "whitespace": ("whitespace.txt", b"  \n\t\n   \r\n \x0c\n"),
        "garbage": ("garbage.txt", bytes(rng.randrange(256) for _ in range(4096))),
        "garbage_pdf_name": ("garbage_named.pdf", bytes(rng.randrange(256) for _ in range(2048))),
        "utf16": ("utf16_letter.txt", letter.encode("utf-16")),
        "latin1": (
            "latin1_letter.txt",
            letter.replace("Spurling's", "Spurling\u00b4s caf\u00e9").encode("latin-1"),
        ),
        "text_pdf": ("text_layer.pdf", good_pdf),
        "image_pdf": ("image_only.pdf", image_only_pdf()),
        "encrypted_pdf": ("encrypted.pdf", text_pdf(letter, user_password="s3cret")),
        "truncated_pdf": ("truncated.pdf", good_pdf[: len(good_pdf) * 2 // 5]),
        "cut_mid_item": ("cut_mid_item.txt", cut_mid_item(letter).encode()),
        "no_headings": ("no_headings.txt", without_headings(letter).encode()),
        "court_opinion": ("court_opinion.txt", COURT_OPINION.encode()),
        "progress_report": ("progress_report.txt", PROGRESS_REPORT.encode()),
        "unicode_noise": ("unicode_noise.txt", with_unicode_noise(letter).encode()),
    }
    paths: dict[str, Path] = {}
    for name, (filename, data) in files.items():
        path = out / filename
        path.write_bytes(data)
        paths[name] = path
    huge = out / "huge.txt"
    line = b"The patient reports pain in the lower back and the request is under review.\n"
    with huge.open("wb") as fh:
        block = line * (1024 * 1024 // len(line) + 1)
        written = 0
        while written < HUGE_BYTES:
            chunk = block[: HUGE_BYTES - written]
            fh.write(chunk)
            written += len(chunk)
    paths["huge"] = huge
    paths.update(special_files(out))
    return paths


def special_files(out: Path) -> dict[str, Path]:
    """A named pipe and a symlink to /dev/zero named like letters (where the system has them):
    reading either naively blocks or never ends."""
    paths: dict[str, Path] = {}
    if hasattr(os, "mkfifo"):
        pipe = out / "named_pipe.txt"
        pipe.unlink(missing_ok=True)
        os.mkfifo(pipe)
        paths["named_pipe"] = pipe
    if Path("/dev/zero").exists():
        link = out / "dev_zero.txt"
        link.unlink(missing_ok=True)
        link.symlink_to("/dev/zero")
        paths["device_link"] = link
    return paths

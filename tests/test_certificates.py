"""Certificates: eligibility (exam + assigned modules), issuing once, unguessable codes, verification, the PDF."""

from __future__ import annotations

import math
import re
import zlib
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from mesolearn.certificates import (
    CODE_BITS,
    CertificateError,
    Certificates,
    certificate_pdf,
    new_code,
    normalise_code,
    verify_url,
)
from mesolearn.certificates.pdf import find_unicode_font, safe_text
from mesolearn.certificates.service import ALPHABET
from mesolearn.quiz.attempts import Attempts
from mesolearn.quiz.grading import correct_response
from mesolearn.storage.models import Assignment, Cohort, CohortMember
from tests.conftest import (
    Clock,  # noqa: E402
    make_user,
)
from tests.factories import attempt_row, save_whole

REPO = Path(__file__).resolve().parents[1]
T0 = datetime(2025, 3, 3, 9, 0)
CODE_RE = re.compile(r"^MESO(-[0-9A-HJKMNP-TV-Z]{4}){4}$")


# ---------------------------------------------------------------- helpers (local to this file)


@pytest.fixture
def clock():
    return Clock(T0)


@pytest.fixture
def certs(db, course, clock):
    return Certificates(db, course, clock)


def pass_modules(db, user_id, modules):
    for m in modules:
        attempt_row(db, user_id, m, passed=True)


def pdf_text(data: bytes) -> bytes:
    """The PDF with every Flate stream inflated (enough to find text set in core fonts).

    A stream whose compressed bytes end in CR loses that byte to the regex's optional CR (about 1 PDF in 250, as the
    certificate code is random): a decompress object still inflates it (only the checksum is cut), where
    ``zlib.decompress`` raised and the text was missed (a flaky ``REVOKED`` check)."""
    out = [data]
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            out.append(zlib.decompressobj().decompress(m.group(1)))
        except zlib.error:
            pass
    return b"\n".join(out)


# ---------------------------------------------------------------- codes
def test_codes_are_unguessable_well_formed_and_unique():
    assert len(set(ALPHABET)) == 32 and not set("ILOU") & set(ALPHABET)
    assert CODE_BITS >= 80 and 16 * math.log2(len(ALPHABET)) >= 80
    codes = {new_code() for _ in range(3000)}
    assert len(codes) == 3000
    assert all(CODE_RE.match(c) for c in codes)
    # every symbol shows up: the code uses the whole alphabet
    assert set("".join(c[5:] for c in codes).replace("-", "")) == set(ALPHABET)


def test_normalise_code():
    code = "MESO-7KQ2-XM9D-4HTR-PB30"
    assert normalise_code(code) == code
    assert normalise_code("meso-7kq2-xm9d-4htr-pb30") == code
    assert normalise_code("  meso 7kq2 xm9d 4htr pb30 ") == code
    assert normalise_code("MESO7KQ2XM9D4HTRPB30") == code
    assert normalise_code("7KQ2-XM9D-4HTR-PB30") == code  # without the prefix
    assert normalise_code("MESO-7KQ2-XM9D-4HTR-PB3O") == code  # O read as 0
    assert normalise_code("MESO-1111-XM9D-4HTR-PB30") == normalise_code("MESO-IlI1-XM9D-4HTR-PB30")
    for bad in (
        "",
        None,
        "MESO-7KQ2-XM9D",
        "7KQ2-XM9D-4HTR",
        "MESO-7KQ2-XM9D-4HTR-PB30-AAAA",
        "MESO-7KQ2-XM9D-4HTR-PBU0",
        "MESO-7KQ2-XM9D-4HTR-PB3!",
        "'; DROP TABLE certificates; --",
    ):
        assert normalise_code(bad) is None


# ---------------------------------------------------------------- eligibility
def test_not_eligible_without_exam_or_modules(db, course, certs):
    user = make_user(db)
    e = certs.eligibility(user)
    assert not e.eligible and not e.exam_passed and not e.from_assignments
    assert e.required_modules == [m for m in course.modules if course.modules[m].quiz is not None]
    assert e.missing_modules == e.required_modules and len(e.reasons) == 2
    with pytest.raises(CertificateError):
        certs.issue(user)

    attempt_row(db, user, "certification", passed=True, kind="exam", score=80.0)
    e = certs.eligibility(user)
    assert e.exam_passed and e.exam_score == 80.0 and not e.eligible
    assert len(e.reasons) == 1 and "module" in e.reasons[0]

    pass_modules(db, user, e.required_modules[:-1])
    e = certs.eligibility(user)
    assert e.missing_modules == [e.required_modules[-1]]
    assert course.modules[e.required_modules[-1]].title in e.reasons[0]
    with pytest.raises(CertificateError):
        certs.issue(user)

    pass_modules(db, user, e.missing_modules)
    assert certs.eligibility(user).eligible


def test_what_does_not_count(db, course, certs):
    user = make_user(db)
    pass_modules(db, user, list(course.modules))
    attempt_row(db, user, "certification", passed=False, kind="exam", score=90.0)  # failed (critical item)
    attempt_row(db, user, "certification", passed=True, kind="exam", mode="practice")  # practice
    attempt_row(db, user, "certification", passed=True, kind="exam", submitted=False)  # not submitted
    assert not certs.eligibility(user).exam_passed
    other = make_user(db, "Other")
    attempt_row(db, other, "certification", passed=True, kind="exam")  # someone else's
    assert not certs.eligibility(user).exam_passed
    # module passes in practice mode do not count either
    third = make_user(db, "Third")
    attempt_row(db, third, "certification", passed=True, kind="exam")
    for m in course.modules:
        attempt_row(db, third, m, passed=True, mode="practice")
    assert certs.eligibility(third).missing_modules == certs.eligibility(third).required_modules


def test_assignments_define_required_modules(db, course, certs, clock):
    user = make_user(db)
    with db.session() as s:
        cohort = Cohort(name="Spring", invite_code="abc", created_at=T0)
        s.add(cohort)
        s.flush()
        s.add(CohortMember(cohort_id=cohort.id, user_id=user, joined_at=T0))
        s.add(Assignment(quiz_id="risks", user_id=user, created_at=T0))
        s.add(Assignment(quiz_id="consultation", cohort_id=cohort.id, created_at=T0))
        s.add(Assignment(quiz_id="certification", cohort_id=cohort.id, created_at=T0))  # an exam: no module
        s.add(Assignment(quiz_id="retired-module", user_id=user, created_at=T0))  # not in the course
        other_cohort = Cohort(name="Autumn", invite_code="def", created_at=T0)
        s.add(other_cohort)
        s.flush()
        s.add(Assignment(quiz_id="history", cohort_id=other_cohort.id, created_at=T0))  # not their cohort
    e = certs.eligibility(user)
    assert e.from_assignments and e.required_modules == ["risks", "consultation"]
    attempt_row(db, user, "certification", passed=True, kind="exam")
    pass_modules(db, user, ["risks", "consultation"])
    assert certs.eligibility(user).eligible
    cert = certs.issue(user)
    assert cert.modules == [course.modules["risks"].title, course.modules["consultation"].title]


# ---------------------------------------------------------------- issuing and verifying
def test_issue_is_idempotent_per_attempt_and_codes_differ(db, course, certs, clock):
    users = [make_user(db, f"Trainee {i}", f"trainee{i}") for i in range(3)]
    for u in users:
        pass_modules(db, u, list(course.modules))
    first_exam = attempt_row(db, users[0], "certification", passed=True, kind="exam", score=78.3)
    clock.advance(days=1)
    second_exam = attempt_row(
        db, users[0], "certification", passed=True, kind="exam", score=91.0, when=T0 + timedelta(days=1)
    )
    c1 = certs.issue(users[0])
    assert c1.attempt_id == first_exam and c1.score == 78.3 and c1.valid
    assert certs.issue(users[0]) == c1 and certs.issue(users[0], first_exam) == c1
    assert certs.eligibility(users[0]).certificate == c1
    c2 = certs.issue(users[0], second_exam)  # a different attempt: its own certificate
    assert c2.code != c1.code and c2.score == 91.0
    with pytest.raises(CertificateError):
        certs.issue(users[0], 999)
    others = []
    for u in users[1:]:
        attempt_row(db, u, "certification", passed=True, kind="exam")
        others.append(certs.issue(u))
    codes = [c1.code, c2.code] + [c.code for c in others]
    assert len(set(codes)) == len(codes) and all(CODE_RE.match(c) for c in codes)
    assert [c.code for c in certs.for_user(users[0])] == [c1.code, c2.code]
    assert c1.holder_name == "Trainee 0" and c1.exam_title == course.exams["certification"].title
    assert c1.issued_at == T0 + timedelta(days=1)  # the clock's time at issuing


def test_verify_normalises_and_rejects(db, course, certs):
    user = make_user(db, "Ada Lovelace")
    pass_modules(db, user, list(course.modules))
    attempt_row(db, user, "certification", passed=True, kind="exam")
    cert = certs.issue(user)
    messy = " " + cert.code.lower().replace("-", " ").replace("0", "o") + " "
    for text in (cert.code, cert.code.lower(), cert.code.replace("-", ""), cert.code[5:], messy):
        found = certs.verify(text)
        assert found is not None and found.code == cert.code and found.holder_name == "Ada Lovelace"
    # a wrong code: change one symbol
    last = cert.code[-1]
    wrong = cert.code[:-1] + ("A" if last != "A" else "B")
    assert certs.verify(wrong) is None
    assert certs.verify("") is None and certs.verify(None) is None and certs.verify("MESO-") is None
    assert certs.revoke(cert.code.lower())
    revoked = certs.verify(cert.code)
    assert revoked is not None and not revoked.valid
    assert not certs.revoke(wrong)


def test_end_to_end_with_real_attempts(db, course, certs, clock):
    """Passing every module quiz and the exam through the quiz engine makes the trainee eligible."""
    user = make_user(db)
    attempts = Attempts(db, course, clock)
    for quiz_id in list(course.modules) + ["certification"]:
        attempt_id = attempts.start(user, quiz_id, "graded", seed=3)
        for item in attempts.load(attempt_id, user).items:
            clock.advance(seconds=5)
            save_whole(attempts, attempt_id, user, item.question.id, correct_response(item.question))
        assert attempts.submit(attempt_id, user).passed
    e = certs.eligibility(user)
    assert e.eligible and e.exam_score == 100.0
    assert certs.issue(user).score == 100.0


# ---------------------------------------------------------------- PDF
@pytest.fixture
def issued(db, course, certs):
    def make(name):
        user = make_user(db, name, f"u{abs(hash(name)) % 10**8}")
        pass_modules(db, user, list(course.modules))
        attempt_row(db, user, "certification", passed=True, kind="exam", score=86.7)
        return certs.issue(user)

    return make


@pytest.mark.parametrize("font", ["auto", None])
def test_pdf_is_one_page_with_code_and_verify_link(issued, font):
    cert = issued("Ada Lovelace")
    data = certificate_pdf(cert, "https://meso.example.org/", "MesoLearn", font=font)
    assert data.startswith(b"%PDF") and len(data) > 1000
    text = pdf_text(data)
    assert cert.code.encode() in text
    assert f"verify at {verify_url('https://meso.example.org', cert.code)}".encode() in text
    assert b"verify at https://meso.example.org/verify?code=" in text
    assert len(re.findall(rb"/Type\s*/Page\b", data)) == 1


@pytest.mark.parametrize("font", ["auto", None])
@pytest.mark.parametrize(
    "name",
    ["Zoë Łukasiewicz-Øre", "王小明", "Σωκράτης Παπαδόπουλος", "Ngô Bảo Châu 😀", "Ṁ" * 120, "Tab\tand\nnewline\u202e"],
)
def test_pdf_survives_any_name(issued, name, font):
    cert = issued(name)
    data = certificate_pdf(cert, "https://meso.example.org", font=font)
    assert data.startswith(b"%PDF") and cert.code.encode() in pdf_text(data)


def test_revoked_certificate_pdf_says_so(issued, certs):
    cert = issued("Grace Hopper")
    certs.revoke(cert.code)
    data = certificate_pdf(certs.verify(cert.code), "https://x.org", font=None)
    assert b"REVOKED" in pdf_text(data)


def test_safe_text_fallbacks():
    assert safe_text("Zoë") == "Zoë"  # Latin-1 kept
    assert safe_text("Łukasiewicz") == "Lukasiewicz"  # transliterated
    assert safe_text("Dvořák") == "Dvorák"  # accents outside Latin-1 stripped
    assert safe_text("a\u202eb\x00c") == "abc"  # control and bidi characters dropped
    assert all(ord(c) < 256 for c in safe_text("王小明 😀"))
    assert find_unicode_font() is None or Path(find_unicode_font()).is_file()

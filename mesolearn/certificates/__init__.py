"""Certificates (no Streamlit): eligibility, issuing with an unguessable code, verification, and the PDF.
The eligibility rule is documented in docs/LEARNING.md."""

from mesolearn.certificates.pdf import certificate_pdf, verify_url
from mesolearn.certificates.service import (
    CODE_BITS,
    CertificateError,
    CertificateInfo,
    Certificates,
    Eligibility,
    new_code,
    normalise_code,
)

__all__ = [
    "CODE_BITS",
    "CertificateError",
    "CertificateInfo",
    "Certificates",
    "Eligibility",
    "certificate_pdf",
    "new_code",
    "normalise_code",
    "verify_url",
]

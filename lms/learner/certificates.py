"""The learner's certificates: the list, the PDF download, and starting a renewal.

A certificate is its holder's alone: another learner's (or another company's) is a 404,
as is a PDF the certificate job has not rendered yet.
"""

from __future__ import annotations

import io

from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from lms.extensions import db
from lms.learner import bp
from lms.permissions import submit_required
from lms.services import certificates, completion, progress
from lms.storage import get_storage


@bp.get("/certificates")
def certificates_page() -> str:
    return render_template(
        "learner/certificates.html", held=certificates.held_by(current_user.id), labels=certificates.STATUS_LABELS
    )


@bp.get("/certificates/<int:certificate_id>/pdf")
def certificate_pdf(certificate_id: int) -> Response:
    certificate = certificates.owned(current_user.id, certificate_id)
    if certificate is None or not certificates.downloadable(certificate):
        abort(404)
    name = certificates.file_name(certificate)
    if certificate.pdf_path is not None:
        return get_storage().send(
            certificate.pdf_path, mimetype="application/pdf", as_attachment=True, download_name=name
        )
    return send_file(
        io.BytesIO(certificates.unstored_pdf(certificate)),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=name,
    )


@bp.post("/modules/<int:module_id>/renew")
@submit_required
def start_renewal(module_id: int) -> Response:
    """Retake a module without a quiz: its sections are to be confirmed again (``completion.start_renewal``)."""
    module = progress.published_module(module_id)
    if module is None:
        abort(404)
    completion.start_renewal(current_user.id, module)
    db.session.commit()
    flash(_("Confirm each section again to renew your certificate."), "info")
    return redirect(url_for("learner.module_page", module_id=module.id))

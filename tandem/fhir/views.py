"""The upload page: choose FHIR files, import them into the current practice, see what happened."""

from __future__ import annotations

from django.shortcuts import render

from tandem.core.permissions import practice_required
from tandem.core.rules import Capability

from . import actions, presenters
from .forms import MAX_FILES, MAX_UPLOAD_BYTES, UploadForm, megabytes


@practice_required(Capability.IMPORT_RECORDS)
def upload(request):
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    if form.is_bound and form.is_valid():
        uploads = form.cleaned_data["files"]
        reports = actions.import_files(files=[(f.name, f) for f in uploads], practice=request.practice,
                                       by=request.user)
        files = presenters.results(reports)
        errors = presenters.error_list(files)
        return render(request, "fhir/result.jinja", {
            "files": files, "error_list": errors, "form_errors": [e["text"] for e in errors],
            "active_section": "import",
        })
    form_errors = [str(e) for e in form.errors.get("files", [])] if form.is_bound else []
    return render(request, "fhir/upload.jinja", {
        "form_errors": form_errors, "max_size": megabytes(MAX_UPLOAD_BYTES), "max_files": MAX_FILES,
        "active_section": "import",
    }, status=400 if form_errors else 200)

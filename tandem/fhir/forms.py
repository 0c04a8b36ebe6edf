"""The upload form: one or more FHIR files, each within the size limit."""

from __future__ import annotations

from django import forms
from django.conf import settings

# Files above Django's in-memory limit are streamed to a temporary file on disk as
# they arrive, and read from there. Larger exports are imported with the command
# line (`tandem import-fhir`), which has no limit.
MAX_UPLOAD_BYTES = getattr(settings, "TANDEM_FHIR_MAX_UPLOAD_BYTES", 100 * 1024 * 1024)
MAX_FILES = 20


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB" if size >= 1024 * 1024 else f"{max(size, 1) / 1024:.0f} KB"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file field that accepts several files (Django documentation: 'Uploading multiple files')."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data] if data else [single(None, initial)]
        return [single(data, initial)]


class UploadForm(forms.Form):
    files = MultipleFileField(error_messages={
        "required": "Choose one or more FHIR files to import",
        "empty": "The file you chose is empty",
    })

    def clean_files(self):
        files = self.cleaned_data["files"]
        if len(files) > MAX_FILES:
            raise forms.ValidationError(f"Choose {MAX_FILES} files or fewer at a time")
        for upload in files:
            if upload.size > MAX_UPLOAD_BYTES:
                raise forms.ValidationError(
                    f"{upload.name} is {megabytes(upload.size)}; files must be {megabytes(MAX_UPLOAD_BYTES)} "
                    "or smaller. Split the export, or import it with the command line (tandem import-fhir)"
                )
        return files

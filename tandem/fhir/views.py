from django.shortcuts import render

from tandem.core.permissions import practice_required
from tandem.core.rules import Capability


@practice_required(Capability.IMPORT_RECORDS)
def upload(request):
    return render(request, "fhir/upload.jinja", {"active_section": "import"})

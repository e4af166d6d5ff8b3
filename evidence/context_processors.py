from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict:
    # The most a form may send at once: the page's script warns before a save would be refused.
    return {"SITE_NAME": "MMIP Evidence", "MAX_FORM_BYTES": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}

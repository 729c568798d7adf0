"""Uploads: the size of a request before it is read, and what a file is by its first bytes.

`RequestSizeLimitMiddleware` refuses a body above UPLOAD_REQUEST_MAX_BYTES from its
Content-Length, before Django reads any of it.

Neither the file name nor the browser's content type is trusted: complaint attachments and
checklist photos and audio notes are all accepted only when their content starts like the
format they claim.
RIFF is a container (WebP images, WAV recordings, AVI videos, ...): its form type at bytes
8–12 says which, so a RIFF file is not taken for a WebP image just for being RIFF.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _

HEAD_BYTES = 16


class RequestSizeLimitMiddleware:
    """A request body above UPLOAD_REQUEST_MAX_BYTES is refused (413) from its Content-Length.

    Django keeps a form's fields in memory only up to DATA_UPLOAD_MAX_MEMORY_SIZE, but streams
    an uploaded file of any size to a temporary file before a form can look at its size: a
    10 GB upload filled the disk and held a worker for minutes before "too large". The proxy
    should refuse it first (docs/deployment.md); this is the same limit where gunicorn is
    reached directly. A body without a Content-Length is not read by Django at all.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads no body then either
        limit = settings.UPLOAD_REQUEST_MAX_BYTES
        if length > limit:
            message = _(
                "This upload is too large: a request may carry at most %(mb)s MB. "
                "Go back and choose a smaller file."
            ) % {"mb": limit // (1024 * 1024)}
            return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        """A view marked with `max_request_bytes` (a public form) takes a much smaller body.
        Checked here, before CsrfViewMiddleware reads the form to find its token."""
        limit = getattr(view_func, "max_request_bytes", None)
        if limit is None:
            return None
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length <= limit:
            return None
        message = _(
            "This form is too large: it may carry at most %(kb)s KB of text. Go back and "
            "shorten what you wrote."
        ) % {"kb": limit // 1024}
        return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")


def max_request_bytes(limit: int):
    """Mark a view whose request body may be at most `limit` bytes (see the middleware)."""

    def decorate(view):
        view.max_request_bytes = limit
        return view

    return decorate


def _starts(*prefixes):
    return lambda head: head.startswith(prefixes)


def _riff(form):
    return lambda head: head.startswith(b"RIFF") and head[8:12] == form


HEIF_BRANDS = (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif")

# Format (as its usual file extension) → test on the first HEAD_BYTES bytes.
SIGNATURES = {
    "pdf": _starts(b"%PDF"),
    "jpg": _starts(b"\xff\xd8\xff"),
    "png": _starts(b"\x89PNG\r\n\x1a\n"),
    "gif": _starts(b"GIF87a", b"GIF89a"),
    "webp": _riff(b"WEBP"),
    "mp3": _starts(b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"),
    # An ISO media file (M4A audio): a box size, then "ftyp", then its brand; HEIF and AVIF
    # photos (iPhone and Android cameras) are ISO media files too, and not recordings.
    "m4a": lambda head: head[4:8] == b"ftyp" and head[8:12] not in HEIF_BRANDS,
    # Raw AAC (ADTS frames): a 12-bit sync word, then layer bits 00 (MP3 frames have 01).
    "aac": lambda head: head[:1] == b"\xff" and head[1:2] in (b"\xf0", b"\xf1", b"\xf8", b"\xf9"),
    # A browser's own recording (MediaRecorder): WebM (EBML) in Chrome and Firefox, or Ogg.
    "webm": _starts(b"\x1a\x45\xdf\xa3"),
    "ogg": _starts(b"OggS"),
    "wav": _riff(b"WAVE"),
    "amr": _starts(b"#!AMR"),
    # Plain text has no signature: no control bytes but tabs and line ends (decoded_text()
    # then reads the whole of it).
    "txt": lambda head: not any(b < 0x20 and b not in b"\t\n\r" for b in head),
}
ALIASES = {"jpeg": "jpg"}


def read_head(upload) -> bytes:
    """The first bytes of an uploaded file, leaving it ready to be read from the start."""
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    return head


def file_format(head: bytes, *, among=SIGNATURES) -> str | None:
    """The format (of those in `among`) these first bytes are, or None."""
    return next((fmt for fmt in among if SIGNATURES[fmt](head)), None)


def content_matches(upload, extension: str) -> bool:
    """Whether the file's content is of the format its extension (".webp", "jpeg") claims."""
    fmt = extension.lower().lstrip(".")
    fmt = ALIASES.get(fmt, fmt)
    return fmt in SIGNATURES and SIGNATURES[fmt](read_head(upload))


# Scans and photos (extension → the type a file is stored and served as): what every upload
# of evidence may be; complaints add recordings.
DOCUMENT_TYPES = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
}


def accepted_upload(upload, *, types: dict[str, str], max_bytes: int, refusal, field="file") -> str:
    """The content type to store `upload` under, if it may be stored: its extension is one of
    `types` (extension without the dot → content type), it is at most `max_bytes`, and its
    content starts like that format. Otherwise a ValidationError on `field`; `refusal` names
    the formats accepted."""
    name = upload.name.lower()
    extension = name.rsplit(".", 1)[-1] if "." in name else ""
    if extension not in types:
        raise ValidationError({field: refusal})
    if upload.size > max_bytes:
        raise ValidationError(
            {field: _("The file is larger than %(mb)s MB.") % {"mb": max_bytes // (1024 * 1024)}}
        )
    # Neither the name nor the browser's type is trusted on its own: the content must match.
    if not content_matches(upload, extension):
        raise ValidationError({field: _("The file's content does not match its type.")})
    return types[extension]


def decoded_text(upload, *, field="file") -> str:
    """An accepted .txt upload as text: UTF-8 (with or without its BOM), else GBK, the two
    encodings Chinese office software saves in. GB 18030 decodes every GBK file."""
    data = upload.read()
    upload.seek(0)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError({field: _("The file is neither UTF-8 nor GBK text.")})

"""Checks of files that debtors send with a dispute: PDF or image, by content, within a size limit.

The type is read from the file's first bytes, never from its name or the
browser's Content-Type, and images are opened with Pillow to prove that
they are what they claim. The stored name gets the extension of that type.
"""

import hashlib
import io
import re
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext
from PIL import Image, UnidentifiedImageError

from payt.api_errors import DomainError

MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
FILENAME_MAX_LENGTH = 200

# (content type, leading bytes) of the accepted formats.
SIGNATURES = (
    ("application/pdf", b"%PDF-"),
    ("image/png", b"\x89PNG\r\n\x1a\n"),
    ("image/jpeg", b"\xff\xd8\xff"),
)
PILLOW_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WEBP"}
# Extensions of each accepted type. A file whose name has another extension gets the first.
EXTENSIONS = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/webp": (".webp",),
}
# A name's last suffix counts as its extension only if it is a dot, a letter and up to four
# more letters or digits, so "report v1.2" keeps its ".2".
EXTENSION_PATTERN = re.compile(r"\.[A-Za-z][A-Za-z0-9]{0,4}$")
UNSAFE_FILENAME_CHARACTERS = re.compile(r"[^\w\-. ()]")

# Name of the request attribute that lists the uploads AttachmentSizeLimit skipped.
SKIPPED_UPLOADS_ATTRIBUTE = "portal_skipped_uploads"


@dataclass(frozen=True)
class CheckedAttachment:
    filename: str
    content_type: str
    content: bytes

    @property
    def size(self) -> int:
        return len(self.content)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def attachment_check(upload: UploadedFile) -> CheckedAttachment:
    """Return the upload's content if it is a PDF, PNG, JPEG or WebP of at most 5 MB.

    Raises DomainError (field ``attachment``) naming the file, the problem
    and what to do instead.
    """
    filename = _clean_filename(upload.name or "")
    if upload.size > MAX_ATTACHMENT_BYTES:
        raise _rejected(
            gettext(
                "The file %(name)s (%(size)s) is larger than the maximum of 5 MB. "
                "Send a smaller file, for example a scan at a lower resolution."
            )
            % {"name": filename, "size": filesizeformat(upload.size)},
            "too_large",
        )
    content = upload.read()
    if not content:
        raise _rejected(gettext("The file %(name)s is empty. Choose the file again.") % {"name": filename}, "empty")
    content_type = sniff_content_type(content)
    if content_type is None:
        raise _rejected(
            gettext("The file %(name)s is not a PDF or an image. Send a PDF, JPEG, PNG or WebP file.")
            % {"name": filename},
            "unsupported_type",
        )
    if content_type in PILLOW_FORMATS and not _image_opens(content, PILLOW_FORMATS[content_type]):
        raise _rejected(
            gettext("The file %(name)s looks like an image but cannot be read. Save it again and send the copy.")
            % {"name": filename},
            "damaged",
        )
    return CheckedAttachment(
        filename=stored_filename(filename, content_type), content_type=content_type, content=content
    )


def too_large_error(filename: str) -> DomainError:
    """Return the error for an upload that AttachmentSizeLimit skipped, so its size is unknown."""
    return _rejected(
        gettext(
            "The file %(name)s is larger than the maximum of 5 MB. "
            "Send a smaller file, for example a scan at a lower resolution."
        )
        % {"name": _clean_filename(filename)},
        "too_large",
    )


def stored_filename(name: str, content_type: str) -> str:
    """Return ``name`` made safe for a download, with an extension of ``content_type``.

    "scan.exe" holding a PDF becomes "scan.pdf"; "photo.JPEG" holding a JPEG
    keeps its extension. Characters other than letters, digits, space and
    ``-_.()`` become "_".
    """
    base = _clean_filename(name)
    extensions = EXTENSIONS.get(content_type, ())
    match = EXTENSION_PATTERN.search(base)
    stem = base[: match.start()] if match else base
    if match and match.group().lower() in extensions:
        extension = match.group().lower()
    else:
        extension = extensions[0] if extensions else ""
    stem = UNSAFE_FILENAME_CHARACTERS.sub("_", stem).strip(" .") or "attachment"
    return stem[: FILENAME_MAX_LENGTH - len(extension)] + extension


class AttachmentSizeLimit(FileUploadHandler):
    """Upload handler that skips every file larger than MAX_ATTACHMENT_BYTES while Django parses the body.

    Django then parses the other fields as usual, so the form can be shown
    again with what the debtor typed. The names of the skipped files are
    listed in ``request.portal_skipped_uploads``. Install it before anything
    reads ``request.POST``: ``request.upload_handlers.insert(0, AttachmentSizeLimit(request))``.

    NOTE: a reverse proxy whose request-size limit is below the body size
    rejects the request before Django runs, and the debtor gets the proxy's
    error page. The READMEs ask for a limit well above 5 MB.
    """

    def __init__(self, request: HttpRequest | None = None):
        super().__init__(request)
        if request is not None:
            setattr(request, SKIPPED_UPLOADS_ATTRIBUTE, [])

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > MAX_ATTACHMENT_BYTES:
            if self.request is not None:
                getattr(self.request, SKIPPED_UPLOADS_ATTRIBUTE).append(self.file_name or "")
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        # The next handler in the chain builds the uploaded file.
        return None


def skipped_uploads(request: HttpRequest) -> list[str]:
    """Return the names of the files that AttachmentSizeLimit skipped in this request."""
    return list(getattr(request, SKIPPED_UPLOADS_ATTRIBUTE, []))


def sniff_content_type(content: bytes) -> str | None:
    """Return the content type that the leading bytes show, or None for any other format."""
    for content_type, signature in SIGNATURES:
        if content.startswith(signature):
            return content_type
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    return None


def _image_opens(content: bytes, expected_format: str) -> bool:
    try:
        with Image.open(io.BytesIO(content)) as image:
            image.verify()
            return image.format == expected_format
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return False


def _clean_filename(name: str) -> str:
    """Keep the base name only, without path parts or control characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(char for char in base if char.isprintable()).strip()
    return (cleaned or "attachment")[:FILENAME_MAX_LENGTH]


def _rejected(message: str, code: str) -> DomainError:
    return DomainError(message, code=code, field="attachment")

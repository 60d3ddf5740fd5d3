"""Files attached to a case: checked by content (not by name), named safely, stored under the upload folder."""
from __future__ import annotations

import hashlib
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from portal.models import Attachment, Case, User

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_FILES = 5
# What a file is, from its first bytes: (signature, content type, extension).
SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"%PDF-", "application/pdf", ".pdf"),
)
ALLOWED_LABEL = "ảnh JPEG, ảnh PNG hoặc tài liệu PDF"


class UploadRejected(ValueError):
    """A file the portal will not keep; the message says which file and why, in Vietnamese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Upload:
    """A file as the browser sent it: the name it claims and its bytes."""

    file_name: str
    content: bytes


@dataclass
class NewFile:
    """An attachment row waiting for its bytes to be written once the change is saved."""

    attachment: Attachment
    content: bytes


def sniff(content: bytes) -> tuple[str, str] | None:
    """(content type, extension) read from the file's first bytes, or None when it is not JPEG, PNG or PDF."""
    for signature, content_type, extension in SIGNATURES:
        if content.startswith(signature):
            return content_type, extension
    return None


def clean_file_name(name: str, extension: str) -> str:
    """A name safe to show and to offer on download: no folders, no control or odd characters,
    Vietnamese letters kept, and the extension of what the file really is."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = "".join(ch for ch in stem if unicodedata.category(ch)[0] in "LN" or ch in " -_()")
    stem = re.sub(r"\s+", " ", stem).strip(" .-_") or "tep-dinh-kem"
    return stem[:120] + extension


def check_uploads(uploads: list[Upload]) -> list[tuple[Upload, str, str]]:
    """Every upload with its real (content type, extension); refuses the whole batch on the first bad file."""
    uploads = [upload for upload in uploads if upload.file_name or upload.content]
    if len(uploads) > MAX_FILES:
        raise UploadRejected(f"Chỉ được đính kèm tối đa {MAX_FILES} tệp mỗi lần.")
    checked = []
    for upload in uploads:
        shown = clean_file_name(upload.file_name, "") or "tệp không tên"
        if not upload.content:
            raise UploadRejected(f"Tệp “{shown}” rỗng.")
        if len(upload.content) > MAX_FILE_BYTES:
            raise UploadRejected(f"Tệp “{shown}” vượt quá {MAX_FILE_BYTES // (1024 * 1024)} MB.")
        kind = sniff(upload.content)
        if kind is None:
            raise UploadRejected(f"Tệp “{shown}” không phải {ALLOWED_LABEL} (kiểm tra theo nội dung tệp, "
                                 "không theo đuôi tên tệp).")
        checked.append((upload, *kind))
    return checked


def new_files(case: Case, actor: User, uploads: list[Upload], now: datetime) -> list[NewFile]:
    """Attachment rows for checked uploads, each with a random stored name; the caller adds and writes them."""
    made = []
    for upload, content_type, extension in check_uploads(uploads):
        attachment = Attachment(
            case_id=case.id, uploaded_by_id=actor.id, uploaded_at=now,
            file_name=clean_file_name(upload.file_name, extension),
            stored_name=secrets.token_hex(16) + extension, content_type=content_type,
            size=len(upload.content), sha256=hashlib.sha256(upload.content).hexdigest(),
        )
        made.append(NewFile(attachment, upload.content))
    return made


def path_of(attachment: Attachment, folder: str | os.PathLike) -> Path:
    """Where the file lives: spread over sub-folders by the first characters of its random name."""
    return Path(folder) / attachment.stored_name[:2] / attachment.stored_name


def write_files(files: list[NewFile], folder: str | os.PathLike) -> list[Path]:
    """Write the bytes of new attachments; returns the paths written (to remove if saving fails)."""
    written = []
    try:
        for new in files:
            path = path_of(new.attachment, folder)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(new.content)
            written.append(path)
    except OSError:
        remove_files(written)
        raise
    return written


def remove_files(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)

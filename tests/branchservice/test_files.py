"""The one file-signature check, shared by complaint attachments and checklist photos."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from branchservice.files import content_matches, file_format

WAV = b"RIFF\x24\x00\x00\x00WAVEfmt "
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 "


@pytest.mark.parametrize(
    ("content", "extension", "ok"),
    [
        (WEBP, ".webp", True),
        (WAV, ".webp", False),
        (WAV, ".wav", True),
        (WEBP, ".wav", False),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 12, "jpeg", True),
        (b"%PDF-1.7", ".png", False),
        (b"anything", ".exe", False),
    ],
)
def test_a_file_is_of_the_format_its_content_starts_with(content, extension, ok):
    upload = SimpleUploadedFile(f"file{extension}", content)
    assert content_matches(upload, extension) is ok
    assert upload.read() == content  # left ready to be stored from its first byte


def test_photo_formats_are_recognised_only_among_those_asked_for():
    assert file_format(WEBP, among=("jpg", "png", "webp")) == "webp"
    assert file_format(WAV, among=("jpg", "png", "webp")) is None
    assert file_format(b"%PDF-1.4", among=("jpg", "png", "webp")) is None


def test_recordings_are_told_from_photos_that_share_their_container():
    audio = ("m4a", "aac", "mp3", "webm", "ogg", "wav")
    assert file_format(b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00", among=audio) == "m4a"
    assert file_format(b"\xff\xf1\x50\x80", among=audio) == "aac"
    assert file_format(b"\xff\xfb\x90\x64", among=audio) == "mp3"
    # An iPhone's HEIC photo and an AVIF image are ISO media files, but not recordings.
    assert file_format(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", among=audio) is None
    assert file_format(b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00", among=audio) is None
    assert file_format(WEBP, among=audio) is None

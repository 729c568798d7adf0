"""An answer's audio note (issue 16 item 4, "photos and audio notes as evidence"): the same
path as its photo: the limit said before the upload, the content recognised (never the name),
a scoped download, and a player on the reviewer's page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from branchservice.roles import Role
from standards.models import ChecklistAnswer
from standards.services import AnswerInput, checklist_start, checklist_submit
from tests.factories import UserFactory
from tests.standards.conftest import all_pass, form_data, items_of

# The first bytes of what phones and browsers record.
RECORDINGS = {
    "m4a": (b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00", "audio/mp4"),
    "aac": (b"\xff\xf1\x50\x80\x02\x1f\xfc", "audio/aac"),
    "mp3": (b"ID3\x04\x00\x00\x00\x00\x00\x00", "audio/mpeg"),
    "webm": (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01", "audio/webm"),
    "ogg": (b"OggS\x00\x02\x00\x00\x00\x00", "audio/ogg"),
    "wav": (b"RIFF\x24\x00\x00\x00WAVEfmt ", "audio/wav"),
}


def fill_url(checklist):
    return reverse("standards:checklist", args=[checklist.pk])


def audio_url(checklist, item):
    return reverse("standards:audio", args=[checklist.pk, item.pk])


def with_audio_note(checklist, upload):
    """The whole checklist passed but the critical item, failed with a comment and `upload`."""
    answers = all_pass(checklist)
    critical = items_of(checklist)[1]
    answers[critical.pk] = AnswerInput(result="fail", comment="叫号机黑屏", audio=upload)
    return answers, critical


@pytest.mark.parametrize("kind", list(RECORDINGS))
def test_a_lobby_manager_attaches_an_audio_note_in_each_common_format(
    checklist, lobby_user, login, kind
):
    head, content_type = RECORDINGS[kind]
    content = head + b"\x00" * 100
    # The browser names a recording as it likes; what it is is read from its content.
    answers, critical = with_audio_note(checklist, SimpleUploadedFile("录音", content))
    client = login(lobby_user)
    assert client.post(fill_url(checklist), form_data(checklist, answers)).status_code == 302
    answer = ChecklistAnswer.objects.get(item=critical)
    assert answer.audio.name.endswith(f".{kind}")
    response = client.get(audio_url(checklist, critical))
    assert response["Content-Type"] == content_type
    assert b"".join(response.streaming_content) == content
    # Saved again without choosing it anew, the note is kept.
    again = {critical.pk: AnswerInput(result="fail", comment="叫号机黑屏")}
    assert (
        client.post(fill_url(checklist), form_data(checklist, again, revision=2)).status_code == 302
    )
    assert ChecklistAnswer.objects.get(item=critical).audio.name == answer.audio.name
    assert client.get(fill_url(checklist)).content.decode().count("已保存录音") == 1


@pytest.mark.parametrize(
    "content",
    [
        b"\xff\xd8\xff\xe0" + b"\x00" * 100,  # a JPEG photo
        b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00",  # an iPhone's HEIC photo: ISO media too
        b"%PDF-1.4 a scan",
    ],
)
def test_a_renamed_file_that_is_no_recording_is_refused_in_chinese_and_nothing_is_kept(
    checklist, lobby_user, login, content
):
    answers, critical = with_audio_note(checklist, SimpleUploadedFile("note.m4a", content))
    response = login(lobby_user).post(fill_url(checklist), form_data(checklist, answers))
    assert response.status_code == 400
    assert response.context["form"].errors[f"a{critical.pk}"] == [
        "此文件不是录音。请使用 M4A、AAC、MP3、WebM、Ogg 或 WAV 格式的录音。"
    ]
    assert not ChecklistAnswer.objects.exists()


def test_the_limit_is_shown_before_the_upload_and_a_larger_note_is_refused(
    checklist, lobby_user, login, settings
):
    settings.STANDARDS_AUDIO_MAX_BYTES = 2 * 1024 * 1024
    client = login(lobby_user)
    page = client.get(fill_url(checklist)).content.decode()
    critical = items_of(checklist)[1]
    assert "M4A、AAC、MP3、WebM、Ogg 或 WAV，最大 2.0\xa0MB" in page
    # On the tablet the input offers the recorder.
    assert f'name="a{critical.pk}" class="form-control" accept="audio/*" capture' in page
    assert f'data-max-bytes="{2 * 1024 * 1024}"' in page

    big = RECORDINGS["mp3"][0] + b"\x00" * (2 * 1024 * 1024)
    answers, critical = with_audio_note(checklist, SimpleUploadedFile("a.mp3", big))
    response = client.post(fill_url(checklist), form_data(checklist, answers))
    assert response.status_code == 400
    assert "上限为 2.0\xa0MB" in " ".join(response.context["form"].errors[f"a{critical.pk}"])


def test_an_inspector_attaches_an_audio_note_to_a_mystery_shopper_visit(
    catalogue, org, on_workday, login
):
    inspector = UserFactory(username="insp_hq", branch=org.hq, roles=[Role.INSPECTOR])
    visit = checklist_start(
        branch=org.a, template=catalogue.mystery, business_date=on_workday, by=inspector
    )
    item = items_of(visit)[0]  # scored, as every item of a visit
    note = SimpleUploadedFile("visit.webm", RECORDINGS["webm"][0] + b"\x00" * 100)
    answers = {item.pk: AnswerInput(score=0, comment="未使用标准用语", audio=note)}
    client = login(inspector)
    assert client.post(fill_url(visit), form_data(visit, answers)).status_code == 302
    assert client.get(audio_url(visit, item))["Content-Type"] == "audio/webm"


def test_another_outlets_lobby_manager_gets_404_on_the_audio_note(
    checklist, lobby_user, other_lobby_user, login
):
    note = SimpleUploadedFile("a.wav", RECORDINGS["wav"][0])
    answers, critical = with_audio_note(checklist, note)
    answers[critical.pk].photo = "p.jpg"  # the critical item's failure needs one
    checklist_submit(checklist=checklist, answers=answers, by=lobby_user, revision=1)
    assert login(other_lobby_user).get(audio_url(checklist, critical)).status_code == 404
    # Nor is there a public address: the file is under MEDIA_ROOT, which no URL serves.
    path = ChecklistAnswer.objects.get(item=critical).audio.name
    assert login(lobby_user).get(f"/media/{path}").status_code == 404


def test_the_review_page_plays_the_audio_note_beside_the_photo_and_the_admin_lists_both(
    checklist, lobby_user, manager, login
):
    answers, critical = with_audio_note(checklist, "n.m4a")
    answers[critical.pk].photo = "p.jpg"
    checklist_submit(checklist=checklist, answers=answers, by=lobby_user, revision=1)
    client = login(manager)
    review = client.get(reverse("admin:standards_checklist_review", args=[checklist.pk]))
    failures = review.content.decode().split('id="failed-items"')[1].split('id="passed-items"')[0]
    photo = reverse("standards:photo", args=[checklist.pk, critical.pk])
    assert f'<img src="{photo}"' in failures
    audio = audio_url(checklist, critical)
    assert f'<audio controls preload="none" class="review-audio" src="{audio}"' in failures
    change = client.get(reverse("admin:standards_checklist_change", args=[checklist.pk]))
    html = change.content.decode()
    assert f'href="{audio}"' in html and f'href="{photo}"' in html

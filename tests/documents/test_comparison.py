"""The field-by-field, word-by-word comparison of two versions, and the fragment the
decision dialogs load: the version being decided, its hash, and what changed since an
approver last saw it."""

import re
from html import unescape

import pytest
from django.urls import reverse

from documents import comparison
from documents.models import DocumentVersion
from tests.factories import advance, create_request, request_in_state
from workflows import services
from workflows.models import Attachment, Kind, MaterialRequest, State

from .helpers import edit, png_upload


def snapshot(**content):
    base = {"kind": "campaign", "title": "", "summary": "", "body": "", "details": {}, "attachments": []}
    base.update(content)
    return {"content": base}


# --- the word diff -------------------------------------------------------------------------


def test_changed_words_are_marked_and_the_rest_kept():
    html = comparison.word_diff("Vacunación canina gratuita en el parque", "Vacunación felina gratuita en la plaza")
    assert html.startswith("Vacunación ")
    assert '<del class="diff-del">canina</del><ins class="diff-ins">felina</ins>' in html
    assert " gratuita en " in html
    assert '<del class="diff-del">el parque</del><ins class="diff-ins">la plaza</ins>' in html


def test_only_insertions_or_deletions():
    assert comparison.word_diff("uno dos", "uno dos tres") == 'uno dos<ins class="diff-ins"> tres</ins>'
    assert comparison.word_diff("uno dos tres", "uno tres") == 'uno <del class="diff-del">dos </del>tres'


def test_user_text_is_escaped_everywhere():
    html = comparison.word_diff("<b>hola</b> & adiós", '<script>alert("x")</script> & adiós')
    assert "<script>" not in html and "<b>" not in html
    assert '&lt;<del class="diff-del">b</del><ins class="diff-ins">script</ins>&gt;' in html
    assert "alert(&quot;x&quot;)" in html
    assert "&amp; adiós" in html
    assert "<script>" not in comparison.plain("<script>")


def test_line_breaks_become_br():
    assert comparison.word_diff("a\nb", "a\nc") == 'a<br>\n<del class="diff-del">b</del><ins class="diff-ins">c</ins>'


def sides(html: str) -> tuple[str, str]:
    """The old and the new text a word diff encodes."""
    text = html.replace("<br>\n", "\n")
    old = re.sub(r'<ins class="diff-ins">.*?</ins>', "", text, flags=re.S)
    new = re.sub(r'<del class="diff-del">.*?</del>', "", text, flags=re.S)
    return tuple(unescape(re.sub(r"</?(ins|del)[^>]*>", "", side)) for side in (old, new))


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("", "Texto nuevo."),
        ("Texto viejo.", ""),
        ("Uno. Dos; tres: cuatro!\n\nCinco?\n", "Uno. Dos, tres: cuatro\nCinco?\nSeis.\n"),
        ("a & b < c\r\nd", "a & b > c\nd e"),
        ("Frase uno. " * 300, "Frase uno. " * 150 + "Frase dos. " + "Frase uno. " * 149),
    ],
)
def test_the_diff_holds_both_texts_exactly(old, new):
    assert sides(comparison.word_diff(old, new)) == (old, new)


def test_a_long_paragraph_with_a_few_edits_is_still_compared_word_by_word():
    sentence = "La Municipalidad informa que la campaña número {} se realizará en el parque central. "
    old = "".join(sentence.format(index) for index in range(200))
    new = old.replace("número 5 ", "número cinco ").replace("número 150 se realizará", "número 150 se hará")
    html = comparison.word_diff(old, new)
    assert re.findall(r'<(ins|del) class="diff-\w+">([^<]*)<', html) == [
        ("del", "5"),
        ("ins", "cinco"),
        ("del", "realizará"),
        ("ins", "hará"),
    ]


def test_identical_fields_are_unchanged_and_unmarked():
    old = snapshot(title="Campaña tributaria", body="Pague a tiempo.", details={"objective": "Recaudar"})
    new = snapshot(title="Campaña tributaria", body="Pague a tiempo y gane.", details={"objective": "Recaudar"})
    rows = {row.key: row for row in comparison.compare(old, new)}
    assert not rows["title"].changed
    assert rows["title"].html == "Campaña tributaria"
    assert not rows["details.objective"].changed
    assert rows["body"].changed
    assert '<ins class="diff-ins"> y gane</ins>' in rows["body"].html
    assert "diff-" not in rows["title"].html + rows["details.objective"].html


def test_fields_follow_the_kind():
    rows = [row.label for row in comparison.compare(snapshot(kind="speech"), snapshot(kind="speech"))]
    assert "Evento" in rows and "Mensajes clave" in rows
    assert "Presupuesto" not in rows


def test_a_field_past_the_cap_is_not_compared_word_by_word():
    long_old = "palabra " * (comparison.COMPARE_MAX // 8 + 1)
    rows = {row.key: row for row in comparison.compare(snapshot(body=long_old), snapshot(body=long_old + "nueva"))}
    assert rows["body"].changed and rows["body"].omitted
    assert "diff-ins" not in rows["body"].html
    # Just under the cap, still compared.
    short = "x" * (comparison.COMPARE_MAX - 10)
    rows = {row.key: row for row in comparison.compare(snapshot(body=short), snapshot(body=short + " y"))}
    assert not rows["body"].omitted and "diff-ins" in rows["body"].html


# --- the versions page ---------------------------------------------------------------------


@pytest.mark.django_db
def test_versions_page_compares_field_by_field(client_for, users, units):
    material_request = request_in_state(users, units, State.IN_REVIEW)
    first = material_request.document_versions.get()
    edit(users["revisor1"], material_request, title="Campaña de vacunación felina")
    second = material_request.document_versions.order_by("-number").first()
    url = reverse("workflows:version_compare", kwargs={"pk": material_request.pk})
    page = client_for("rentas1").get(f"{url}?a={first.number}&b={second.number}").content.decode()
    assert '<tr class="field-changed" data-field="title">' in page
    assert '<del class="diff-del">canina</del><ins class="diff-ins">felina</ins>' in page
    assert '<tr class="field-same" data-field="summary">' in page
    assert "@@" not in page and "diff-hunk" not in page
    assert second.snapshot_sha256[:12] in page


@pytest.mark.django_db
def test_versions_page_escapes_content(client_for, users, units):
    material_request = request_in_state(users, units, State.IN_REVIEW)
    edit(users["revisor1"], material_request, title='<img src=x onerror="alert(1)">')
    url = reverse("workflows:version_compare", kwargs={"pk": material_request.pk})
    page = client_for("rentas1").get(f"{url}?a=1&b=2").content.decode()
    assert "<img src=x" not in page
    assert "&lt;img src=x" in page


# --- the fragment the decision dialogs load ------------------------------------------------


def review_url(material_request):
    return reverse("workflows:version_review", kwargs={"pk": material_request.pk})


def returned_and_resubmitted(users, units):
    """v1 submitted, returned by the gerente on v1; a draft edit and a new submission (v2…)."""
    material_request = request_in_state(users, units, State.PENDING_APPROVAL)
    returning = services.ACTION_SERVICES["return"]
    material_request = returning(users["gerente"], material_request, comment="Corrija el título")
    edit(users["rentas1"], material_request, title="Campaña de vacunación felina")
    material_request = MaterialRequest.objects.get(pk=material_request.pk)
    return advance(material_request, State.PENDING_APPROVAL, users)


@pytest.mark.django_db
def test_fragment_shows_the_newest_version_its_hash_and_docx(client_for, users, units):
    material_request = request_in_state(users, units, State.PENDING_APPROVAL)
    version = DocumentVersion.objects.filter(request=material_request).order_by("-number").first()
    response = client_for("gerente").get(review_url(material_request))
    assert response.status_code == 200
    page = response.content.decode()
    assert f"Versión {version.number}" in page
    assert version.snapshot_sha256[:12] in page
    assert version.snapshot_sha256[:13] not in page.replace(f'title="SHA-256 {version.snapshot_sha256}"', "")
    assert material_request.title in page
    assert material_request.summary in page
    assert reverse("workflows:version_docx", kwargs={"pk": material_request.pk, "number": version.number}) in page
    assert "Público objetivo" in page  # the kind's details
    assert 'id="no-base"' in page  # first submission: nothing to compare with
    assert "<html" not in page  # a fragment, not a page


@pytest.mark.django_db
def test_fragment_compares_with_the_version_the_gerente_returned(client_for, users, units):
    material_request = returned_and_resubmitted(users, units)
    returned_on = material_request.decisions.get(action="return").version_number
    current = material_request.document_versions.order_by("-number").first()
    assert current.number > returned_on + 0
    page = client_for("gerente").get(review_url(material_request)).content.decode()
    assert f"Cambios desde la versión {returned_on} " in page
    assert f"hasta la versión {current.number}" in page
    assert '<del class="diff-del">canina</del><ins class="diff-ins">felina</ins>' in page


@pytest.mark.django_db
def test_without_an_approvers_decision_the_base_is_the_last_submitted(client_for, users, units):
    material_request = request_in_state(users, units, State.IN_REVIEW)
    edit(users["revisor1"], material_request, title="Campaña de vacunación felina")
    material_request = MaterialRequest.objects.get(pk=material_request.pk)
    material_request = services.ACTION_SERVICES["forward"](users["revisor1"], material_request, comment="")
    submitted = material_request.document_versions.filter(reason="submit").order_by("-number").first()
    page = client_for("gerente").get(review_url(material_request)).content.decode()
    assert f"Cambios desde la versión {submitted.number} " in page
    assert "diff-ins" in page


@pytest.mark.django_db
def test_fragment_is_404_for_who_may_not_see_the_request(client_for, users, units):
    material_request = request_in_state(users, units, State.DRAFT, author="social1", unit="social")
    for username in ("rentas1", "revisor1", "gerente", "publicador"):
        assert client_for(username).get(review_url(material_request)).status_code == 404
    client = client_for("social1")
    response = client.get(review_url(material_request))
    assert response.status_code == 200
    assert 'id="no-version"' in response.content.decode()


@pytest.mark.django_db
def test_fragment_needs_login(client, users, units):
    material_request = request_in_state(users, units, State.PENDING_APPROVAL)
    assert client.get(review_url(material_request)).status_code == 302


@pytest.mark.django_db
def test_fragment_shows_image_attachments_as_thumbnails(client_for, users, units):
    material_request = create_request(users["rentas1"], units["rentas"], kind=Kind.SIGNAGE)
    services.add_attachment(users["rentas1"], material_request, png_upload("fachada.png"), description="")
    material_request = advance(MaterialRequest.objects.get(pk=material_request.pk), State.PENDING_APPROVAL, users)
    attachment = Attachment.objects.get(request=material_request)
    url = reverse("workflows:attachment_download", args=[material_request.pk, attachment.pk])
    page = client_for("gerente").get(review_url(material_request)).content.decode()
    assert f'<img src="{url}" alt="fachada.png" class="thumbnail"' in page
    image = client_for("gerente").get(url)
    assert image.status_code == 200 and image["Content-Type"] == "image/png"


@pytest.mark.django_db
def test_fragment_escapes_user_text(client_for, users, units):
    material_request = create_request(users["rentas1"], units["rentas"], title="<script>alert(1)</script>")
    material_request = advance(material_request, State.PENDING_APPROVAL, users)
    page = client_for("gerente").get(review_url(material_request)).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


@pytest.mark.django_db
def test_request_page_loads_the_fragment_in_the_approval_form_only(client_for, users, units):
    material_request = request_in_state(users, units, State.PENDING_APPROVAL)
    detail = reverse("workflows:request_detail", kwargs={"pk": material_request.pk})
    marker = f'data-fragment-url="{review_url(material_request)}"'
    assert client_for("gerente").get(detail).content.decode().count(marker) == 1
    assert marker not in client_for("rentas1").get(detail).content.decode()


@pytest.mark.django_db
def test_fragment_query_count_does_not_grow_with_versions_or_attachments(client_for, users, units):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    small = create_request(users["rentas1"], units["rentas"])
    services.add_attachment(users["rentas1"], small, png_upload("una.png"), description="")
    small = advance(MaterialRequest.objects.get(pk=small.pk), State.PENDING_APPROVAL, users)
    large = create_request(users["rentas1"], units["rentas"])
    for index in range(3):
        services.add_attachment(users["rentas1"], large, png_upload(f"foto{index}.png"), description="")
    large = returned_and_resubmitted_from(users, large)
    client = client_for("gerente")
    client.get(review_url(small))  # warm the session and the permission caches alike
    counts = []
    for material_request in (small, large):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(review_url(material_request)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def returned_and_resubmitted_from(users, material_request):
    material_request = advance(MaterialRequest.objects.get(pk=material_request.pk), State.PENDING_APPROVAL, users)
    returning = services.ACTION_SERVICES["return"]
    material_request = returning(users["gerente"], material_request, comment="Otra vez")
    edit(users["rentas1"], material_request, title="Otro título")
    return advance(MaterialRequest.objects.get(pk=material_request.pk), State.PENDING_APPROVAL, users)


@pytest.mark.parametrize("shape", ["shuffled", "repetitive", "one_line"])
def test_texts_at_the_cap_compare_quickly(shape):
    import random
    import time

    rng = random.Random(16)
    words = ["".join(rng.choice("abcdefghij") for _ in range(rng.randint(2, 8))) for _ in range(5000)]
    if shape == "shuffled":
        old, new = " ".join(words), " ".join(rng.sample(words, len(words)))
    elif shape == "repetitive":
        old, new = "de la el. " * 3000, "la de el. " * 3000
    else:
        old, new = "de " * 10_000, "la " * 10_000
    old, new = old[: comparison.COMPARE_MAX], new[: comparison.COMPARE_MAX]
    started = time.perf_counter()
    rows = comparison.compare(snapshot(body=old), snapshot(body=new))
    assert time.perf_counter() - started < 2
    assert next(row for row in rows if row.key == "body").changed

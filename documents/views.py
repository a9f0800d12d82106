"""Versions of a request's document: the list, each version's DOCX, and a diff.

Every page first asks whether the user may see the request: 404 otherwise, whether
it exists or not."""

import difflib

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from workflows import selectors as request_selectors

from . import selectors
from .services import docx_filename, download_docx
from .snapshots import snapshot_lines, state_label

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@login_required
def version_list(request, pk):
    material_request = request_selectors.get_visible_request(request.user, pk)
    versions = list(selectors.versions_of(material_request))
    rows = [
        {"version": version, "state_label": state_label(material_request.kind, version.state)} for version in versions
    ]
    return render(
        request,
        "documents/version_list.html",
        {"material_request": material_request, "rows": rows, "numbers": [version.number for version in versions]},
    )


@login_required
def version_docx(request, pk, number):
    material_request = request_selectors.get_visible_request(request.user, pk)
    version = selectors.get_version(material_request, number)
    data, sha = download_docx(request.user, version)
    response = HttpResponse(data, content_type=DOCX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{docx_filename(version)}"'
    response["X-Content-SHA256"] = sha
    response["Cache-Control"] = "private, no-store"
    return response


def _version_number(value):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


@login_required
def version_compare(request, pk):
    material_request = request_selectors.get_visible_request(request.user, pk)
    first, second = _version_number(request.GET.get("a")), _version_number(request.GET.get("b"))
    if first is None or second is None:
        return render(
            request,
            "documents/version_compare.html",
            {
                "material_request": material_request,
                "error": _("Indique dos números de versión válidos para comparar (por ejemplo, ?a=1&b=2)."),
            },
            status=400,
        )
    old, new = selectors.get_version(material_request, first), selectors.get_version(material_request, second)
    diff = list(
        difflib.unified_diff(
            snapshot_lines(old.snapshot),
            snapshot_lines(new.snapshot),
            fromfile=f"v{old.number}",
            tofile=f"v{new.number}",
            lineterm="",
            n=3,
        )
    )
    lines = []
    for line in diff:
        if line.startswith(("---", "+++")):
            css = "diff-file"
        elif line.startswith("@@"):
            css = "diff-hunk"
        elif line.startswith("+"):
            css = "diff-add"
        elif line.startswith("-"):
            css = "diff-del"
        else:
            css = "diff-same"
        lines.append({"text": line, "css": css})
    return render(
        request,
        "documents/version_compare.html",
        {
            "material_request": material_request,
            "old": old,
            "new": new,
            "lines": lines,
            "identical": old.snapshot_sha256 == new.snapshot_sha256,
        },
    )

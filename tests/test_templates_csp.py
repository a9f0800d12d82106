"""Every page must work under the Content-Security-Policy (config/settings/base.py):
script-src 'self' and style-src 'self', without 'unsafe-inline', refuse inline scripts,
on*= event handlers, javascript: URLs, <style> blocks and style attributes. The browser
would drop them silently, so this scan fails instead, naming the file and line.

Scanned: every template of the project (every app's templates/ folder and the site's),
and the HTML that Python and JavaScript build (strings with a tag in them). Values for
scripts go in data-* attributes; looks go in CSS classes (static/css/app.css); a script
may still set element.style, which the policy allows."""

import re
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[1]
SKIP_DIRS = {".venv", "var", "node_modules", ".git", "tests", "bench", "migrations", "__pycache__"}

# <script> with something between the tags, or with no src at all.
INLINE_SCRIPT = re.compile(r"<script\b(?P<attrs>[^>]*)>(?P<body>.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
# An opening tag with an on*= handler or a style attribute (template tags inside are fine).
TAG = re.compile(r"<[a-zA-Z][^<>]*>", re.DOTALL)
HANDLER_ATTR = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTR = re.compile(r"\sstyle\s*=", re.IGNORECASE)
STYLE_BLOCK = re.compile(r"<style\b", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"javascript:", re.IGNORECASE)
# In JavaScript: what the policy refuses at run time.
JS_REFUSED = re.compile(
    r"""setAttribute\(\s*["'](?:style|on[a-z]+)["']|\beval\(|new\s+Function\(|\.cssText\s*=|setTimeout\(\s*["']""",
)


def _project_files(suffixes: tuple[str, ...], *, templates_only: bool = False):
    for path in sorted(BASE_DIR.rglob("*")):
        relative = path.relative_to(BASE_DIR)
        if any(part in SKIP_DIRS for part in relative.parts[:-1]):
            continue
        if not path.is_file() or path.suffix not in suffixes:
            continue
        if templates_only and "templates" not in relative.parts:
            continue
        yield path


TEMPLATES = list(_project_files((".html",), templates_only=True))
SCRIPTS = list(_project_files((".js",)))
PYTHON = list(_project_files((".py",)))


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def problems_in_html(text: str) -> list[tuple[int, str]]:
    found = []
    for match in INLINE_SCRIPT.finditer(text):
        if match["body"].strip():
            found.append((_line(text, match.start()), "inline <script> body"))
        elif not re.search(r"\ssrc\s*=", match["attrs"], re.IGNORECASE):
            found.append((_line(text, match.start()), "<script> without src"))
    for match in TAG.finditer(text):
        tag = match.group()
        if HANDLER_ATTR.search(tag):
            found.append((_line(text, match.start()), f"event handler attribute in {tag[:60]!r}"))
        if STYLE_ATTR.search(tag):
            found.append((_line(text, match.start()), f"style attribute in {tag[:60]!r}"))
    for pattern, what in ((STYLE_BLOCK, "<style> block"), (JAVASCRIPT_URL, "javascript: URL")):
        for match in pattern.finditer(text):
            found.append((_line(text, match.start()), what))
    return found


def problems_in_code(text: str) -> list[tuple[int, str]]:
    """HTML built in Python or JavaScript: only the lines that hold a tag are HTML."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith(("#", "//", "*", "/*")):
            continue  # a comment may name what it avoids
        if "<" in line:
            found.extend((number, what) for _, what in problems_in_html(line))
        elif JAVASCRIPT_URL.search(line) and re.search(r"""["']javascript:""", line, re.IGNORECASE):
            found.append((number, "javascript: URL"))
    return found


def test_the_scan_finds_templates_and_scripts():
    names = {path.relative_to(BASE_DIR).as_posix() for path in TEMPLATES + SCRIPTS}
    assert "templates/base.html" in names
    assert "civic_calendar/templates/civic_calendar/month.html" in names
    assert "static/js/live.js" in names
    assert len(TEMPLATES) > 50


@pytest.mark.parametrize(
    "sample",
    [
        "<script>alert(1)</script>",
        "<script type='module'></script>",
        '<input readonly onclick="this.select()">',
        '<a href="#" onClick = "go()">x</a>',
        '<span class="bar" style="width: {{ share }}%"></span>',
        "<style>.x { color: red }</style>",
        '<a href="javascript:void(0)">x</a>',
    ],
)
def test_the_scan_catches_what_the_policy_refuses(sample):
    assert problems_in_html(sample)


@pytest.mark.parametrize(
    "sample",
    [
        '<script src="{% static \'js/page.js\' %}" defer data-ws-path="/ws/"></script>',
        "<input readonly data-select-on-focus aria-label=\"{% translate 'Dirección' %}\">",
        '<span class="press-bar" data-share="{{ tone.share|floatformat:0 }}"></span>',
        "<p>Hubo una sesión a las once; son las diez.</p>",
    ],
)
def test_the_scan_lets_the_allowed_forms_through(sample):
    assert problems_in_html(sample) == []


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda path: path.relative_to(BASE_DIR).as_posix())
def test_no_template_holds_what_the_policy_refuses(path):
    problems = problems_in_html(path.read_text(encoding="utf-8"))
    assert problems == [], "\n".join(f"{path.relative_to(BASE_DIR)}:{line}: {what}" for line, what in problems)


def test_no_html_built_in_code_holds_what_the_policy_refuses():
    problems = []
    for path in SCRIPTS + PYTHON:
        text = path.read_text(encoding="utf-8")
        found = problems_in_code(text)
        if path.suffix == ".js":
            found += [(_line(text, match.start()), match.group()) for match in JS_REFUSED.finditer(text)]
        problems += [f"{path.relative_to(BASE_DIR)}:{line}: {what}" for line, what in found]
    assert problems == [], "\n".join(problems)

"""What is saved and shown of long authored text (issue 14, item 2; ``services.rich_text``)."""

from __future__ import annotations

import pytest

from lms.services import rich_text


@pytest.mark.parametrize(
    ("value", "saved"),
    [
        ("Line one\nline two\n\nNext & last", "<p>Line one<br>line two</p><p>Next &amp; last</p>"),
        ("a < b and c > d", "<p>a &lt; b and c &gt; d</p>"),
        ("<p>Kept <em>as</em> typed</p>", "<p>Kept <em>as</em> typed</p>"),
        ('<p style="color:red" onclick="x()">Hi</p><script>alert(1)</script>', "<p>Hi</p>"),
        ("<p><br></p>", ""),
        ("   ", ""),
        ("<hr>", "<hr>"),
    ],
)
def test_what_the_editor_or_a_plain_form_posts_is_saved_as_safe_html(value: str, saved: str) -> None:
    assert rich_text.clean(value) == saved


def test_an_older_plain_value_is_shown_with_its_line_breaks_and_escaped() -> None:
    assert str(rich_text.as_html("Tom & Jerry\n2 < 3")) == "<p>Tom &amp; Jerry<br>2 &lt; 3</p>"


def test_a_value_with_a_tag_is_html_and_a_comparison_is_not() -> None:
    assert rich_text.is_html("<p>x</p>")
    assert rich_text.is_html("Hello <b>bold</b> world")
    assert rich_text.is_html("Line one<br>line two")
    assert rich_text.is_html('Look: <img src="/files/a.png">')
    assert not rich_text.is_html("1 < 2 > 0")
    assert not rich_text.is_html("Press <Enter>, then type <name>")


def test_an_older_plain_value_naming_a_key_keeps_its_words_and_line_breaks() -> None:
    shown = str(rich_text.as_html("Press <Enter> to start.\nThen type <your name>."))

    assert shown == "<p>Press &lt;Enter&gt; to start.<br>Then type &lt;your name&gt;.</p>"
    assert rich_text.clean("Press <Enter> to start.") == "<p>Press &lt;Enter&gt; to start.</p>"


def test_a_summary_has_the_words_without_markup() -> None:
    assert rich_text.as_text("<h2>Title</h2><p>Body &amp; more</p>") == "Title Body & more"
    assert rich_text.as_text("Plain\ntext") == "Plain text"

"""Drafting a module and quiz from a document (issue 16, item 4; ``services.ai_generator``).

The chat-completions generator talks to a small HTTP server this test starts on loopback,
answering in that API's format — never the internet.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from flask import Flask

from lms.services.ai_generator import (
    ChatCompletionsGenerator,
    GenerationFailed,
    OfflineGenerator,
    get_generator,
    validate_draft,
)
from lms.services.documents import Block, text_document

POLICY = """# Workplace safety policy

This policy explains how employees stay safe at work. It applies to every site of the company.

## Protective equipment

Every employee wears a safety helmet on the building site. The safety helmet protects the head from falling \
objects. The safety officer checks every safety helmet once a month. Gloves are worn when handling chemicals \
in the warehouse.

- Safety helmet on the site
- Gloves for chemicals

## Fire safety

Fire extinguishers hang beside every exit of the building. The fire warden tests the fire alarm every Friday \
morning. Employees leave the building by the nearest emergency exit when the fire alarm sounds. The assembly \
point is the car park in front of the warehouse.

## Reporting accidents

Every accident is reported to the safety officer on the same day. The safety officer records the accident in \
the accident book. Serious accidents are reported to the labour inspectorate within three days. First aid kits \
are kept in the warehouse and in the kitchen.
"""


@pytest.fixture(autouse=True)
def _context(app: Flask) -> Iterator[None]:
    with app.app_context():
        yield


@pytest.fixture
def blocks() -> list[Block]:
    return list(text_document(POLICY).blocks)


def test_the_offline_draft_follows_the_headings_and_cites_its_paragraphs(blocks: list[Block]) -> None:
    draft = OfflineGenerator().draft(blocks, "en")

    assert draft["title"] == "Workplace safety policy"
    assert [section["title"] for section in draft["sections"]] == [
        "Introduction",
        "Protective equipment",
        "Fire safety",
        "Reporting accidents",
    ]
    assert "<ul><li>Safety helmet on the site</li><li>Gloves for chemicals</li></ul>" in draft["sections"][1]["html"]
    assert draft["summary"]
    assert validate_draft(draft, len(blocks)) == draft
    questions = draft["questions"]
    assert 3 <= len(questions) <= 10
    assert {question["type"] for question in questions} == {"SINGLE_CHOICE", "MULTIPLE_CHOICE", "TRUE_FALSE"}
    assert len({question["section"] for question in questions}) == 4  # spread over every section
    for question in questions:
        cited = blocks[question["block"]].text
        section = next(s for s in draft["sections"] if s["id"] == question["section"])
        assert section["blocks"][0] <= question["block"] <= section["blocks"][1]
        if question["type"] == "SINGLE_CHOICE":
            statement = question["text"].removeprefix("Complete: ")
            right = next(option["text"] for option in question["options"] if option["correct"])
            assert statement.replace("____", right) in cited  # the document's own statement
            for option in question["options"]:
                assert option["text"].lower() in POLICY.lower()  # distractors from the document


def test_the_offline_draft_is_the_same_for_the_same_text(blocks: list[Block]) -> None:
    assert OfflineGenerator().draft(blocks, "en") == OfflineGenerator().draft(list(blocks), "en")


def test_the_offline_draft_speaks_slovenian_when_asked(blocks: list[Block]) -> None:
    draft = OfflineGenerator().draft(blocks, "sl")

    assert draft["sections"][0]["title"] == "Uvod"
    true_false = next(q for q in draft["questions"] if q["type"] == "TRUE_FALSE")
    assert [option["text"] for option in true_false["options"]] == ["Drži", "Ne drži"]
    assert any(q["text"].startswith("Dopolnite: ") for q in draft["questions"])


def test_a_document_without_headings_is_cut_at_page_breaks() -> None:
    sentence = "The safety officer checks every safety helmet on the building site once a month."
    blocks = [Block("paragraph", f"{sentence} Paragraph {n}.", page=1 + n // 4) for n in range(12)]

    draft = OfflineGenerator().draft(blocks, "en")

    assert [section["blocks"] for section in draft["sections"]] == [[0, 3], [4, 7], [8, 11]]
    assert draft["title"] == "The safety officer checks every safety helmet on the…"


def test_sections_are_titled_without_the_documents_numbering() -> None:
    blocks = [
        Block("heading", "1. Scope", level=1),
        Block("paragraph", "This policy applies to every forklift operator in the warehouse."),
        Block("heading", "2.1 Loads", level=1),
        Block("paragraph", "Never lift a load heavier than the capacity on the data plate."),
        Block("heading", "2024 targets", level=1),
        Block("paragraph", "Every operator renews the licence before it expires."),
    ]

    titles = [section["title"] for section in OfflineGenerator().draft(blocks, "en")["sections"]]

    assert titles == ["Scope", "Loads", "2024 targets"]


FORKLIFTS = """# Forklift safety

## Before you drive
Only trained operators may drive a forklift. Every operator must hold a valid licence issued by the safety office.
Check the brakes, the horn and the tyres at the start of every shift. Report any defect to the shift supervisor.

## Loads
Never lift a load heavier than the rated capacity shown on the data plate. Keep the load low while moving.
Pallets must be inspected for broken boards before lifting. A damaged pallet goes to the repair area.

## Pedestrians
Pedestrians have right of way in marked walkways. Sound the horn at blind corners and at doorways.
Operators must wear a high-visibility vest in the warehouse and must drive slowly near the doorways.
"""


def test_a_blank_action_is_offered_actions_and_a_blank_thing_things() -> None:
    draft = OfflineGenerator().draft(list(text_document(FORKLIFTS).blocks), "en")
    blanks = {
        question["text"]: sorted(option["text"] for option in question["options"])
        for question in draft["questions"]
        if question["type"] == "SINGLE_CHOICE"
    }

    assert blanks["Complete: Every operator must ____ a valid licence issued by the safety office."] == [
        "drive",
        "hold",
        "lift",
        "wear",
    ]
    assert all("horn" not in options or "drive" not in options for options in blanks.values())


VILICARJI = """# Pravilnik o viličarjih
Pravilnik velja za vse zaposlene, ki v skladišču upravljajo viličarje. Določa, kdo sme voziti viličar in kako \
ga pregledamo pred izmeno.
## Dovoljenje
Viličar sme upravljati le delavec z veljavnim dovoljenjem vodje skladišča. Dovoljenje velja za točno \
določeno vrsto viličarja in ga je treba obnoviti vsaki dve leti. Študenti v prvem tednu dela viličarja ne \
upravljajo.
## Pregled
Voznik pred začetkom vsake izmene opravi pregled viličarja in ga vpiše v knjigo pregledov. Voznik preveri \
zavore, hupo in luči viličarja.
- Zavore in parkirna zavora.
- Hupa, luči in utripalka.
## Nezgode
Viličar z okvaro se takoj izključi iz uporabe, ključ pa se preda vodji izmene. Vsako nezgodo voznik isti dan \
prijavi varnostnemu inženirju. Ponovna kršitev pomeni odvzem dovoljenja za vožnjo viličarja.
"""


def test_a_form_of_the_answer_is_never_a_wrong_option_nor_the_swap_that_makes_a_statement_false() -> None:
    blocks = list(text_document(VILICARJI).blocks)
    draft = OfflineGenerator().draft(blocks, "sl")
    sentences = [sentence for block in blocks for sentence in block.text.replace("\n", " ").split(". ")]

    for question in draft["questions"]:
        right = [option["text"].lower() for option in question["options"] if option["correct"]]
        wrong = [option["text"].lower() for option in question["options"] if not option["correct"]]
        if question["type"] == "SINGLE_CHOICE":
            assert not any(option.startswith("viličar") for option in wrong if right[0].startswith("viličar"))
        if question["type"] == "TRUE_FALSE" and right == ["ne drži"]:
            claim = question["text"].removeprefix("Drži ali ne drži: ").rstrip(".")
            assert not any(_same_but_a_form(claim, sentence.rstrip(".")) for sentence in sentences), claim
    assert any(question["type"] == "TRUE_FALSE" for question in draft["questions"])


def _same_but_a_form(claim: str, sentence: str) -> bool:
    """The claim is the sentence with one word swapped for another form of it ("viličarja" → "viličar")."""
    ours, theirs = claim.split(), sentence.split()
    differ = [(a, b) for a, b in zip(ours, theirs, strict=False) if a != b]
    return len(ours) == len(theirs) and len(differ) == 1 and differ[0][0][:6] == differ[0][1][:6]


KIT = """# Personal protective equipment
## What the stores issue
Every worker collects the protective equipment from the stores before the first shift. The stores keep \
the protective equipment in sizes for every worker.
- Safety shoes with steel toe caps for the workshop floor.
- Safety glasses with side shields for the grinding machines.
- Hearing protection with a snug fit for the press hall.
- Cut resistant gloves for handling sheet metal edges.
## Looking after it
Damaged protective equipment is reported to the team leader on the same day. Workers clean the safety \
glasses after each shift and store the safety shoes in their locker.
## Why it matters
A worker without safety glasses at a grinding machine risks an eye injury that cannot be undone. A \
supervisor stops the work of anyone without the equipment the task needs.
"""


def test_true_or_false_asks_about_sentences_not_list_items() -> None:
    """An item of a list is often a phrase: "True or false: Safety shoes with steel toe caps." asks nothing,
    and "Equipment shoes with steel toe caps." is no claim to reject either."""
    blocks = list(text_document(KIT).blocks)
    items = {item.rstrip(".") for block in blocks for item in block.items}

    generator = OfflineGenerator()
    draft = generator.draft(blocks, "en")
    asked = draft["questions"] + [generator.question(blocks, draft, question["id"]) for question in draft["questions"]]
    claims = [question["text"] for question in asked if question["type"] == "TRUE_FALSE"]
    made_up = [
        option["text"]
        for question in asked
        if question["type"] == "MULTIPLE_CHOICE"
        for option in question["options"]
        if not option["correct"]
    ]

    assert claims
    assert [claim for claim in claims if any(item in claim for item in items)] == []
    assert [text for text in made_up if any(_tail(item) in text for item in items)] == [], "a false option of an item"


def _tail(text: str) -> str:
    return " ".join(text.split()[-4:])


ARTICLES = """# Equipment rules
## Care
Employees inspect their equipment before each use in the workshop. Damaged equipment is reported to the team \
leader on the same day.
## Risks
A worker without safety glasses risks an eye injury at the grinding machine. A worker who arrives without \
gloves does not start work at the press.
"""


def test_a_word_put_in_after_a_or_an_still_reads_as_english() -> None:
    """A false option swaps a term for another; after "a" that would read "A equipment without …"."""
    blocks = list(text_document(ARTICLES).blocks)
    generator = OfflineGenerator()
    draft = generator.draft(blocks, "en")
    asked = draft["questions"] + [generator.question(blocks, draft, question["id"]) for question in draft["questions"]]
    texts = [question["text"] for question in asked] + [o["text"] for q in asked for o in q["options"]]

    assert [text for text in texts if re.search(r"(?<!\w)[Aa] [aeiouAEIOU]", text)] == []


def test_section_html_is_escaped_and_keeps_tables() -> None:
    blocks = [
        Block("heading", "Rules", level=1),
        Block("paragraph", "Never run <script>alert(1)</script> & co."),
        Block("table", "a | b", rows=(("a", "b"),)),
    ]

    html = OfflineGenerator().draft(blocks, "en")["sections"][0]["html"]

    assert html == (
        "<p>Never run &lt;script&gt;alert(1)&lt;/script&gt; &amp; co.</p>"
        "<table><tbody><tr><td>a</td><td>b</td></tr></tbody></table>"
    )


def test_regenerating_a_section_restores_it_from_the_document(blocks: list[Block]) -> None:
    generator = OfflineGenerator()
    draft = generator.draft(blocks, "en")
    original = draft["sections"][2]
    draft["sections"][2] = {**original, "title": "Edited", "html": "<p>edited</p>"}

    assert generator.section(blocks, draft, "s3") == original


def test_regenerating_a_question_gives_another_one_on_the_same_section(blocks: list[Block]) -> None:
    generator = OfflineGenerator()
    draft = generator.draft(blocks, "en")
    old = draft["questions"][1]

    new = generator.question(blocks, draft, old["id"])

    assert new["id"] == old["id"]
    assert new["section"] == old["section"]
    assert new["text"] not in {question["text"] for question in draft["questions"]}
    draft["questions"][1] = new
    validate_draft(draft, len(blocks))


def test_regenerating_an_unknown_section_fails_with_a_reason(blocks: list[Block]) -> None:
    draft = OfflineGenerator().draft(blocks, "en")

    with pytest.raises(GenerationFailed, match="no section s99"):
        OfflineGenerator().section(blocks, draft, "s99")


def _valid_draft() -> dict[str, Any]:
    return {
        "title": "Safety",
        "summary": "Helmets.",
        "sections": [
            {"id": "s1", "title": "Helmets", "html": "<p>Wear one.</p><script>x()</script>", "blocks": [0, 1]}
        ],
        "questions": [
            {
                "id": "q1",
                "type": "TRUE_FALSE",
                "text": "Helmets are worn on site.",
                "options": [{"text": "True", "correct": True}, {"text": "False", "correct": False}],
                "block": 1,
                "section": "s1",
            }
        ],
    }


def test_validation_sanitises_the_html() -> None:
    assert validate_draft(_valid_draft(), 2)["sections"][0]["html"] == "<p>Wear one.</p>"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(sections=[]), "no sections"),
        (lambda d: d.update(title=" "), "no title"),
        (lambda d: d["sections"][0].update(blocks=[0, 5]), "cites blocks"),
        (lambda d: d["questions"][0].update(block=2), "cites a paragraph"),
        (lambda d: d["questions"][0].update(section="s9"), "no section"),
        (lambda d: d["questions"][0].update(type="ESSAY"), "unknown type"),
        (lambda d: d["questions"][0]["options"][1].update(correct=True), "exactly two options, one of them right"),
        (
            lambda d: d["questions"][0].update(type="SINGLE_CHOICE", options=[{"text": "a", "correct": True}]),
            "at least two",
        ),
        (lambda d: d["questions"].append(dict(d["questions"][0])), "Two questions have the id q1"),
        (
            lambda d: d["questions"][0].update(
                type="MULTIPLE_CHOICE", options=[{"text": "a", "correct": False}, {"text": "b", "correct": False}]
            ),
            "at least one right option",
        ),
    ],
)
def test_validation_names_what_is_wrong(change, message: str) -> None:
    draft = _valid_draft()
    change(draft)

    with pytest.raises(GenerationFailed, match=message):
        validate_draft(draft, 2)


class _ChatServer:
    """A chat-completions endpoint on loopback that answers from a script and records requests."""

    def __init__(self) -> None:
        self.answers: list[tuple[int, str]] = []
        self.requests: list[tuple[dict[str, str], dict[str, Any]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append((dict(self.headers), body | {"path": self.path}))
                status, content = server.answers.pop(0)
                if status == 200:
                    payload = json.dumps(
                        {"choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]}
                    )
                else:
                    payload = json.dumps({"error": {"message": "boom"}})
                data = payload.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def generator(self) -> ChatCompletionsGenerator:
        return ChatCompletionsGenerator(base_url=self.url, api_key="sk-test-key", model="policy-model", timeout=5)


@pytest.fixture
def chat() -> Iterator[_ChatServer]:
    server = _ChatServer()
    server.thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()


def test_a_valid_chat_answer_is_the_draft_and_the_request_carries_model_and_key(chat: _ChatServer) -> None:
    chat.answers = [(200, json.dumps(_valid_draft()))]

    draft = chat.generator().draft([Block("heading", "Helmets", level=1), Block("paragraph", "Wear one.")], "en")

    assert draft["title"] == "Safety"
    assert draft["sections"][0]["html"] == "<p>Wear one.</p>"
    ((headers, body),) = chat.requests
    assert body["path"] == "/v1/chat/completions"
    assert headers["Authorization"] == "Bearer sk-test-key"
    assert body["model"] == "policy-model"
    assert body["response_format"] == {"type": "json_object"}
    assert "[1] (paragraph) Wear one." in body["messages"][1]["content"]


def test_invalid_json_once_is_retried_with_the_reason(chat: _ChatServer) -> None:
    chat.answers = [(200, "Sure! Here is your module: {"), (200, json.dumps(_valid_draft()))]

    draft = chat.generator().draft([Block("paragraph", "a"), Block("paragraph", "b")], "en")

    assert draft["title"] == "Safety"
    retry = chat.requests[1][1]["messages"]
    assert retry[-2] == {"role": "assistant", "content": "Sure! Here is your module: {"}
    assert "not valid JSON" in retry[-1]["content"]


def test_invalid_json_twice_fails_with_the_reason(chat: _ChatServer) -> None:
    chat.answers = [(200, "not json"), (200, "still not json")]

    with pytest.raises(GenerationFailed, match="invalid JSON twice"):
        chat.generator().draft([Block("paragraph", "a")], "en")


def test_a_wrong_structure_twice_fails_naming_the_fault(chat: _ChatServer) -> None:
    chat.answers = [(200, json.dumps({"title": "x"})), (200, json.dumps({"title": "x"}))]

    with pytest.raises(GenerationFailed, match="no sections"):
        chat.generator().draft([Block("paragraph", "a")], "en")


def test_an_http_error_fails_with_the_status_and_never_the_key(chat: _ChatServer) -> None:
    chat.answers = [(500, "")]

    with pytest.raises(GenerationFailed, match="HTTP 500") as failure:
        chat.generator().draft([Block("paragraph", "a")], "en")

    assert "sk-test-key" not in str(failure.value)


def test_an_unreachable_service_fails_with_a_reason(chat: _ChatServer) -> None:
    generator = chat.generator()
    chat.httpd.shutdown()
    chat.httpd.server_close()

    with pytest.raises(GenerationFailed, match="could not be reached"):
        generator.draft([Block("paragraph", "a")], "en")


def test_regenerating_a_question_through_the_chat_keeps_its_id_and_section(chat: _ChatServer) -> None:
    new = {
        "question": {
            "type": "SINGLE_CHOICE",
            "text": "What is worn on site?",
            "options": [{"text": "A helmet", "correct": True}, {"text": "A tie", "correct": False}],
            "block": 1,
        }
    }
    chat.answers = [(200, json.dumps(new))]

    question = chat.generator().question([Block("paragraph", "a"), Block("paragraph", "b")], _valid_draft(), "q1")

    assert question["id"] == "q1"
    assert question["section"] == "s1"
    assert question["type"] == "SINGLE_CHOICE"


def test_the_offline_generator_is_the_default(app: Flask) -> None:
    assert isinstance(get_generator(), OfflineGenerator)
    app.config["AI_BASE_URL"] = "http://127.0.0.1:9/v1"
    try:
        assert isinstance(get_generator(), ChatCompletionsGenerator)
    finally:
        app.config["AI_BASE_URL"] = None

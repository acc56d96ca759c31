"""Drafting a module and its quiz from a document's blocks (issue 16, item 4).

The builder asks a ``Generator`` for a draft — title, summary, sections with sanitised HTML,
and SINGLE_CHOICE / MULTIPLE_CHOICE / TRUE_FALSE questions, each citing the block it came
from (the ``ai_structured`` JSON of contracts.md) — and later for a new version of one
section or one question while HR reviews.

Two generators exist. ``OfflineGenerator`` is the default and needs no network and no model:
sections follow the document's own headings; key terms are 1-3-word phrases ranked by plain
statistics (how often they occur times how many sections mention them, with English and Slovenian
stop words dropped); questions are built from the document's own sentences, and every wrong
option is another key term or another statement of the same document, never invented. It is
deterministic: the same text gives the same draft. ``ChatCompletionsGenerator`` calls an
OpenAI-compatible endpoint when ``AI_BASE_URL`` is configured; what it answers is held to the
same structure by ``validate_draft`` — one retry with the reason told to the model, then
``GenerationFailed``.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import random
import re
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape

from lms.errors import LmsError
from lms.services import rich_text
from lms.services.documents import HEADING, LIST, TABLE, Block

SINGLE_CHOICE = "SINGLE_CHOICE"
MULTIPLE_CHOICE = "MULTIPLE_CHOICE"
TRUE_FALSE = "TRUE_FALSE"
QUESTION_TYPES = (SINGLE_CHOICE, MULTIPLE_CHOICE, TRUE_FALSE)
LANGUAGES = ("en", "sl")

MAX_QUESTIONS = 10
# A heading's own number: "2.", "2.1", "2.1)", "IV." before the words.
_NUMBERING = re.compile(r"^\s*(?:\d+(?:\.\d+)+\.?|\d+[.)]|[IVXLC]+[.)])\s+(?=\S)")
# Without headings, a section gathers about this many blocks (cut at a page break when one is near).
BLOCKS_PER_SECTION = 6
MAX_UNHEADED_SECTIONS = 20
TITLE_MAX_CHARS = 200
BLANK = "____"

# What the chat model is shown of a long document: the first blocks up to this many characters.
PROMPT_MAX_CHARS = 60_000

_WORD = re.compile(r"[^\W\d_][\w'\u2019-]*", re.UNICODE)
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[\"“„(]?[A-ZČŠŽĆĐ0-9])")
_STATEMENT_WORDS = (6, 40)
_ARTICLE_BEFORE = re.compile(r"(?<!\w)an? $", re.IGNORECASE)
_SUMMARY_SENTENCES = 3

_STOP_WORDS_TEXT_EN = """
a about above after again against all also am an and any are aren't as at be because been before being below
between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down during each
either every few for from further had hadn't has hasn't have haven't having he her here hers herself him
himself his how however i if in into is isn't it it's its itself just let's may me might more most must
mustn't my myself need no nor not of off often on once one only or other ought our ours ourselves out over own
per same shall shan't she should shouldn't so some such than that that's the their theirs them themselves then
there there's these they this those through thus to too under until up upon us use used using very via was
wasn't we well were weren't what what's when where which while who whom whose why will with within without
won't would wouldn't yes yet you your yours yourself yourselves etc e.g i.e new first second third many much
made make makes get gets given
"""
_STOP_WORDS_EN = frozenset(_STOP_WORDS_TEXT_EN.split())
_STOP_WORDS_TEXT_SL = """
a ali bi bil bila bile bili bilo bo bodo bom bomo boste bova biti blizu brez če čeprav da do dva dve ga gre i
iz jaz je jih jim jo kaj kajti kako kamor kar kateri katera katere katero katerih kdaj kdo ker ki kje kjer ko
koder kot le lahko med mi mu na nad naj nam nas ne nekaj nič niso ni nje njega njegov njegova njegovo njej
njen njena njeno njih njim njo no o ob od oz oziroma pa po pod pol pred pri s sa se sebe sem smo so sta ste
sva še ta tak taka take tako tam tega tej tem ter ti tisti tista to tudi tukaj v vam vas vaš vaša vaše ve
vedno vendar vsa vse vsak vsaka vsako vsi z za zaradi zato že mora morajo morate naše naš naša njihov njihova
njihove sicer samo prav zelo več manj vsakega vsakem vsem vseh kadar kateremu
"""
_STOP_WORDS_SL = frozenset(_STOP_WORDS_TEXT_SL.split())
STOP_WORDS = _STOP_WORDS_EN | _STOP_WORDS_SL
# The word before a term tells what it is, near enough for a distractor: after an article or a
# preposition a thing ("the horn", "v skladišču"), after a modal or "to" an action ("must hold",
# "mora voziti"). A wrong option of the answer's kind reads as a real answer, not as a misfit.
_BEFORE_THINGS_TEXT = """
a an the this that these those each every any some no our your their his her its my of in on at for with from
into by per about during under over v na pri po za o od do iz k h s z pod nad med pred ob brez
"""
_BEFORE_THINGS = frozenset(_BEFORE_THINGS_TEXT.split())
_BEFORE_ACTIONS_TEXT = """
must may can should will shall would could might to never always not do does lahko mora morajo moramo morate
sme smejo ne naj bo
"""
_BEFORE_ACTIONS = frozenset(_BEFORE_ACTIONS_TEXT.split())
THING, ACTION = "thing", "action"


class GenerationFailed(LmsError):
    """The generator could not produce a valid draft; the message is the reason for the user."""


class Generator(Protocol):
    def draft(self, blocks: list[Block], language: str) -> dict[str, Any]:
        """Title, summary, sections and questions (no "blocks": the caller keeps those)."""

    def section(self, blocks: list[Block], draft: dict[str, Any], section_id: str) -> dict[str, Any]:
        """A new version of that section: id, title, html, blocks."""

    def question(self, blocks: list[Block], draft: dict[str, Any], question_id: str) -> dict[str, Any]:
        """A new question on the same section (another statement when the section has one)."""


def get_generator() -> Generator:
    """The configured generator: the chat endpoint when ``AI_BASE_URL`` is set, else offline."""
    config = current_app.config
    if config.get("AI_BASE_URL"):
        return ChatCompletionsGenerator(
            base_url=config["AI_BASE_URL"],
            api_key=config.get("AI_API_KEY"),
            model=config.get("AI_MODEL") or "",
            timeout=config.get("AI_TIMEOUT") or 120,
        )
    return OfflineGenerator()


# --- Validation ----------------------------------------------------------------------------


def validate_draft(data: Any, block_count: int) -> dict[str, Any]:
    """The draft in its canonical shape, HTML sanitised; GenerationFailed naming the first fault.

    Used for every draft, whoever wrote it: a model's answer, the offline generator's, or
    HR's edits, so the quiz that acceptance creates is always answerable.
    """
    if not isinstance(data, Mapping):
        raise GenerationFailed(_("The draft is not a JSON object."))
    title = _text(data.get("title"))
    if not title:
        raise GenerationFailed(_("The draft has no title."))
    summary = data.get("summary") or ""
    if not isinstance(summary, str):
        raise GenerationFailed(_("The draft's summary is not text."))
    raw_sections = data.get("sections")
    if not isinstance(raw_sections, list) or not raw_sections:
        raise GenerationFailed(_("The draft has no sections."))
    sections = [_valid_section(section, block_count) for section in raw_sections]
    _unique((section["id"] for section in sections), _("Two sections have the id %(id)s."))
    raw_questions = data.get("questions", [])
    if not isinstance(raw_questions, list):
        raise GenerationFailed(_("The draft's questions are not a list."))
    section_ids = {section["id"] for section in sections}
    questions = [_valid_question(question, block_count, section_ids) for question in raw_questions]
    _unique((question["id"] for question in questions), _("Two questions have the id %(id)s."))
    result: dict[str, Any] = {
        "title": title[:TITLE_MAX_CHARS],
        "summary": " ".join(summary.split()),
        "sections": sections,
        "questions": questions,
    }
    if "blocks" in data:
        result["blocks"] = data["blocks"]
    return result


def _valid_section(data: Any, block_count: int) -> dict[str, Any]:
    if not isinstance(data, Mapping):
        raise GenerationFailed(_("A section is not a JSON object."))
    section_id = _text(data.get("id"))
    if not section_id:
        raise GenerationFailed(_("A section has no id."))
    title = _text(data.get("title"))
    if not title:
        raise GenerationFailed(_("Section %(id)s has no title.", id=section_id))
    html = data.get("html")
    html = rich_text.clean(html) if isinstance(html, str) else ""
    if not html:
        raise GenerationFailed(_("Section %(id)s has no content.", id=section_id))
    span = data.get("blocks")
    if (
        not isinstance(span, list | tuple)
        or len(span) != 2
        or not all(_is_index(index, block_count) for index in span)
        or span[0] > span[1]
    ):
        raise GenerationFailed(_("Section %(id)s cites blocks that the document does not have.", id=section_id))
    return {"id": section_id, "title": title[:TITLE_MAX_CHARS], "html": html, "blocks": [span[0], span[1]]}


def _valid_question(data: Any, block_count: int, section_ids: set[str]) -> dict[str, Any]:
    if not isinstance(data, Mapping):
        raise GenerationFailed(_("A question is not a JSON object."))
    question_id = _text(data.get("id"))
    if not question_id:
        raise GenerationFailed(_("A question has no id."))
    kind = data.get("type")
    if kind not in QUESTION_TYPES:
        raise GenerationFailed(_("Question %(id)s has an unknown type.", id=question_id))
    text = _text(data.get("text"))
    if not text:
        raise GenerationFailed(_("Question %(id)s has no text.", id=question_id))
    raw_options = data.get("options")
    if not isinstance(raw_options, list) or len(raw_options) < 2:
        raise GenerationFailed(_("Question %(id)s needs at least two options.", id=question_id))
    options = []
    for option in raw_options:
        if (
            not isinstance(option, Mapping)
            or not _text(option.get("text"))
            or not isinstance(option.get("correct"), bool)
        ):
            raise GenerationFailed(
                _("Question %(id)s has an option without text or without a right/wrong mark.", id=question_id)
            )
        options.append({"text": _text(option["text"]), "correct": option["correct"]})
    if len({option["text"].casefold() for option in options}) != len(options):
        raise GenerationFailed(_("Question %(id)s offers the same option twice.", id=question_id))
    correct = sum(option["correct"] for option in options)
    if kind == TRUE_FALSE and (len(options) != 2 or correct != 1):
        raise GenerationFailed(
            _("True/false question %(id)s needs exactly two options, one of them right.", id=question_id)
        )
    if kind == SINGLE_CHOICE and correct != 1:
        raise GenerationFailed(_("Single-choice question %(id)s needs exactly one right option.", id=question_id))
    if kind == MULTIPLE_CHOICE and correct < 1:
        raise GenerationFailed(_("Multiple-choice question %(id)s needs at least one right option.", id=question_id))
    if not _is_index(data.get("block"), block_count):
        raise GenerationFailed(_("Question %(id)s cites a paragraph that the document does not have.", id=question_id))
    section = _text(data.get("section"))
    if section not in section_ids:
        raise GenerationFailed(_("Question %(id)s belongs to no section of the draft.", id=question_id))
    return {
        "id": question_id,
        "type": kind,
        "text": text,
        "options": options,
        "block": data["block"],
        "section": section,
    }


def _text(value: Any) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def _is_index(value: Any, count: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < count


def _unique(values: Iterable[str], message: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise GenerationFailed(message % {"id": value})
        seen.add(value)


# --- Offline generator ---------------------------------------------------------------------


@dataclass
class _Statement:
    text: str
    block: int
    section: int
    listed: bool = False  # a list item: often a phrase ("Safety shoes with steel toe caps."), not a claim
    # Where key terms stand in the text, longest first so "safety" inside "safety helmet" is not one.
    spans: list[tuple[int, int, str]] = field(default_factory=list)
    score: float = 0.0

    @property
    def terms(self) -> list[str]:
        """The terms the statement mentions, in the document's ranking."""
        return list(dict.fromkeys(term for _start, _end, term in self.spans))

    def replaced(self, term: str, replacement: str) -> str:
        """The text with the term's (only) occurrence replaced."""
        start, end = next((start, end) for start, end, other in self.spans if other == term)
        return self.text[:start] + replacement + self.text[end:]

    def after_article(self, term: str) -> bool:
        """The term follows "a" or "an", which another word may no longer fit ("a equipment")."""
        start = next(start for start, _end, other in self.spans if other == term)
        return _ARTICLE_BEFORE.search(self.text[:start]) is not None

    def surface(self, term: str) -> str:
        """The term as this statement writes it."""
        start, end = next((start, end) for start, end, other in self.spans if other == term)
        return self.text[start:end]


@dataclass
class _Analysis:
    """What the offline generator knows of a document: its sections, terms and statements."""

    spans: list[tuple[str, int, int]]  # (title, first block, last block)
    title: str
    terms: list[str]  # ranked, best first
    scores: dict[str, float]
    surface: dict[str, str]  # term → how the document writes it
    mentions: Counter[str]  # term → how often the document has it
    statements: list[_Statement]
    roles: dict[str, str | None] = field(default_factory=dict)  # term → THING, ACTION or None


class OfflineGenerator:
    """Drafts from the document alone: no network, no model, the same draft for the same text."""

    def draft(self, blocks: list[Block], language: str) -> dict[str, Any]:
        if not blocks:
            raise GenerationFailed(_("The document has no text to build a module from."))
        with force_locale(_language(language)):
            analysis = _analyse(blocks)
            sections = [_section_json(blocks, analysis, index) for index in range(len(analysis.spans))]
            questions = _questions(analysis, sections)
        return {
            "title": analysis.title,
            "summary": _summary(analysis),
            "sections": sections,
            "questions": questions,
        }

    def section(self, blocks: list[Block], draft: dict[str, Any], section_id: str) -> dict[str, Any]:
        """The section as the document has it: regenerating undoes HR's edits to it."""
        current = _find(draft.get("sections", []), section_id, _("There is no section %(id)s in the draft."))
        analysis = _analyse(blocks)
        first, last = current["blocks"]
        for index, (_title, start, end) in enumerate(analysis.spans):
            if (start, end) == (first, last):
                return {**_section_json(blocks, analysis, index), "id": section_id}
        title = current.get("title") or blocks[first].text
        return {"id": section_id, "title": title, "html": _html(blocks[first : last + 1]), "blocks": [first, last]}

    def question(self, blocks: list[Block], draft: dict[str, Any], question_id: str) -> dict[str, Any]:
        current = _find(draft.get("questions", []), question_id, _("There is no question %(id)s in the draft."))
        language = _guess_language(blocks)
        sections = draft.get("sections", [])
        section = next((s for s in sections if s.get("id") == current.get("section")), None)
        if section is None:
            raise GenerationFailed(_("The question belongs to no section of the draft."))
        first, last = section["blocks"]
        taken = {q.get("text", "").casefold() for q in draft.get("questions", [])}
        used_blocks = {current.get("block")}
        with force_locale(language):
            analysis = _analyse(blocks)
            candidates = [
                question
                for statement in analysis.statements
                if first <= statement.block <= last
                for kind in _kinds_from(current.get("type"))
                if (question := _make_question(kind, statement, analysis)) is not None
            ]
        fresh = [q for q in candidates if q["text"].casefold() not in taken]
        fresh.sort(key=lambda q: q["block"] in used_blocks)
        if not fresh:
            raise GenerationFailed(_("No other question can be made from this section."))
        return {**fresh[0], "id": question_id, "section": section["id"]}


def _language(language: str) -> str:
    return language if language in LANGUAGES else "en"


def _guess_language(blocks: list[Block]) -> str:
    words = Counter(word.lower() for block in blocks[:50] for word in _WORD.findall(block.text))
    slovenian = sum(count for word, count in words.items() if word in _STOP_WORDS_SL)
    english = sum(count for word, count in words.items() if word in _STOP_WORDS_EN)
    return "sl" if slovenian > english else "en"


def _find(items: list[dict[str, Any]], item_id: str, message: str) -> dict[str, Any]:
    for item in items:
        if item.get("id") == item_id:
            return item
    raise GenerationFailed(message % {"id": item_id})


def _kinds_from(kind: str | None) -> list[str]:
    """Every type, the current one last: a regenerated question prefers another shape."""
    return sorted(QUESTION_TYPES, key=lambda other: other == kind)


# Sections


def _spans(blocks: list[Block]) -> tuple[str, list[tuple[str, int, int]]]:
    """The module title and the sections as (title, first block, last block)."""
    headings = [index for index, block in enumerate(blocks) if block.kind == HEADING]
    title_block = None
    if headings and headings[0] == 0 and all(blocks[index].level > blocks[0].level for index in headings[1:]):
        title_block = 0  # the document's own title, above all of its headings
        headings = headings[1:]
    title = blocks[title_block].text if title_block is not None else ""
    start = 0 if title_block is None else 1
    if headings:
        split_level = blocks[headings[0]].level
        starts = [index for index in headings if blocks[index].level <= split_level]
        spans: list[tuple[str, int, int]] = []
        if starts[0] > start and any(block.kind != HEADING for block in blocks[start : starts[0]]):
            spans.append((_("Introduction"), start, starts[0] - 1))
        for position, first in enumerate(starts):
            last = starts[position + 1] - 1 if position + 1 < len(starts) else len(blocks) - 1
            spans.append((blocks[first].text, first, last))
        title = title or blocks[headings[0]].text
    else:
        spans = [(_first_words(blocks[first].text), first, last) for first, last in _chunks(blocks, start)]
    if not title:
        title = _first_words(blocks[0].text)
    return title, spans


def _chunks(blocks: list[Block], start: int) -> list[tuple[int, int]]:
    """Runs of blocks without headings: cut at a page break once a run is long enough."""
    if start >= len(blocks):
        return [(0, len(blocks) - 1)]
    size = max(BLOCKS_PER_SECTION, math.ceil((len(blocks) - start) / MAX_UNHEADED_SECTIONS))
    chunks: list[tuple[int, int]] = []
    first = start
    for index in range(start + 1, len(blocks)):
        length = index - first
        page_break = blocks[index].page is not None and blocks[index].page != blocks[index - 1].page
        if length >= size or (page_break and length >= size // 2):
            chunks.append((first, index - 1))
            first = index
    chunks.append((first, len(blocks) - 1))
    return chunks


def _first_words(text: str, limit: int = 60) -> str:
    """A title from the start of a text: its first line, cut at a word."""
    line = (text.strip().splitlines() or [""])[0]
    line = _SENTENCE_SPLIT.split(line)[0].rstrip(".:;, ")
    if len(line) <= limit:
        return line
    return line[:limit].rsplit(" ", 1)[0].rstrip(".:;, ") + "…"


def _section_json(blocks: list[Block], analysis: _Analysis, index: int) -> dict[str, Any]:
    title, first, last = analysis.spans[index]
    body = blocks[first : last + 1]
    if body and body[0].kind == HEADING and body[0].text == title:
        body = body[1:]
    html = _html(body) or str(Markup("<p>{}</p>").format(title))
    return {"id": f"s{index + 1}", "title": _unnumbered(title), "html": html, "blocks": [first, last]}


def _unnumbered(title: str) -> str:
    """A heading's title without the document's own numbering ("2.1 Loads" → "Loads"): the
    module numbers its sections itself, and "2. 2. Loads" would read twice."""
    return _NUMBERING.sub("", title, count=1) or title


def _html(blocks: Iterable[Block]) -> str:
    """The blocks as the section's HTML: escaped text in h3/h4/p/ul/table, then sanitised."""
    parts: list[Markup] = []
    for block in blocks:
        if block.kind == HEADING:
            tag = "h3" if block.level <= 2 else "h4"
            parts.append(Markup(f"<{tag}>{{}}</{tag}>").format(block.text))  # noqa: S704 - a fixed tag
        elif block.kind == LIST:
            items = Markup("").join(Markup("<li>{}</li>").format(item) for item in block.items)
            parts.append(Markup("<ul>{}</ul>").format(items))
        elif block.kind == TABLE:
            rows = Markup("").join(
                Markup("<tr>{}</tr>").format(Markup("").join(Markup("<td>{}</td>").format(cell) for cell in row))
                for row in block.rows
            )
            parts.append(Markup("<table><tbody>{}</tbody></table>").format(rows))
        elif block.text:
            parts.append(Markup("<p>{}</p>").format(escape(block.text)))
    return rich_text.clean(str(Markup("").join(parts)))


# Terms and statements


def _analyse(blocks: list[Block]) -> _Analysis:
    title, spans = _spans(blocks)
    section_of = {}
    for position, (_title, first, last) in enumerate(spans):
        for index in range(first, last + 1):
            section_of[index] = position
    sentences: list[_Statement] = []
    counts: Counter[str] = Counter()
    spread: dict[str, set[int]] = defaultdict(set)
    surfaces: dict[str, Counter[str]] = defaultdict(Counter)
    roles: dict[str, Counter[str | None]] = defaultdict(Counter)
    for index, block in enumerate(blocks):
        section = section_of.get(index, 0)
        for sentence in _sentences(block):
            sentences.append(_Statement(sentence, index, section, listed=block.kind == LIST))
            for term, surface, role in _phrases(sentence):
                counts[term] += 1
                spread[term].add(section)
                surfaces[term][surface] += 1
                roles[term][role] += 1
    # A term is met at least twice — once is chance, and a verb like "checks" rarely repeats —
    # unless the document is so short that nothing repeats.
    least = 2 if sum(count >= 2 for count in counts.values()) >= 8 else 1
    scores = {}
    for term, count in counts.items():
        words = term.count(" ") + 1
        if count < least or (words > 1 and count < 2):
            continue
        scores[term] = count * (1 + len(spread[term]) / len(spans)) * (1 + 0.5 * (words - 1))
    terms = sorted(scores, key=lambda term: (-scores[term], term))
    terms = _drop_nested(terms[:300], counts)[:60]
    scores = {term: scores[term] for term in terms}
    surface = {term: surfaces[term].most_common(1)[0][0] for term in terms}
    pattern = _terms_pattern(terms)
    rank = {term: position for position, term in enumerate(terms)}
    statements = []
    for sentence in sentences:
        words = len(sentence.text.split())
        if not _STATEMENT_WORDS[0] <= words <= _STATEMENT_WORDS[1] or not sentence.text.endswith("."):
            continue
        sentence.spans = _term_spans(sentence.text, pattern, rank)
        if sentence.spans:
            sentence.score = sum(scores[term] for term in sentence.terms) / math.sqrt(words)
            statements.append(sentence)
    return _Analysis(
        spans,
        title,
        terms,
        scores,
        surface,
        Counter({term: counts[term] for term in terms}),
        statements,
        {term: _main_role(roles[term]) for term in terms},
    )


def _main_role(seen: Counter[str | None]) -> str | None:
    """The role a term mostly has where the word before it tells one."""
    told = Counter({role: count for role, count in seen.items() if role is not None})
    return told.most_common(1)[0][0] if told else None


def _sentences(block: Block) -> list[str]:
    if block.kind == HEADING or block.kind == TABLE:
        return []
    texts = block.items if block.kind == LIST else [block.text]
    return [sentence.strip() for text in texts for sentence in _SENTENCE_SPLIT.split(text) if sentence.strip()]


def _phrases(sentence: str) -> Iterable[tuple[str, str, str | None]]:
    """Candidate terms of a sentence: 1-3 words, no stop word at either end, none inside a unigram;
    each with the role the word before it gives it (``_role``)."""
    words = _WORD.findall(sentence)
    for size in (1, 2, 3):
        for start in range(len(words) - size + 1):
            window = words[start : start + size]
            lowered = [word.lower() for word in window]
            if lowered[0] in STOP_WORDS or lowered[-1] in STOP_WORDS:
                continue
            if size == 1 and len(lowered[0]) < 4:
                continue
            if any(word in STOP_WORDS for word in lowered[1:-1]):
                continue
            yield " ".join(lowered), " ".join(window), _role(words[start - 1].lower() if start else None)


def _role(before: str | None) -> str | None:
    if before in _BEFORE_THINGS:
        return THING
    if before in _BEFORE_ACTIONS:
        return ACTION
    return None


def _drop_nested(terms: list[str], counts: Counter[str]) -> list[str]:
    """A word that occurs only inside a better-ranked phrase adds nothing of its own."""
    kept: list[str] = []
    for term in terms:
        if any(term in other.split(" ") and counts[other] >= counts[term] for other in kept if " " in other):
            continue
        kept.append(term)
    return kept


def _kin(word: str, other: str) -> bool:
    """Two forms of one word, as far as a stemmer-less reader can tell: Slovenian declines
    ("viličar", "viličarja", "viličarje"), English adds endings ("shift", "shifts"). Such forms
    share all but their last two or three letters."""
    shorter = min(len(word), len(other))
    common = next((index for index, (a, b) in enumerate(zip(word, other, strict=False)) if a != b), shorter)
    return word == other or (common >= max(4, shorter - 2) and max(len(word), len(other)) - common <= 3)


def _related(term: str, other: str) -> bool:
    """A word of one is a form of a word of the other: one is no wrong answer for the other."""
    return any(_kin(word, another) for word in term.split() for another in other.split())


def _mentioned(lowered_text: str, term: str) -> bool:
    """The text has the term in some form: each of its words, declined or not."""
    words = set(_WORD.findall(lowered_text))
    return all(any(_kin(part, word) for word in words) for part in term.split())


def _terms_pattern(terms: list[str]) -> re.Pattern[str] | None:
    """One pattern for every term, longest first, so a match at a place takes the longest term."""
    if not terms:
        return None
    alternatives = "|".join(re.escape(term) for term in sorted(terms, key=lambda term: (-len(term), term)))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def _term_spans(text: str, pattern: re.Pattern[str] | None, rank: dict[str, int]) -> list[tuple[int, int, str]]:
    """Where the terms stand in the text, without overlaps, listed in rank order."""
    if pattern is None:
        return []
    spans = [(found.start(), found.end(), found.group(0).lower()) for found in pattern.finditer(text)]
    return sorted((span for span in spans if span[2] in rank), key=lambda span: (rank[span[2]], span[0]))


def _summary(analysis: _Analysis) -> str:
    best = sorted(analysis.statements, key=lambda statement: -statement.score)[:_SUMMARY_SENTENCES]
    chosen = sorted(best, key=lambda statement: statement.block)
    return " ".join(statement.text for statement in chosen)


# Questions


def _questions(analysis: _Analysis, sections: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Up to MAX_QUESTIONS, taken in turn from each section and cycling through the types."""
    by_section: dict[int, list[_Statement]] = defaultdict(list)
    for statement in sorted(analysis.statements, key=lambda statement: (-statement.score, statement.block)):
        by_section[statement.section].append(statement)
    questions: list[dict[str, Any]] = []
    used: set[str] = set()
    turn = 0
    while len(questions) < MAX_QUESTIONS and any(by_section.values()):
        for section in range(len(analysis.spans)):
            if len(questions) >= MAX_QUESTIONS:
                break
            candidates = by_section.get(section) or []
            while candidates:
                statement = candidates.pop(0)
                if statement.text in used:
                    continue
                question = None
                for offset in range(len(QUESTION_TYPES)):
                    kind = QUESTION_TYPES[(turn + offset) % len(QUESTION_TYPES)]
                    question = _make_question(kind, statement, analysis)
                    if question is not None:
                        break
                if question is None:
                    continue
                used.add(statement.text)
                turn += 1
                question.update(id=f"q{len(questions) + 1}", section=sections[section]["id"])
                questions.append(question)
                break
    return questions


def _rng(*parts: str) -> random.Random:
    """A random source seeded by the text, so the same document gives the same quiz."""
    return random.Random(hashlib.sha256("\x1f".join(parts).encode()).digest())  # noqa: S311 - not security


def _make_question(kind: str, statement: _Statement, analysis: _Analysis) -> dict[str, Any] | None:
    maker: Callable[[_Statement, _Analysis], dict[str, Any] | None] = {
        SINGLE_CHOICE: _completion,
        MULTIPLE_CHOICE: _about_term,
        TRUE_FALSE: _true_or_false,
    }[kind]
    question = maker(statement, analysis)
    if question is not None:
        question.setdefault("block", statement.block)
    return question


def _answer_term(statement: _Statement, words: int | None = None) -> str | None:
    """The best-ranked term the statement mentions once (of that many words, when given)."""
    mentions = Counter(term for _start, _end, term in statement.spans)
    for term in sorted(statement.terms, key=lambda term: " " not in term):  # a phrase asks more than a word
        if mentions[term] == 1 and (words is None or term.count(" ") + 1 == words):
            return term
    return None


def _distractors(analysis: _Analysis, term: str, text: str, count: int, seed: str) -> list[str]:
    """Other key terms of the document, absent from the text: of the answer's kind (a thing for a
    thing, an action for an action) and length first, then of its length and no known kind, then
    of its length, then any; the best-ranked few of each, in a seeded order."""
    lowered = text.casefold()
    others = [
        other
        for other in analysis.terms
        if other != term and not _mentioned(lowered, other) and not _related(term, other)
    ]
    role = analysis.roles.get(term)
    same_length = [other for other in others if other.count(" ") == term.count(" ")]
    tiers = (
        [other for other in same_length if role is not None and analysis.roles.get(other) == role],
        [other for other in same_length if analysis.roles.get(other) is None],
        same_length,
        others,
    )
    rng = _rng(seed, term)
    chosen: list[str] = []
    for tier in tiers:
        pool = [other for other in tier if other not in chosen][: count * 3]
        rng.shuffle(pool)
        chosen += pool[: count - len(chosen)]
        if len(chosen) == count:
            break
    return chosen


def _options(right: list[str], wrong: list[str], seed: str) -> list[dict[str, Any]]:
    options = [{"text": text, "correct": True} for text in right] + [{"text": text, "correct": False} for text in wrong]
    _rng(seed, "options").shuffle(options)
    return options


def _completion(statement: _Statement, analysis: _Analysis) -> dict[str, Any] | None:
    """SINGLE_CHOICE: the statement with its key term blanked; the term and three other terms."""
    term = _answer_term(statement)
    if term is None:
        return None
    wrong = _distractors(analysis, term, statement.text, 3, statement.text)
    if len(wrong) < 2:
        return None
    blanked = statement.replaced(term, BLANK)
    right = statement.surface(term)
    return {
        "type": SINGLE_CHOICE,
        "text": _("Complete: %(statement)s", statement=blanked),
        "options": _options([right], [_match_case(analysis.surface[other], right) for other in wrong], statement.text),
    }


def _true_or_false(statement: _Statement, analysis: _Analysis) -> dict[str, Any] | None:
    """TRUE_FALSE: the statement as written (true) or with a key term swapped for another (false)."""
    if statement.listed:
        return None
    rng = _rng(statement.text, TRUE_FALSE)
    text = statement.text
    is_true = rng.random() < 0.5
    if not is_true:
        term = _answer_term(statement)
        swappable = term is not None and not statement.after_article(term)
        other = _distractors(analysis, term, statement.text, 1, statement.text) if swappable else []
        if other:
            text = statement.replaced(term, _match_case(analysis.surface[other[0]], statement.surface(term)))
        else:
            is_true = True
    return {
        "type": TRUE_FALSE,
        "text": _("True or false: %(statement)s", statement=text),
        "options": [{"text": _("True"), "correct": is_true}, {"text": _("False"), "correct": not is_true}],
    }


def _about_term(statement: _Statement, analysis: _Analysis) -> dict[str, Any] | None:
    """MULTIPLE_CHOICE: which statements the document makes about a term.

    Right options are the document's sentences on the term; wrong ones are sentences of other
    sections with a term of the same length replaced by this one — about the term, but not said.
    A term met only once, or a document of one section, gives no such question.
    """
    repeated = [term for term in statement.terms if analysis.mentions[term] >= 2]
    term = next(iter(sorted(repeated, key=lambda term: " " not in term)), None)
    if term is None:
        return None
    words = term.count(" ") + 1
    also = (
        other
        for other in analysis.statements
        if other is not statement and other.section == statement.section and term in other.terms
    )
    true = [statement, *list(also)[:1]]
    display = analysis.surface[term]
    false: list[str] = []
    for other in analysis.statements:
        if len(false) >= 2:
            break
        if other.section == statement.section or other.listed or term in other.terms:
            continue
        swap = _answer_term(other, words)
        if swap is None or _related(swap, term) or _mentioned(other.text.casefold(), term):
            continue
        if other.after_article(swap):
            continue
        false.append(other.replaced(swap, _match_case(display, other.surface(swap))))
    if not false:
        return None
    return {
        "type": MULTIPLE_CHOICE,
        "text": _("Which of these does the document say about %(term)s?", term=display),
        "options": _options([item.text for item in true], false, statement.text),
        "block": statement.block,
    }


def _match_case(word: str, model: str) -> str:
    """An option written like the answer it stands beside: capitalised when the answer is."""
    if model[:1].isupper() and word[:1].islower():
        return word[:1].upper() + word[1:]
    if model[:1].islower() and word[:1].isupper() and not word.isupper():
        return word[:1].lower() + word[1:]
    return word


# --- Chat-completions generator ------------------------------------------------------------


_STRUCTURE = """{
  "title": "module title",
  "summary": "two or three sentences",
  "sections": [{"id": "s1", "title": "section title",
                "html": "<p>…</p> (h3, p, ul, ol, li, table, tr, td, strong, em only)",
                "blocks": [first_block_index, last_block_index]}],
  "questions": [{"id": "q1", "type": "SINGLE_CHOICE | MULTIPLE_CHOICE | TRUE_FALSE", "text": "question",
                 "options": [{"text": "option", "correct": true}],
                 "block": index_of_the_block_the_question_comes_from, "section": "s1"}]
}"""

_RULES = """Rules: sections follow the document's own headings (or its page and paragraph breaks when it has none)
and together cover the blocks in order; each section's html is the section's text, faithful to the document.
Write about 10 questions spread over the sections, built only from statements in the document: SINGLE_CHOICE has
exactly one correct option and three wrong ones taken from other terms of the same document; MULTIPLE_CHOICE has at
least one correct option; TRUE_FALSE has exactly two options, "{true}" and "{false}", one correct. Every question's
"block" is the index of the block it comes from. Answer with the JSON object only."""

_LANGUAGE_NAMES = {"en": "English", "sl": "Slovenian"}


class ChatCompletionsGenerator:
    """An OpenAI-compatible ``/chat/completions`` endpoint, held to the offline draft's structure."""

    def __init__(self, *, base_url: str, api_key: str | None, model: str, timeout: float = 120) -> None:
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.api_key = api_key
        self.model = model
        self.timeout = timeout

    def draft(self, blocks: list[Block], language: str) -> dict[str, Any]:
        language = _language(language)
        with force_locale(language):
            rules = _RULES.format(true=_("True"), false=_("False"))
        system = (
            "You turn a company document into a training module with a quiz. The document is given as numbered "
            f"blocks. Write in {_LANGUAGE_NAMES[language]}. Answer with one JSON object of this structure:\n"
            f"{_STRUCTURE}\n{rules}"
        )
        messages = [{"role": "system", "content": system}, {"role": "user", "content": _numbered(blocks)}]
        return self._ask(messages, lambda data: _without_blocks(validate_draft(data, len(blocks))))

    def section(self, blocks: list[Block], draft: dict[str, Any], section_id: str) -> dict[str, Any]:
        current = _find(draft.get("sections", []), section_id, _("There is no section %(id)s in the draft."))
        system = (
            "You revise one section of a training module drafted from a company document (numbered blocks). "
            'Answer with one JSON object {"section": {...}} holding a new version of the section, with the same '
            f"id, in the structure:\n{_STRUCTURE}\nKeep it faithful to the document's blocks it covers."
        )
        user = f"{_numbered(blocks)}\n\nDraft:\n{json.dumps(_without_blocks(draft), ensure_ascii=False)}\n\n"
        user += f"Rewrite section {section_id} (blocks {current.get('blocks')})."

        def check(data: Any) -> dict[str, Any]:
            section = data.get("section") if isinstance(data, Mapping) else None
            if not isinstance(section, Mapping):
                raise GenerationFailed(_("The answer has no section."))
            return _revised(draft, "sections", {**section, "id": section_id}, len(blocks))

        return self._ask([{"role": "system", "content": system}, {"role": "user", "content": user}], check)

    def question(self, blocks: list[Block], draft: dict[str, Any], question_id: str) -> dict[str, Any]:
        current = _find(draft.get("questions", []), question_id, _("There is no question %(id)s in the draft."))
        system = (
            "You write one new quiz question for a training module drafted from a company document (numbered "
            'blocks). Answer with one JSON object {"question": {...}} holding a question in the structure:\n'
            f"{_STRUCTURE}\nUse the same id and section, another statement of that section if it has one."
        )
        user = f"{_numbered(blocks)}\n\nDraft:\n{json.dumps(_without_blocks(draft), ensure_ascii=False)}\n\n"
        user += f"Replace question {question_id} (section {current.get('section')}, block {current.get('block')})."

        def check(data: Any) -> dict[str, Any]:
            question = data.get("question") if isinstance(data, Mapping) else None
            if not isinstance(question, Mapping):
                raise GenerationFailed(_("The answer has no question."))
            question = {**question, "id": question_id, "section": current.get("section")}
            return _revised(draft, "questions", question, len(blocks))

        return self._ask([{"role": "system", "content": system}, {"role": "user", "content": user}], check)

    def _ask(self, messages: list[dict[str, str]], check: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
        """One request, and one more with the fault told to the model when the answer is not valid."""
        for attempt in range(2):
            content = self._complete(messages)
            try:
                return check(json.loads(content))
            except json.JSONDecodeError as error:
                reason = f"the answer is not valid JSON ({error.msg} at position {error.pos})"
                failure = GenerationFailed(_("The AI service answered with invalid JSON twice."))
            except GenerationFailed as error:
                reason = str(error)
                failure = GenerationFailed(
                    _("The AI service's answer was not a valid draft: %(reason)s", reason=reason)
                )
            if attempt == 0:
                messages = [
                    *messages,
                    {"role": "assistant", "content": content},
                    {
                        "role": "user",
                        "content": f"That answer cannot be used: {reason}. Answer again with the JSON object only.",
                    },
                ]
        raise failure

    def _complete(self, messages: list[dict[str, str]]) -> str:
        """The text of the model's first choice; GenerationFailed for a transport or API fault."""
        body = json.dumps(
            {
                "model": self.model,
                "messages": messages,
                "response_format": {"type": "json_object"},
                "temperature": 0.2,
            }
        ).encode()
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - configured URL
                payload = json.loads(response.read())
        except urllib.error.HTTPError as error:
            raise GenerationFailed(
                _("The AI service answered with HTTP %(status)s: %(reason)s.", status=error.code, reason=error.reason)
            ) from None
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            reason = getattr(error, "reason", None) or error
            raise GenerationFailed(_("The AI service could not be reached: %(reason)s.", reason=reason)) from None
        except json.JSONDecodeError:
            raise GenerationFailed(_("The AI service's response was not in the chat-completions format.")) from None
        try:
            content = payload["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError):
            raise GenerationFailed(_("The AI service's response was not in the chat-completions format.")) from None
        return content if isinstance(content, str) else ""


def _revised(draft: Mapping[str, Any], key: str, item: dict[str, Any], block_count: int) -> dict[str, Any]:
    """``item`` checked in its place in the draft (``key``: "sections" or "questions"), as the
    whole draft is checked."""
    items = [item if other.get("id") == item["id"] else other for other in draft.get(key, [])]
    checked = validate_draft({**_without_blocks(draft), key: items}, block_count)
    return next(other for other in checked[key] if other["id"] == item["id"])


def _numbered(blocks: list[Block]) -> str:
    """The blocks as the model reads them: "[index] (kind) text", up to PROMPT_MAX_CHARS."""
    lines = []
    size = 0
    for index, block in enumerate(blocks):
        label = f"heading {block.level}" if block.kind == HEADING else block.kind
        line = f"[{index}] ({label}) {block.text}"
        size += len(line)
        if size > PROMPT_MAX_CHARS:
            lines.append(f"[…] ({len(blocks) - index} more blocks are not shown)")
            break
        lines.append(line)
    return "Document blocks:\n" + "\n".join(lines)


def _without_blocks(draft: Mapping[str, Any]) -> dict[str, Any]:
    return {key: copy.deepcopy(value) for key, value in draft.items() if key != "blocks"}

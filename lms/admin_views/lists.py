"""Admin lists of tables that grow with use: pages that count nothing and stop at a depth,
exports that stream every row, each cell safe in a spreadsheet (issue 12, item 5; issue 10;
DESIGN.md: admin screens at scale).

``TenantModelView`` mixes this in; why it pages this way is argued in ``base``'s docstring.
A view of a large table says so with Flask-Admin's own ``simple_list_pager = True``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from itertools import islice
from typing import Any, ClassVar

from flask import request
from flask_admin import expose
from flask_babel import gettext as _

from lms.extensions import db
from lms.models.types import MAX_ID
from lms.spreadsheets import local_moment, spreadsheet_safe
from lms.tenancy import current_tenant_id, set_tenant


class ListAtScale:
    """Paging and export of a model view, bounded by what one page shows, not by the table.

    ``deepest_page`` pages (from 0) can be opened in a list that does not count; a page past
    them is answered at once with a 400 and a note pointing at the date filter, without a
    query. An export reads the list's own query (tenant, reach, search, filters and sort
    included) ``export_chunk`` rows at a time and writes each as it comes.
    """

    simple_list_pager: bool
    deepest_page: ClassVar[int] = 100
    export_chunk: ClassVar[int] = 1_000
    list_template = "admin/list.html"

    def beyond_depth(self, page: int | None) -> bool:
        """Is ``page`` past the pages a list that does not count lets anyone open?"""
        return self.simple_list_pager and (page or 0) >= self.deepest_page

    def depth_note(self) -> str:
        return _(
            "Only the first %(pages)d pages of this list can be opened. Filter it by date to see older rows.",
            pages=self.deepest_page,
        )

    @expose("/")
    def index_view(self) -> str | tuple[str, int]:
        """The list; a page past ``deepest_page`` shows no rows but the note, as a 400."""
        page = super().index_view()  # type: ignore[misc]
        return (page, 400) if self.beyond_depth(request.args.get("page", 0, type=int)) else page

    def get_empty_list_message(self) -> str:
        if self.beyond_depth(request.args.get("page", 0, type=int)):
            return self.depth_note()
        return super().get_empty_list_message()  # type: ignore[misc]

    def get_list(self, page: int | None, *args: Any, execute: bool = True, **kwargs: Any) -> Any:
        """One page of rows, prepared for showing. ``?page=-1`` is the first page, a page past
        ``deepest_page`` none at all (no OFFSET scan), one past any table an empty one (issue 10)."""
        if execute and self.beyond_depth(page):
            return None, []
        page = min(max(page or 0, 0), MAX_ID)
        count, rows = super().get_list(page, *args, execute=execute, **kwargs)  # type: ignore[misc]
        if execute:
            self.prepare_rows(rows)
        return count, rows

    def prepare_rows(self, rows: list[Any]) -> None:
        """Load in one query what the formatters of ``rows`` need: called for each page and for
        each chunk of an export, so no formatter queries row by row."""

    def get_export_value(self, model: Any, name: str) -> Any:
        """Every export cell passes ``spreadsheets.spreadsheet_safe``: the one place for CSV injection.

        A moment is written in the company's time zone to the second, as its pages show it,
        in the sortable form every spreadsheet reads (``2026-03-31 23:30:00``), not as the
        database's UTC with microseconds and an offset."""
        value = super().get_export_value(model, name)  # type: ignore[misc]
        return local_moment(value) if isinstance(value, datetime) else spreadsheet_safe(value)

    def _export_data(self) -> tuple[None, Iterator[Any]]:
        """Flask-Admin's export reads its rows here: every row of the list as filtered and sorted,
        streamed in chunks (``yield_per``: a server-side cursor on PostgreSQL) with constant
        memory, instead of one list of ``export_max_rows`` that cut the file without a word."""
        view_args = self._get_list_extra_args()  # type: ignore[attr-defined]
        sort = self._get_column_by_idx(view_args.sort)  # type: ignore[attr-defined]
        _count, query = self.get_list(
            0,
            sort[0] if sort is not None else None,
            view_args.sort_desc,
            view_args.search,
            view_args.filters,
            execute=False,
            page_size=0,
        )
        return None, self._streamed(query, current_tenant_id())

    def _streamed(self, query: Any, tenant_id: int | None) -> Iterator[Any]:
        """The rows of ``query``, read as the response is sent.

        By then Flask has torn down the request's app context once, and Flask-SQLAlchemy
        removed its session with the request's tenant (Flask 3.1 ``stream_with_context``):
        the rows are read in the session of the re-pushed context, set to the same tenant.
        """
        set_tenant(tenant_id)
        rows = iter(query.with_session(db.session()).yield_per(self.export_chunk))
        while chunk := list(islice(rows, self.export_chunk)):
            self.prepare_rows(chunk)
            yield from chunk

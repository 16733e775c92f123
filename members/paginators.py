"""A paginator for admin changelists over big tables (1M members, 20M ledger rows).

Django's Paginator runs COUNT(*) over the whole filtered table to number the
pages. This one counts only as far as it shows: the rows from the current page
to a few pages ahead, through a LIMITed subquery. The page links run to the
last page it has seen, and a trailing "…" says there is more.
"""

from collections.abc import Iterator
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property


class LookaheadPaginator(Paginator):
    lookahead_pages = 5

    def __init__(
        self,
        object_list: Any,
        per_page: int,
        orphans: int = 0,
        allow_empty_first_page: bool = True,
        *,
        page_number: Any = 1,
    ) -> None:
        super().__init__(object_list, per_page, orphans, allow_empty_first_page)
        try:
            self.page_number = max(1, int(page_number))
        except (TypeError, ValueError):
            self.page_number = 1

    @cached_property
    def _seen(self) -> tuple[int, bool]:
        """(rows known to exist, whether more lie beyond them)."""
        offset = (self.page_number - 1) * self.per_page
        window = self.per_page * self.lookahead_pages
        rows = self.object_list[offset : offset + window + 1]
        seen = rows.count() if isinstance(rows, QuerySet) else len(rows)
        return offset + min(seen, window), seen > window

    @cached_property
    def count(self) -> int:
        known, more = self._seen
        # One row past the window makes one more page, which therefore exists.
        return known + 1 if more else known

    @property
    def has_more(self) -> bool:
        """True when the table goes on past the pages this paginator numbers."""
        return self._seen[1]

    @property
    def known_count(self) -> int:
        return self._seen[0]

    def get_elided_page_range(
        self, number: Any = 1, *, on_each_side: int = 3, on_ends: int = 2
    ) -> Iterator[Any]:
        yield from super().get_elided_page_range(
            number, on_each_side=on_each_side, on_ends=on_ends
        )
        if self.has_more:
            yield self.ELLIPSIS

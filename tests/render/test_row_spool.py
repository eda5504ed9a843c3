"""``-o wide``'s spooled rows: rows that repeat the tail above are spooled as their time and load only, and
read back (rows(), write_plain(), fitted to a terminal) as the whole rows, laid out as tabulate does."""

from __future__ import annotations

import io
import string

from hypothesis import given, settings
from hypothesis import strategies as st
from tabulate import tabulate

from kubectl_hpa.render.timeline import RowSpool, fit_lines, fit_table

cell = st.one_of(st.just(""), st.text(alphabet=string.ascii_letters + string.digits + " -/:%", max_size=12)
                 .map(str.strip))


@settings(max_examples=300, deadline=None)
@given(columns=st.integers(2, 6), data=st.data())
def test_joined_rows_read_back_as_the_rows(columns: int, data: st.DataObject) -> None:
    headers = [f"H{index}" for index in range(columns)]
    tails = data.draw(st.lists(st.lists(cell, min_size=columns - 2, max_size=columns - 2), min_size=1, max_size=3))
    picks = [(data.draw(st.sampled_from(tails)), data.draw(cell), data.draw(cell))
             for _ in range(data.draw(st.integers(1, 12)))]
    rows = [[time_text, load_text, *tail] for tail, time_text, load_text in picks]
    expected = tabulate(rows, headers=headers, tablefmt="plain", disable_numparse=True)
    if columns > 2:
        out = io.StringIO()
        _joined(picks).write_plain(headers, out)
        assert out.getvalue() == expected + "\n"
    spooled = _joined(picks)
    assert spooled.plain and spooled.count == len(rows)
    whole = RowSpool()
    for row in rows:
        whole.add(row)
    assert spooled.widths == whole.widths and spooled.last == whole.last
    assert list(_joined(picks).rows()) == rows
    width = data.draw(st.integers(10, 80))
    shrinkable = tuple(range(2, columns))
    fitted = "\n".join(fit_lines(headers, spooled.rows(), spooled.widths, spooled.last, width, shrinkable))
    assert fitted == fit_table(headers, rows, width, shrinkable=shrinkable)


def _joined(picks: list[tuple[list[str], str, str]]) -> RowSpool:
    """The rows of ``picks`` (tail, time, load) added as table_of adds them: a tail new when it changes."""
    spooled = RowSpool()
    previous = None
    for tail, time_text, load_text in picks:
        spooled.add_joined(time_text, load_text, tail, "\t".join(tail), new_tail=tail is not previous)
        previous = tail
    return spooled

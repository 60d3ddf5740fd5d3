"""The queue's rows as HTML, written in Python: the one source of a row's markup, for the list and for
the row a quick action sends back.

A page of the queue is 25 rows of some twenty fields each; drawn by a Jinja loop they cost a
third of the htmx part's time (each `row.x` a lookup through the environment, each `{% if %}` a
branch in generated code). Written here, a row is one f-string: what comes from people (title,
category, names, the notice of a quick action) is escaped, everything else is the portal's own text
(codes are letters, digits and a hyphen; moments and labels are made by `portal.domain`).
"""
from __future__ import annotations

from markupsafe import Markup, escape

from portal.domain.queue import QueueRow


def rows_html(rows: list[QueueRow], *, office: bool, case_url: str, row_action: str | None, action_url: str,
              token: str, handlers=(), notice: str | None = None, alert: str | None = None) -> Markup:
    """The `<tr>` of each row. `case_url` and `action_url` are patterns with "{}" for the code
    (`portal.web.case_url_pattern`); `row_action` is the role's quick action on an assigned case
    ("take" or "assign"), `handlers` the unit's people an "assign" offers; `notice` and `alert` are
    shown under the title (one row, after a quick action)."""
    messages = ""
    if notice:
        messages += f'\n    <div class="row-notice" role="status">{escape(notice)}</div>'
    if alert:
        messages += f'\n    <div class="row-alert" role="alert">{escape(alert)}</div>'
    people = [(person.id, str(escape(person.full_name))) for person in handlers]
    return Markup("".join([_row(row, office, case_url, row_action, action_url, token, people, messages)
                           for row in rows]))


def _row(row: QueueRow, office: bool, case_url: str, row_action: str | None, action_url: str, token: str,
         people: list[tuple[int, str]], messages: str) -> str:
    code = row.code
    url = case_url.format(code)
    classes = ("is-overdue" if row.overdue else "") + (" is-flagged" if row.flagged else "")
    badges = ""
    if row.flagged:
        badges += (f'\n    <span class="badge badge-warn" title="Đã chuyển {row.transfer_count} lần giữa các đơn vị">'
                   f'Chuyển {row.transfer_count} lần</span>')
    if row.urgent:
        badges += '\n    <span class="badge badge-bad">Khẩn</span>'
    if row.extension_until is not None:
        badges += f'\n    <span class="badge badge-warn">Đề nghị gia hạn đến {row.extension_until}</span>'
    if row.pending_approval:
        badges += '\n    <span class="badge badge-warn">Chờ duyệt trả lời</span>'
    due = row.due
    if row.remaining:
        due += f'<br><span class="{"text-bad" if row.overdue else "muted"}">{row.remaining}</span>'
    if office:
        who = escape(row.unit_name or "—")
        if row.handler_name:
            who += Markup('<br><span class="muted">') + escape(row.handler_name) + Markup("</span>")
    else:
        who = escape(row.handler_name or "Chưa phân công")
    state_class = "badge-bad" if row.overdue else "badge-info" if row.is_open else "badge-ok"
    state = f'<span class="badge {state_class}">{row.state_label}</span>'
    if row.overdue:
        state += ' <span class="badge badge-bad">Quá hạn</span>'
    actions = "" if office else f'\n  <td class="row-actions">{_action(row, row_action, action_url, token, people)}</td>'
    return (f'\n<tr id="row-{code}" class="{classes}">'
            f'\n  <td class="nowrap"><a href="{url}" class="case-link">{code}</a></td>'
            f'\n  <td class="title-cell"><a href="{url}" class="row-link" tabindex="-1">{escape(row.title)}</a>'
            f'{badges}{messages}\n  </td>'
            f'\n  <td>{escape(row.category)}</td>'
            f'\n  <td class="nowrap">{row.received}</td>'
            f'\n  <td class="nowrap">{due}</td>'
            f'\n  <td>{who}</td>'
            f'\n  <td>{state}</td>{actions}\n</tr>')


def _action(row: QueueRow, row_action: str | None, action_url: str, token: str,
            people: list[tuple[int, str]]) -> str:
    """The quick action of an assigned case: "Nhận xử lý" for a handler, "Giao" to a person for a lead."""
    if not row_action or row.state != "assigned":
        return ""
    code = row.code
    post_url = action_url.format(code)
    form_class = "" if row_action == "take" else ' class="assign-form"'
    opening = (f'\n    <form method="post" action="{post_url}"{form_class}'
               f'\n          hx-post="{post_url}" hx-target="#row-{code}" hx-swap="outerHTML" hx-include="#queue-filters">'
               f'\n      <input type="hidden" name="csrf_token" value="{token}">'
               f'\n      <input type="hidden" name="version" value="{row.version}">')
    if row_action == "take":
        return opening + '\n      <button type="submit" class="button-small">Nhận xử lý</button>\n    </form>\n  '
    options = "".join(f'<option value="{person_id}">{name}</option>' for person_id, name in people
                      if person_id != row.handler_id)
    return (opening + f'\n      <label class="visually-hidden" for="assign-{code}">Giao phản ánh {code} cho</label>'
            f'\n      <select id="assign-{code}" name="handler">\n        <option value="">Chọn cán bộ…</option>'
            f'\n        {options}\n      </select>'
            '\n      <button type="submit" class="button-small">Giao</button>\n    </form>\n  ')

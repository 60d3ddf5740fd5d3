"""The case page's action fields as HTML, written in Python from their description (`FieldShape`, in
portal/cases/forms.py): the same bytes WTForms' widgets write for the control (attributes in their
sorted order), without binding a form on every view.

A handler's open case shows some seven action forms; drawn by Jinja macros, their fields were a
fifth of the page's time (each macro call a frame of the template runtime, each `{% if %}` a branch in
generated code). What comes from people (a value typed, a unit's or a person's name, an error) is
escaped, and so are the labels; ids and names are the portal's own (letters, digits, hyphens).
"""
from __future__ import annotations

from markupsafe import Markup, escape

from portal.cases.forms import ShownField


def field(f: ShownField, hint: str | None = None, class_: str = "") -> Markup:
    """A labelled field with its hint and errors; the control described for screen readers."""
    shape = f.shape
    described = f"{shape.id}-errors" if f.errors else f"{shape.id}-hint" if hint else None
    parts = [f'<div class="field {class_}{" has-error" if f.errors else ""}">',
             f'  <label for="{shape.id}">{escape(shape.label)}</label>',
             f"  {_control(f, described)}"]
    if hint:
        parts.append(f'  <p class="hint" id="{shape.id}-hint">{escape(hint)}</p>')
    if f.errors:
        parts.append(f'  <ul class="errors" id="{shape.id}-errors">{_items(f.errors)}</ul>')
    parts.append("</div>")
    return Markup("\n".join(parts))


def unit_select(f: ShownField, groups: dict) -> Markup:
    """The units to send a case to, grouped (an <optgroup> for each named group)."""
    shape = f.shape
    chosen = str(f.data)
    invalid = f' aria-invalid="true" aria-describedby="{shape.id}-errors"' if f.errors else ""
    options = []
    for label, choices in groups.items():
        if label:
            options.append(f'<optgroup label="{escape(label)}">')
        options.extend(f'<option value="{escape(value)}"{" selected" if chosen == value else ""}>{escape(text)}</option>'
                       for value, text in choices)
        if label:
            options.append("</optgroup>")
    errors = f'\n  <ul class="errors" id="{shape.id}-errors">{_items(f.errors)}</ul>' if f.errors else ""
    return Markup(f'<div class="field{" has-error" if f.errors else ""}">'
                  f'\n  <label for="{shape.id}">{escape(shape.label)}</label>'
                  f'\n  <select id="{shape.id}" name="{shape.name}"{invalid}>\n    {"".join(options)}\n  </select>'
                  f"{errors}\n</div>")


def _items(errors) -> str:
    return "".join(f"<li>{escape(error)}</li>" for error in errors)


def _control(f: ShownField, described: str | None) -> str:
    shape = f.shape
    aria = (f' aria-describedby="{described}"' if described else "") + (' aria-invalid="true"' if f.errors else "")
    required = " required" if shape.required else ""
    kind = shape.kind
    if kind in ("textarea", "text"):
        lengths = ((f' maxlength="{shape.maxlength}"' if shape.maxlength else "")
                   + (f' minlength="{shape.minlength}"' if shape.minlength else ""))
        placeholder = f' placeholder="{escape(shape.placeholder)}"' if shape.placeholder else ""
        if kind == "text":
            return (f'<input{aria} id="{shape.id}"{lengths} name="{shape.name}"{placeholder}{required} type="text" '
                    f'value="{escape(f.value)}">')
        rows = f' rows="{shape.rows}"' if shape.rows else ""
        return (f'<textarea{aria} id="{shape.id}"{lengths} name="{shape.name}"{placeholder}{required}{rows}>\r\n'
                f"{escape(f.value)}</textarea>")
    if kind == "date":
        return f'<input{aria} id="{shape.id}" name="{shape.name}"{required} type="date" value="{escape(f.value)}">'
    if kind == "file":
        accept = f' accept="{escape(shape.accept)}"' if shape.accept else ""
        return f'<input{accept}{aria} id="{shape.id}" multiple name="{shape.name}"{required} type="file">'
    if kind == "select":
        options = "".join(
            f'<option{" selected" if f.data is not None and f.data == value else ""} value="{escape(value)}">'
            f"{escape(text or value)}</option>" for value, text in f.choices)
        return f'<select{aria} id="{shape.id}" name="{shape.name}"{required}>{options}</select>'
    raise ValueError(f"{shape.name}: no plain markup for a {kind} field")

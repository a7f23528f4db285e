"""The input fields every view really reads, found from the code rather than typed.

The fuzz tests used to carry a hand-typed list of field names per form; it said `leads`
where the view read `lead`, and so the fuzzing never reached four 500s. This module
derives the list instead:

1. Walk the URL resolver: every named route and the view function behind it.
2. From the view's source (and, transitively, the project functions and classes it
   names: helpers, selectors, forms), collect
   - the fields of every Django form class it names (`form.base_fields`), formsets
     included (their management fields and row 0, under each prefix the code passes);
   - the filters of every django-filter FilterSet it names (`filterset.base_filters`),
     with the sub-names of range widgets (`start_after`, `amount_min`, ...);
   - every string key the code reads from a mapping: `request.POST.get("x")`,
     `request.GET["x"]`, `getlist("x")`, `"x" in request.POST`, also through a local
     alias (`source = request.POST ...; source.get("x")`).
   Over-collecting is harmless (a field nobody reads is ignored); missing one is not.
"""

import ast
import contextlib
import inspect
import textwrap
from functools import cache

import django_filters
from django import forms
from django.urls import URLPattern, URLResolver, get_resolver

# The packages whose code is scanned; Django's and third parties' are not ours to fuzz.
PROJECT = {
    "smarketing",
    "home",
    "messaging",
    "notifications",
    "leads",
    "feedback",
    "insight",
    "devtools",
}
MAPPING_READS = {"get", "getlist", "pop", "setdefault"}
MAX_DEPTH = 4


def routes(resolver=None, namespace=""):
    """(url name, URLPattern) for every named route; the admin site is Django's own."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            if entry.namespace == "api-v1":
                # JSON, fuzzed from its own OpenAPI schema with its own permission
                # matrix: tests/api/test_fuzz.py and tests/api/test_permission_matrix.py.
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from routes(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry


def _ours(obj) -> bool:
    module = getattr(obj, "__module__", None) or ""
    return module.split(".")[0] in PROJECT


def _source_tree(obj):
    try:
        return ast.parse(textwrap.dedent(inspect.getsource(obj)))
    except (OSError, TypeError, SyntaxError):
        return None


def _dotted(node):
    """`a.b.c` as ["a", "b", "c"], or None for anything else."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return parts[::-1]
    return None


def _resolve(parts, namespace):
    if parts[0] not in namespace:
        return None
    obj = namespace[parts[0]]
    for part in parts[1:]:
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def _widget_names(name, field):
    widget = getattr(field, "widget", None)
    suffixes = getattr(widget, "widgets_names", None)
    if suffixes:
        return {name, *(name + suffix for suffix in suffixes)}
    return {name}


def _form_fields(form_class):
    names = set()
    for name, field in form_class.base_fields.items():
        names |= _widget_names(name, field)
    return names


def _formset_fields(formset_class, prefixes):
    names = set()
    # The prefixes the code passes (PlayStepFormSet(prefix="steps")), else the default.
    for prefix in set(prefixes) or {formset_class.get_default_prefix()}:
        names |= {f"{prefix}-TOTAL_FORMS", f"{prefix}-INITIAL_FORMS"}
        row = _form_fields(formset_class.form) | {"ORDER", "DELETE"}
        names |= {f"{prefix}-0-{field}" for field in row}
    return names


def _filterset_fields(filterset_class):
    names = set()
    for name, filter_ in filterset_class.base_filters.items():
        names |= _widget_names(name, filter_.field)
    return names


class _Collector:
    def __init__(self):
        self.fields = set()
        self.seen = set()
        self.prefixes = set()

    def visit(self, obj, depth=0):
        key = id(obj)
        if key in self.seen or depth > MAX_DEPTH:
            return
        self.seen.add(key)
        if inspect.isclass(obj):
            self._class(obj, depth)
        elif inspect.isfunction(obj) or inspect.ismethod(obj):
            self._function(inspect.unwrap(obj), depth)

    def _class(self, cls, depth):
        if issubclass(cls, forms.BaseFormSet) and cls.form is not None:
            self.fields |= _formset_fields(cls, self.prefixes)
            self.visit(cls.form, depth + 1)
        elif issubclass(cls, forms.BaseForm):
            self.fields |= _form_fields(cls)
        elif issubclass(cls, django_filters.FilterSet):
            self.fields |= _filterset_fields(cls)
        if _ours(cls):
            for attribute in vars(cls).values():
                if inspect.isfunction(attribute):
                    self.visit(attribute, depth + 1)

    def _function(self, function, depth):
        if not _ours(function):
            return
        tree = _source_tree(function)
        if tree is None:
            return
        namespace = {**function.__globals__}
        if function.__closure__:
            names = function.__code__.co_freevars
            for name, cell in zip(names, function.__closure__, strict=True):
                with contextlib.suppress(ValueError):  # a cell not yet filled
                    namespace[name] = cell.cell_contents
        for node in ast.walk(tree):
            self._keys_read(node)
            parts = _dotted(node) if isinstance(node, ast.Name | ast.Attribute) else None
            if parts:
                target = _resolve(parts, namespace)
                if inspect.isclass(target) or (callable(target) and _ours(target)):
                    self.visit(target, depth + 1)

    def _keys_read(self, node):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in MAPPING_READS and node.args:
                self._constant(node.args[0])
            for keyword in node.keywords:
                value = keyword.value
                if keyword.arg == "prefix" and isinstance(value, ast.Constant):
                    self.prefixes.add(str(value.value))
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
            self._constant(node.slice)
        elif isinstance(node, ast.Compare) and any(
            isinstance(op, ast.In | ast.NotIn) for op in node.ops
        ):
            self._constant(node.left)

    def _constant(self, node):
        text = node.value if isinstance(node, ast.Constant) else None
        if isinstance(text, str) and text and len(text) < 60 and text.isprintable():
            self.fields.add(text)


@cache
def fields_read_by(callback) -> frozenset[str]:
    """The input field names the view behind `callback` reads, directly or through the
    project code it calls."""
    collector = _Collector()
    view_class = getattr(callback, "view_class", None)
    if view_class is not None:
        form_class = getattr(view_class, "form_class", None)
        if form_class is not None:
            collector.visit(form_class)
        collector.visit(view_class)
    else:
        # Prefixes first, so the formsets found on the second pass get their real names.
        collector.visit(callback)
        collector.seen.clear()
        collector.visit(callback)
    return frozenset(collector.fields)

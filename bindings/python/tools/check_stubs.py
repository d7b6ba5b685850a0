"""Fail when saoy/_native.pyi drifts from the built native module.

Checks, for the installed `saoy._native`: the public names; each function's and method's
parameters (names, positional or keyword-only, defaults: literal values must be equal; a function
without a text signature is drift too); each class's public attributes and methods; each
exception's base class. Exits 1 on any drift. Usage: python check_stubs.py path/to/_native.pyi
"""

import ast
import inspect
import sys

import saoy._native as native

ALIASES = {"ImageInput", "BytesInput", "ProgressFn"}


NO_DEFAULT = "<required>"
SLOT = "<slot wrapper: (*args, **kwargs)>"
UNKNOWN = "<not a literal>"


def _stub_default(node):
    if node is None:
        return NO_DEFAULT
    if isinstance(node, ast.Constant) and node.value is Ellipsis:
        return UNKNOWN
    try:
        return ast.literal_eval(node)
    except ValueError:
        return UNKNOWN


def stub_params(fn: ast.FunctionDef, method: bool):
    """[(name, kind, default)] of a stub; default is NO_DEFAULT, UNKNOWN (`...`) or a literal."""
    a = fn.args
    pos = a.posonlyargs + a.args
    if method:
        pos = pos[1:]  # self
    defaults = [None] * (len(pos) - len(a.defaults)) + list(a.defaults)
    out = [(p.arg, "pos", _stub_default(d)) for p, d in zip(pos, defaults)]
    out += [(p.arg, "kw", _stub_default(d)) for p, d in zip(a.kwonlyargs, a.kw_defaults)]
    return out


def real_params(obj):
    """Same shape from the module's text signature; None when it has none."""
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError, UnicodeError):
        # No text signature, or one `inspect` cannot parse (it rejects non-ASCII defaults).
        return None
    params = [p for p in sig.parameters.values() if p.name not in ("self", "cls", "$self", "$cls")]
    if [p.kind for p in params] == [inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD]:
        return SLOT
    out = []
    for p in params:
        kind = "kw" if p.kind == p.KEYWORD_ONLY else "pos"
        if p.default is p.empty:
            default = NO_DEFAULT
        elif p.default is Ellipsis:
            default = UNKNOWN
        else:
            default = p.default
        out.append((p.name, kind, default))
    return out


def same_params(got, want) -> bool:
    """Names, kinds and defaults agree; a default the module renders as `...` (not a literal)
    only has to exist in the stub."""
    if got is None or len(got) != len(want):
        return False
    for (gn, gk, gd), (wn, wk, wd) in zip(got, want):
        if (gn, gk) != (wn, wk):
            return False
        if (gd is NO_DEFAULT) != (wd is NO_DEFAULT):
            return False
        if gd is not UNKNOWN and wd is not UNKNOWN and gd != wd:
            return False
        if gd is not UNKNOWN and gd is not NO_DEFAULT and wd is UNKNOWN:
            return False  # the module has a literal default: the stub must spell it
    return True


def main(path: str) -> int:
    tree = ast.parse(open(path, encoding="utf-8").read())
    problems = []
    unchecked = []
    stub = {}
    for node in tree.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
            stub[node.name] = node
    real = {n for n in dir(native) if not n.startswith("_")}
    declared = set(stub) - ALIASES
    for n in sorted(real - declared):
        problems.append(f"missing from stub: {n}")
    for n in sorted(declared - real):
        problems.append(f"in stub but not in module: {n}")

    for name, node in stub.items():
        if name not in real:
            continue
        obj = getattr(native, name)
        if isinstance(node, ast.FunctionDef):
            got, want = real_params(obj), stub_params(node, method=False)
            if not same_params(got, want):
                problems.append(f"{name}: module {got} != stub {want}")
            continue
        if issubclass(obj, BaseException):
            bases = [b.id for b in node.bases if isinstance(b, ast.Name)]
            if bases != [obj.__bases__[0].__name__]:
                problems.append(f"{name}: base {obj.__bases__[0].__name__} != stub {bases}")
            continue
        members = {}
        for item in node.body:
            if isinstance(item, ast.FunctionDef):
                members[item.name] = item
            elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                members[item.target.id] = item
        public_real = {m for m in dir(obj) if not m.startswith("_")}
        public_stub = {m for m in members if not m.startswith("_")}
        for m in sorted(public_real - public_stub):
            problems.append(f"{name}.{m}: missing from stub")
        for m in sorted(public_stub - public_real):
            problems.append(f"{name}.{m}: in stub but not in module")
        for m, item in members.items():
            if not isinstance(item, ast.FunctionDef) or any(
                isinstance(d, ast.Name) and d.id == "property" for d in item.decorator_list
            ):
                continue
            target = obj if m == "__init__" else getattr(obj, m, None)
            if target is None:
                problems.append(f"{name}.{m}: not in module")
                continue
            got, want = real_params(target), stub_params(item, method=True)
            if got is SLOT and m.startswith("__") and m != "__init__":
                # A type slot (`__call__`, …) has no introspectable signature in CPython.
                unchecked.append(f"{name}.{m}")
                continue
            if not same_params(got, want):
                problems.append(f"{name}.{m}: module {got} != stub {want}")
        if "__init__" not in members and real_params(obj) not in (None, []):
            problems.append(f"{name}: constructor {real_params(obj)} missing from stub")

    for p in problems:
        print("stub drift:", p)
    if unchecked:
        print("signature not introspectable (slot), names only:", ", ".join(unchecked))
    print(f"checked {len(declared)} stub entries against saoy._native: {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))

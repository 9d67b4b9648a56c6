"""The fast reader (libyaml events straight to the raw tree) agrees with the full resolver.

``read_raw_text`` reads everyday files without building the node tree and leaves anything
unusual (anchors, merges, tags, errors...) to the resolver that ``load_raw_text`` runs. Both
must give the same tree, or the same located error, for every file.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support.corpus import CORPUS_DIR

from digrefactor import DigError
from digrefactor._datatree import Include, raw_equal
from digrefactor.dialect import load_raw_text, read_raw_text
from digrefactor.dialect._resolve import _fast_tree, _FileIncludes, _Unusual


def _all_corpus_digs() -> list[Path]:
    if not CORPUS_DIR.is_dir():
        return []
    return sorted(p for p in CORPUS_DIR.rglob("*.dig") if p.is_file())


def _outcome(read: object, text: str, path: str | None) -> object:
    try:
        return ("tree", read(text, path))  # type: ignore[operator]
    except DigError as exc:
        return ("error", type(exc), exc.message, exc.path, exc.line, exc.column)


def _same(a: object, b: object) -> bool:
    if isinstance(a, tuple) and a[0] == "tree" and isinstance(b, tuple) and b[0] == "tree":
        return raw_equal(a[1], b[1]) and _include_data_equal(a[1], b[1])
    return a == b


def _include_data_equal(a: object, b: object) -> bool:
    """Includes compare by path in raw_equal; their loaded trees must agree too."""
    if isinstance(a, Include) and isinstance(b, Include):
        return a.resolved_path == b.resolved_path and (
            (a.data is None and b.data is None)
            or (a.data is not None and b.data is not None and raw_equal(a.data, b.data))
        )
    if isinstance(a, dict) and isinstance(b, dict):
        return all(_include_data_equal(x, y) for x, y in zip(a.values(), b.values(), strict=True))
    if isinstance(a, list) and isinstance(b, list):
        return all(_include_data_equal(x, y) for x, y in zip(a, b, strict=True))
    return True


def _full(text: str, path: str | None) -> object:
    return load_raw_text(text, path)[1]


def test_both_readers_agree_on_every_corpus_file() -> None:
    files = _all_corpus_digs()
    if not files:
        pytest.skip(f"shared corpus not found at {CORPUS_DIR} (tests read it in place)")
    differ = []
    for path in files:
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
        fast = _outcome(read_raw_text, text, str(path))
        full = _outcome(_full, text, str(path))
        if not _same(fast, full):
            differ.append(str(path.relative_to(CORPUS_DIR)))
    assert differ == []


def test_the_fast_reader_takes_the_everyday_file() -> None:
    # Guards the speed-up itself: falling back for every file would still be correct.
    files = _all_corpus_digs()
    if not files:
        pytest.skip(f"shared corpus not found at {CORPUS_DIR} (tests read it in place)")
    fast = 0
    for path in files:
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
        try:
            _fast_tree(text, _FileIncludes(str(path)), str(path))
        except _Unusual:
            continue
        fast += 1
    assert fast / len(files) > 0.9


UNUSUAL = {
    "anchor-alias": "a: &x 1\nb: *x\n",
    "merge": "base: &b {x: 1}\n+t:\n  <<: *b\n  sh>: y\n",
    "tag-str": "a: !!str 1\n",
    "tag-int": "a: !!int '7'\n",
    "non-specific-tag": "a: ! 123\n",
    "tagged-map": "a: !!map {b: 1}\n",
    "set": "a: !!set {x, y}\n",
    "omap": "a: !!omap [b: 1, c: 2]\n",
    "unknown-tag": "a: !foo x\n",
    "duplicate-text": "1e3: a\n'1e3': b\n",
    "same-key-other-text": "1: a\n0x1: b\n",
    "null-key": "~: a\n",
    "bool-key": "true: a\n",
    "float-key": "1.5: a\n",
    "complex-key": "? [a, b]\n: c\n",
    "two-documents": "a: 1\n---\nb: 2\n",
    "empty": "",
    "comments-only": "# x\n",
    "scalar-root": "x\n",
    "list-root": "- a\n",
    "bom": "\ufeffa: 1\n",
    "syntax-error": "a: [1, 2\n",
    "bad-number": "a: 0b_\n",
    "include-as-value": "+t: !include t.dig\n",
    "include-of-a-map": "!include : {a: 1}\n",
    "include-of-null": "!include :\n",
    "include-int": "!include : 12\n",
    "flow": "a: {b: [1, {c: d}], e: 'f'}\n",
    "block-scalars": "a: |\n  x\n  y\nb: >-\n  z\n",
}


@pytest.mark.parametrize("text", UNUSUAL.values(), ids=UNUSUAL.keys())
@pytest.mark.parametrize("with_path", [False, True], ids=["text", "file"])
def test_both_readers_agree_on_unusual_input(text: str, with_path: bool, tmp_path: Path) -> None:
    path = str(tmp_path / "w.dig") if with_path else None
    assert _same(_outcome(read_raw_text, text, path), _outcome(_full, text, path))


def test_a_shared_expansion_equals_a_copied_one() -> None:
    from digrefactor.dialect import expand_includes

    files = _all_corpus_digs()
    if not files:
        pytest.skip(f"shared corpus not found at {CORPUS_DIR} (tests read it in place)")
    with_includes = 0
    for path in files:
        try:
            raw = read_raw_text(path.read_text(encoding="utf-8"), str(path))
        except (DigError, UnicodeDecodeError):
            continue
        try:
            copied = expand_includes(raw)
        except ValueError:
            continue
        shared = expand_includes(raw, share=True)
        assert raw_equal(shared, copied), path
        if shared is raw:
            assert copied == raw  # nothing to expand: the view is the tree itself
        else:
            with_includes += 1
    assert with_includes > 50

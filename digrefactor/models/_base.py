"""Base of every model: typed fields mapped to data keys, unknown keys kept, key order kept.

A model converts to its *raw* data tree with :meth:`DigModel.to_raw` and back with
:meth:`DigModel.from_raw`. Keys that no typed field claims (or whose value does not fit the
field's type) are kept in ``params`` so nothing in a `.dig` file is ever dropped, and the order
of keys seen in the file is remembered so an unedited model returns exactly the tree it came from.
"""

from __future__ import annotations

import contextlib
import copy
import types
import typing
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field
from pydantic_core import PydanticUndefined

from digrefactor._datatree import DataTree, Include

__all__ = ["OPERATOR_SLOT", "PARAMS_SLOT", "TASKS_SLOT", "DigModel", "FieldSpec", "raw_value"]

_object_setattr = object.__setattr__
_NOT_SET: Any = object()
_object_getattribute = object.__getattribute__

#: Placeholders in a model's key order: where the operator key, extra params and tasks go.
OPERATOR_SLOT = "\x00operator"
PARAMS_SLOT = "\x00params"
TASKS_SLOT = "\x00tasks"


class FieldSpec:
    """How one typed field maps to a data key and which raw values fit it."""

    __slots__ = ("any", "data_key", "models", "name", "scalar_types", "task")

    def __init__(self, name: str, data_key: str, annotation: Any) -> None:
        self.name = name
        self.data_key = data_key
        self.any = False
        self.task = False
        self.models: list[type[DigModel]] = []
        self.scalar_types: set[type] = set()
        self._collect(annotation)

    def _collect(self, ann: Any) -> None:
        origin = typing.get_origin(ann)
        if ann is Any:
            self.any = True
        elif origin in (typing.Union, types.UnionType):
            for arg in typing.get_args(ann):
                self._collect(arg)
        elif origin is typing.Literal:
            self.scalar_types.update(type(a) for a in typing.get_args(ann))
        elif origin is not None:
            self.scalar_types.add(origin)  # list[...] / dict[...]: containers of plain data
        elif ann is type(None):
            pass
        elif isinstance(ann, type) and issubclass(ann, DigModel):
            if getattr(ann, "__is_task__", False):
                self.task = True
            else:
                self.models.append(ann)
        elif isinstance(ann, type):
            self.scalar_types.add(ann)

    def fits(self, value: Any) -> bool:
        if value is None:
            return False
        return self.any or type(value) in self.scalar_types


class DigModel(BaseModel):
    """Shared behaviour of every digrefactor model."""

    model_config = ConfigDict(
        populate_by_name=True,
        arbitrary_types_allowed=True,
        extra="forbid",
        validate_default=False,
        # Schemas are built on first validation, not at import: loading files never validates
        # (models are built from trusted raw trees), so most processes never build one.
        defer_build=True,
    )

    #: Extra keys, in order; values are raw data (``!include`` entries have include keys).
    params: dict[str, Any] = Field(default_factory=dict)

    # What a model remembers of its file, kept in slots rather than pydantic's private
    # attributes (a dict per model): the key order (``_order``) and a task's key (``_key``).
    __slots__ = ("_dig_key", "_dig_order")

    __fields_spec__: ClassVar[dict[str, FieldSpec]]
    __key_to_field__: ClassVar[dict[str, str]]
    __canonical__: ClassVar[list[str]]
    __rank_of__: ClassVar[dict[str, int]]
    #: Fields that are not data keys of their own (handled by the subclass).
    __special_fields__: ClassVar[frozenset[str]] = frozenset({"params"})
    #: Whether the model runs an operator (``op>:`` key), and whether it holds ``+tasks``.
    __is_operator__: ClassVar[bool] = False
    __has_tasks__: ClassVar[bool]
    #: What a loaded model starts from: the defaults of its special fields (``long_form``...).
    __loaded_defaults__: ClassVar[dict[str, Any]]
    #: Private attributes' defaults (a loaded model starts from these).
    __private_defaults__: ClassVar[dict[str, Any]]

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        specs: dict[str, FieldSpec] = {}
        for name, info in cls.model_fields.items():
            if name in cls.__special_fields__:
                continue
            key = info.alias or name
            specs[name] = FieldSpec(name, key, info.annotation)
        cls.__fields_spec__ = specs
        cls.__key_to_field__ = {s.data_key: n for n, s in specs.items()}
        cls.__canonical__ = cls._canonical_order()
        cls.__rank_of__ = {k: i for i, k in enumerate(cls.__canonical__)}
        cls.__has_tasks__ = "tasks" in cls.model_fields
        cls.__loaded_defaults__ = {
            name: info.default
            for name, info in cls.model_fields.items()
            if name in cls.__special_fields__
            and info.default is not PydanticUndefined
            and info.default_factory is None
        }
        private: dict[str, Any] = {}
        for name, attr in cls.__private_attributes__.items():
            if attr.default_factory is not None or attr.default is PydanticUndefined:
                raise TypeError(f"{cls.__name__}.{name}: loaded models need a plain default")
            private[name] = attr.default
        cls.__private_defaults__ = private

    @classmethod
    def _canonical_order(cls) -> list[str]:
        """Data keys (and slots) in the order a model built in code is written."""
        return [s.data_key for s in cls.__fields_spec__.values()] + [PARAMS_SLOT]

    # ------------------------------------------------------------------ conversion to data

    def _entries(self) -> dict[str, Any]:
        """Present data keys of typed fields and params → raw values (order not significant)."""
        specs = self.__fields_spec__
        out: dict[str, Any] = {}
        # Loaded models hold only the fields their file sets (see _loaded).
        for name, value in self.__dict__.items():
            if value is not None:
                spec = specs.get(name)
                if spec is not None:
                    out[spec.data_key] = raw_value(value)
        return out

    def _tasks_for_raw(self) -> list[tuple[str, str, Any]] | None:
        """(slot key, data key, raw value) of child tasks, for models that have them."""
        return None

    def to_raw(self) -> DataTree:
        """This model's raw data tree (includes kept as markers).

        Keys keep the order they had in the file; a key new since loading goes where a model
        built in code would put it relative to its neighbours (``timezone`` first, ``_retry``
        after an operator's parameters, ...); new tasks follow the last existing task.
        """
        entries = self._entries()
        own_params = self.__dict__.get("params")  # not made just to be read
        params = {k: raw_value(v) for k, v in own_params.items()} if own_params else {}
        if params and not entries.keys().isdisjoint(params):
            # Loading never puts a key in both places; code that does would lose one silently.
            clash = sorted(set(entries) & set(params))
            fields = ", ".join(f"{self.__key_to_field__[k]!r}" for k in clash)
            raise ValueError(
                f"{type(self).__name__}: key {', '.join(map(repr, clash))} is set both as a "
                f"field ({fields}) and in params; use set_param() or one of the two"
            )
        tasks = self._tasks_for_raw() or []
        task_slots = {slot: i for i, (slot, _, _) in enumerate(tasks)}
        order = self._merged_order(entries, params, task_slots)
        out: DataTree = {}
        task_pos = 0
        for key in order:
            if key in entries:
                out[key] = entries.pop(key)
            elif key in params:
                out[key] = params.pop(key)
            elif key in task_slots:
                # Tasks not yet written that precede this one in the list go first.
                idx = task_slots[key]
                while task_pos <= idx:
                    _, data_key, value = tasks[task_pos]
                    out[data_key] = value
                    task_pos += 1
            elif key == TASKS_SLOT:
                while task_pos < len(tasks):
                    _, data_key, value = tasks[task_pos]
                    out[data_key] = value
                    task_pos += 1
            else:
                self._emit_special(key, out)
        return out

    def _merged_order(
        self, entries: dict[str, Any], params: dict[str, Any], task_slots: dict[str, int]
    ) -> list[str]:
        canon = self.__canonical__
        rank_of = self.__rank_of__
        own: list[str] = self._order
        if not own:
            order = [k for k in canon if k != PARAMS_SLOT]
            params_at = order.index(TASKS_SLOT) if TASKS_SLOT in order else len(order)
            # Without a file, extra params sit where the canonical order puts them.
            pos = sum(1 for k in canon[: rank_of.get(PARAMS_SLOT, len(canon))] if k != PARAMS_SLOT)
            order[min(pos, params_at) : min(pos, params_at)] = list(params)
            return order
        order = [k for k in own if k != TASKS_SLOT] if TASKS_SLOT in own else list(own)
        known = set(order)
        new_keys = [k for k in entries if k not in known] + [k for k in params if k not in known]
        if new_keys:
            params_rank = rank_of.get(PARAMS_SLOT, len(canon))
            tasks_rank = rank_of.get(TASKS_SLOT, len(canon))

            def rank(key: str) -> int:
                if key in rank_of:
                    return rank_of[key]
                if key in task_slots or key.startswith("+"):
                    return tasks_rank
                return params_rank

            new_keys.sort(key=rank)
            for key in new_keys:
                r = rank(key)
                at = next((i for i, k in enumerate(order) if rank(k) > r), len(order))
                order.insert(at, key)
        # New tasks follow the last task slot (or, with none, go at the end).
        last = None
        if task_slots:
            last = max((i for i, k in enumerate(order) if k in task_slots), default=None)
        if last is None:
            order.append(TASKS_SLOT)
        else:
            order.insert(last + 1, TASKS_SLOT)
        return order

    def _emit_special(self, key: str, out: DataTree) -> None:
        """Emit a slot only the subclass knows about (the operator key)."""

    # ------------------------------------------------------------------ conversion from data

    @classmethod
    def from_raw(cls, data: DataTree, **fields: Any) -> typing.Self:
        """Build from a raw mapping without validation (values are kept exactly as given)."""
        from digrefactor.models._build import build_fields

        values, params, order = build_fields(cls, data)
        values.update(fields)
        if params:
            values["params"] = params
        return cls._loaded(values, order)

    @classmethod
    def _loaded(cls, values: dict[str, Any], order: list[str]) -> typing.Self:
        """A model of trusted values, built the cheap way (no validation, no defaults).

        Its ``__dict__`` holds only what the file sets: a key absent from the file is absent
        from the model, whatever the code default is, and reads as ``None``; special fields left
        out read as their defaults (``long_form``: False) and ``params`` as a dict made on first
        use (``__getattr__``). Loading a project makes thousands of these, and pydantic's
        ``model_construct`` (every field stored, a fields-set per model) cost most of a load
        and most of its memory.
        """
        obj = cls.__new__(cls)
        _object_setattr(obj, "__dict__", values)
        _object_setattr(obj, "__pydantic_extra__", None)
        private = cls.__private_defaults__
        _object_setattr(obj, "__pydantic_private__", dict(private) if private else None)
        _object_setattr(obj, "_dig_order", order)
        # __pydantic_fields_set__ is made on first use (__getattr__): few models need one.
        return obj

    # ------------------------------------------------------------------ file memory

    @property
    def _order(self) -> list[str]:
        """Data keys in the order seen in the source (slots for operator key, params, tasks)."""
        try:
            order: list[str] = _object_getattribute(self, "_dig_order")
        except AttributeError:
            order = []
            _object_setattr(self, "_dig_order", order)
        return order

    @_order.setter
    def _order(self, value: list[str]) -> None:
        _object_setattr(self, "_dig_order", value)

    def _file_memory(self) -> dict[str, Any]:
        """The slot values set on this model (copies and pickles carry them along)."""
        out: dict[str, Any] = {}
        for name in ("_dig_key", "_dig_order"):
            with contextlib.suppress(AttributeError):
                out[name] = _object_getattribute(self, name)
        return out

    def __copy__(self) -> typing.Self:
        new = super().__copy__()
        for name, value in self._file_memory().items():
            _object_setattr(new, name, copy.copy(value))
        return new

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> typing.Self:
        new = super().__deepcopy__(memo)
        for name, value in self._file_memory().items():
            _object_setattr(new, name, copy.deepcopy(value, memo))
        return new

    def __getstate__(self) -> dict[Any, Any]:
        state = super().__getstate__()
        state["__dig_file_memory__"] = self._file_memory()
        return state

    def __setstate__(self, state: dict[Any, Any]) -> None:
        super().__setstate__(state)
        for name, value in state.get("__dig_file_memory__", {}).items():
            _object_setattr(self, name, value)

    if not TYPE_CHECKING:
        # Hidden from type checkers (as pydantic's own), which keep checking attribute names.

        def __getattr__(self, item: str) -> Any:
            cls = type(self)
            if item in cls.__fields_spec__:
                return None  # a data field the file does not set
            default = cls.__loaded_defaults__.get(item, _NOT_SET)
            if default is not _NOT_SET:
                return default  # an immutable default (long_form, command...)
            if item == "params":
                params: dict[str, Any] = {}
                self.__dict__["params"] = params
                return params
            try:
                private = _object_getattribute(self, "__pydantic_private__")
            except AttributeError:  # pragma: no cover - only while pydantic builds the model
                private = None
            if private is not None and item in private:
                return private[item]  # what pydantic's __getattr__ does, minus its probing
            if item == "__pydantic_fields_set__":
                fields = cls.model_fields
                fields_set = {k for k in self.__dict__ if k in fields}
                _object_setattr(self, "__pydantic_fields_set__", fields_set)
                return fields_set
            if item in cls.__private_attributes__ or hasattr(cls, item):
                return super().__getattr__(item)
            # No extra fields (extra="forbid"): nothing else can hold the name.
            raise AttributeError(f"{cls.__name__!r} object has no attribute {item!r}")

    def _complete(self) -> None:
        """Store every field, in field order, here and in nested models: pydantic's
        serialisers read ``__dict__`` (and would leave unset fields out)."""
        fields = type(self).model_fields
        if len(self.__dict__) != len(fields):
            _object_setattr(self, "__dict__", {name: getattr(self, name) for name in fields})
        for value in self.__dict__.values():
            _complete_nested(value)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, DigModel) and type(other) is type(self):
            # Field by field: a loaded model stores only the fields its file sets.
            return (
                self.__pydantic_private__ == other.__pydantic_private__
                and self._order == other._order
                and self._file_memory().get("_dig_key") == other._file_memory().get("_dig_key")
                and (self.__pydantic_extra__ or {}) == (other.__pydantic_extra__ or {})
                and all(getattr(self, n) == getattr(other, n) for n in type(self).model_fields)
            )
        return super().__eq__(other)

    def model_dump(self, **kwargs: Any) -> dict[str, Any]:
        self._complete()
        return super().model_dump(**kwargs)

    def model_dump_json(self, **kwargs: Any) -> str:
        self._complete()
        return super().model_dump_json(**kwargs)

    def __iter__(self) -> typing.Generator[tuple[str, Any], None, None]:
        self._complete()
        yield from super().__iter__()

    # ------------------------------------------------------------------ helpers

    def set_param(self, key: str, value: Any) -> None:
        """Set a data key, typed field or extra parameter, keeping its place if present."""
        field = self.__key_to_field__.get(key)
        if field is not None:
            setattr(self, field, value)
            self.params.pop(key, None)
        else:
            if not isinstance(self.params, dict):  # pragma: no cover
                self.params = {}
            self.params[key] = value

    def get_param(self, key: str, default: Any = None) -> Any:
        field = self.__key_to_field__.get(key)
        if field is not None:
            value = getattr(self, field)
            if value is not None:
                return value
        return self.params.get(key, default)

    def remove_param(self, key: str) -> bool:
        """Remove a data key; True when something was removed."""
        removed = False
        field = self.__key_to_field__.get(key)
        if field is not None and getattr(self, field) is not None:
            setattr(self, field, None)
            removed = True
        if key in self.params:
            del self.params[key]
            removed = True
        return removed

    def rename_param(self, old: str, new: str) -> bool:
        """Rename a data key in place (its position in the file is kept).

        Returns False when *old* is absent; raises ``ValueError`` when *new* already exists
        (renaming must never overwrite a value).
        """
        if old == new or (self.get_param(old) is None and old not in self.params):
            return False
        if self.get_param(new) is not None or new in self.params:
            raise ValueError(f"cannot rename {old!r} to {new!r}: {new!r} already exists")
        value = self.get_param(old)
        self.remove_param(old)
        self.set_param(new, value)
        self._order = [new if k == old else k for k in self._order]
        return True

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        # Unset keys are None: listing the dozens of them a model has would hide the set ones.
        for name, value in super().__repr_args__():
            if value is None or (name in ("params", "long_form") and not value):
                continue
            yield name, value


_PLAIN = frozenset({str, int, float, bool, type(None)})


def _complete_nested(value: Any) -> None:
    if type(value) in _PLAIN:
        return
    if isinstance(value, DigModel):
        value._complete()
    elif isinstance(value, (list, tuple)):
        for item in value:
            _complete_nested(item)
    elif isinstance(value, dict):
        for item in value.values():
            _complete_nested(item)


def raw_value(value: Any) -> Any:
    """Convert a field value (model, list, dict, scalar) to raw data."""
    if type(value) in _PLAIN:
        return value
    if isinstance(value, DigModel):
        return value.to_raw()
    if isinstance(value, list):
        return [raw_value(v) for v in value]
    if isinstance(value, dict):
        return {k: raw_value(v) for k, v in value.items()}
    if isinstance(value, Include):
        return value
    if isinstance(value, tuple):
        return [raw_value(v) for v in value]
    to_raw = getattr(value, "to_raw", None)
    if to_raw is not None:
        return to_raw()
    return value

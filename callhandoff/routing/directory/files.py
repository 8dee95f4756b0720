"""Read a store directory from CSV files or one JSON file into validated rows.

A folder holds `customers.csv`, `orders.csv`, `order_items.csv`, `products.csv`
and `bookings.csv` (any may be missing), and/or a `directory.json` with the keys
`customers`, `orders` (each with nested `items`), `products` and `bookings`.
Every bad row becomes an `InputError` naming the file, the line and the problem;
the good rows still load.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import tzinfo
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from callhandoff.exceptions import InputError
from callhandoff.schema.directory import (
    BookingRow,
    CustomerRow,
    DirectoryData,
    ItemRow,
    OrderRow,
    ProductRow,
    Where,
    describe_errors,
)

RowT = TypeVar("RowT", bound=BaseModel)

CSV_FILES: dict[str, type[BaseModel]] = {
    "customers": CustomerRow,
    "orders": OrderRow,
    "order_items": ItemRow,
    "products": ProductRow,
    "bookings": BookingRow,
}
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "customers": ("customer_id", "store", "destination"),
    "orders": ("order_id", "store", "destination", "status", "total"),
    "order_items": ("order_id", "sku"),
    "products": ("sku", "store", "destination", "name"),
    "bookings": ("booking_id", "store", "destination"),
}
JSON_KEYS = ("customers", "orders", "products", "bookings")


def _clean(record: dict[str, Any]) -> dict[str, Any]:
    """Strip strings and drop empty values so optional columns default and required ones fail."""
    cleaned: dict[str, Any] = {}
    for key, value in record.items():
        if key is None:
            continue
        if isinstance(value, str):
            value = value.strip()
            if value == "":
                continue
        if value is None:
            continue
        cleaned[str(key).strip()] = value
    return cleaned


def _validate(
    model: type[RowT], record: Any, where: Where, context: dict[str, Any]
) -> RowT | InputError:
    if not isinstance(record, dict):
        return where.error(f"expected an object with named fields, got {type(record).__name__}")
    try:
        return model.model_validate(_clean(record), context=context)
    except ValidationError as exc:
        return where.error(describe_errors(exc))


def _read_csv(path: Path, table: str, data: DirectoryData, context: dict[str, Any]) -> None:
    model = CSV_FILES[table]
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        data.errors.append(InputError(f"cannot read: {exc.strerror}", path=path))
        return
    with handle:
        reader = csv.DictReader(handle)
        header = [name.strip() for name in (reader.fieldnames or [])]
        missing = [name for name in REQUIRED_COLUMNS[table] if name not in header]
        if missing:
            data.errors.append(
                InputError(
                    f"header lacks required column(s) {', '.join(missing)} "
                    f"(found: {', '.join(header) or 'nothing'})",
                    path=path,
                    line=1,
                )
            )
            return
        line = reader.line_num + 1
        try:
            for record in reader:
                where = Where(str(path), line)
                line = reader.line_num + 1
                if None in record:
                    data.errors.append(where.error("row has more fields than the header"))
                    continue
                result = _validate(model, record, where, context)
                if isinstance(result, InputError):
                    data.errors.append(result)
                else:
                    data.add(table, where, result)
        except (csv.Error, UnicodeDecodeError) as exc:
            data.errors.append(InputError(f"unreadable CSV: {exc}", path=path, line=line))


def _skip_ws(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _array_elements(text: str, pos: int) -> Iterator[tuple[int, Any]]:
    """(offset, value) of each element of the JSON array starting at `pos`."""
    decoder = json.JSONDecoder()
    pos = _skip_ws(text, pos + 1)
    if pos < len(text) and text[pos] == "]":
        return
    while pos < len(text):
        start = _skip_ws(text, pos)
        value, pos = decoder.raw_decode(text, start)
        yield start, value
        pos = _skip_ws(text, pos)
        if pos < len(text) and text[pos] == ",":
            pos += 1
            continue
        return


def _top_level_arrays(text: str) -> dict[str, list[tuple[int, Any]]]:
    """For a `{"key": [...], ...}` document, each key's elements with their line numbers."""
    decoder = json.JSONDecoder()
    result: dict[str, list[tuple[int, Any]]] = {}
    pos = _skip_ws(text, 0)
    if pos >= len(text) or text[pos] != "{":
        raise ValueError("expected a JSON object with customers/orders/products/bookings")
    pos = _skip_ws(text, pos + 1)
    while pos < len(text) and text[pos] != "}":
        key, pos = decoder.raw_decode(text, pos)
        pos = _skip_ws(text, pos)
        if text[pos] != ":":
            raise ValueError("expected ':' after a key")
        pos = _skip_ws(text, pos + 1)
        if text[pos] == "[":
            elements = list(_array_elements(text, pos))
            result[str(key)] = [(text.count("\n", 0, off) + 1, v) for off, v in elements]
            _, pos = decoder.raw_decode(text, pos)
        else:
            value, pos = decoder.raw_decode(text, pos)
            if str(key) in JSON_KEYS:
                raise ValueError(f"{key!r} must be a list, got {type(value).__name__}")
        pos = _skip_ws(text, pos)
        if pos < len(text) and text[pos] == ",":
            pos = _skip_ws(text, pos + 1)
    return result


def _read_json(path: Path, data: DirectoryData, context: dict[str, Any]) -> None:
    try:
        text = path.read_text(encoding="utf-8-sig")
        json.loads(text)
        arrays = _top_level_arrays(text)
    except OSError as exc:
        data.errors.append(InputError(f"cannot read: {exc.strerror}", path=path))
        return
    except json.JSONDecodeError as exc:
        data.errors.append(InputError(f"invalid JSON: {exc.msg}", path=path, line=exc.lineno))
        return
    except ValueError as exc:
        data.errors.append(InputError(str(exc), path=path, line=1))
        return
    if not any(key in arrays for key in JSON_KEYS):
        data.errors.append(
            InputError("no customers, orders, products or bookings list", path=path, line=1)
        )
        return
    for key in JSON_KEYS:
        table_model = CSV_FILES[key]
        for line, record in arrays.get(key, []):
            where = Where(str(path), line)
            result = _validate(table_model, record, where, context)
            if isinstance(result, InputError):
                data.errors.append(result)
                continue
            data.add(key, where, result)
            if key == "orders" and isinstance(record, dict):
                _nested_items(record, where, data, context)


def _nested_items(
    record: dict[str, Any], where: Where, data: DirectoryData, context: dict[str, Any]
) -> None:
    items = record.get("items", [])
    if not isinstance(items, list):
        data.errors.append(where.error("'items' must be a list"))
        return
    for index, item in enumerate(items):
        if isinstance(item, dict):
            item = {"order_id": record.get("order_id"), **item}
        result = _validate(ItemRow, item, where, context)
        if isinstance(result, InputError):
            data.errors.append(where.error(f"items[{index}]: {result.problem}"))
        else:
            data.add("order_items", where, result)


def read_directory(path: Path, *, regions: list[str], tz: tzinfo) -> DirectoryData:
    """Every directory record under `path` (a folder, a CSV file or a JSON file), validated."""
    data = DirectoryData()
    context: dict[str, Any] = {"regions": tuple(regions), "tz": tz}
    if not path.exists():
        data.errors.append(InputError("no such file or folder", path=path))
        return data
    files = sorted(path.iterdir()) if path.is_dir() else [path]
    for file in files:
        stem, suffix = file.stem.lower(), file.suffix.lower()
        if suffix == ".csv" and stem in CSV_FILES:
            data.files.append(str(file))
            _read_csv(file, stem, data, context)
        elif suffix == ".json":
            data.files.append(str(file))
            _read_json(file, data, context)
        elif not path.is_dir():
            data.errors.append(
                InputError(
                    "not a directory file: use customers/orders/order_items/products/"
                    "bookings .csv or a directory .json",
                    path=file,
                )
            )
    if path.is_dir() and not data.files:
        data.errors.append(
            InputError(
                "no customers/orders/order_items/products/bookings .csv or .json here", path=path
            )
        )
    return data

"""The store directory contract: one validated row per record, and a file's worth of them.

Customers, orders, order items, products and bookings. The directory reader
(`callhandoff.routing.directory.files`) feeds each CSV row or JSON object through
these models; a row that fails becomes an `InputError` naming the file, the line
and the column, and the rest of the file still loads. `callhandoff.store.directory`
writes the validated rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from callhandoff.exceptions import InputError
from callhandoff.normalize import email_key, phone_e164
from callhandoff.schema.enums import Destination

_TRUE = {"true", "yes", "y", "1", "t"}
_FALSE = {"false", "no", "n", "0", "f", ""}


def _aware(value: datetime | None, info: ValidationInfo) -> datetime | None:
    """Naive timestamps get the configured zone (passed as validation context)."""
    if value is None or value.tzinfo is not None:
        return value
    context = info.context or {}
    zone = context.get("tz")
    if not isinstance(zone, tzinfo):
        raise ValueError("timestamp has no UTC offset (add one, e.g. 2025-03-14T10:00:00+00:00)")
    return value.replace(tzinfo=zone)


class _Row(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    store: str = Field(min_length=1)
    destination: Destination

    @field_validator("destination", mode="before")
    @classmethod
    def _lower_destination(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value


class CustomerRow(_Row):
    customer_id: str = Field(min_length=1)
    name: str = ""
    email: str | None = None
    phone: str | None = None
    vip: bool = False
    loyalty_tier: str | None = None
    created_at: datetime | None = None

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is None:
            return None
        normalised = email_key(value)
        if normalised is None:
            raise ValueError(f"{value!r} is not an email address")
        return normalised

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        regions = (info.context or {}).get("regions", ("US",))
        e164 = phone_e164(value, regions)
        if e164 is None:
            raise ValueError(f"{value!r} is not a phone number (write it as +<country><number>)")
        return e164

    @field_validator("vip", mode="before")
    @classmethod
    def _vip(cls, value: Any) -> Any:
        if isinstance(value, str):
            folded = value.strip().lower()
            if folded in _TRUE:
                return True
            if folded in _FALSE:
                return False
            raise ValueError(f"{value!r} is not true/false")
        return value

    @field_validator("loyalty_tier")
    @classmethod
    def _tier(cls, value: str | None) -> str | None:
        return value.lower() if value else None

    @field_validator("created_at")
    @classmethod
    def _created_aware(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        return _aware(value, info)


class OrderRow(_Row):
    order_id: str = Field(min_length=1)
    customer_id: str | None = None
    status: str = Field(min_length=1)
    total: float = Field(ge=0)
    currency: str | None = Field(default=None, pattern=r"^[A-Za-z]{3}$")
    purchased_at: datetime | None = None
    delivered_at: datetime | None = None
    shipping_address: str | None = None

    @field_validator("status")
    @classmethod
    def _status(cls, value: str) -> str:
        return value.lower()

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str | None) -> str | None:
        return value.upper() if value else None

    @field_validator("purchased_at", "delivered_at")
    @classmethod
    def _dates_aware(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        return _aware(value, info)


class ItemRow(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    order_id: str = Field(min_length=1)
    sku: str = Field(min_length=1)
    product_name: str = ""
    quantity: int = Field(default=1, ge=1)
    unit_price: float | None = Field(default=None, ge=0)


class ProductRow(_Row):
    sku: str = Field(min_length=1)
    name: str = Field(min_length=1)
    price: float | None = Field(default=None, ge=0)
    currency: str | None = Field(default=None, pattern=r"^[A-Za-z]{3}$")
    stock: int | None = Field(default=None, ge=0)
    return_window_days: int | None = Field(default=None, ge=0)

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str | None) -> str | None:
        return value.upper() if value else None


class BookingRow(_Row):
    booking_id: str = Field(min_length=1)
    customer_id: str | None = None
    kind: str = ""
    starts_at: datetime | None = None
    status: str = ""
    location: str | None = None

    @field_validator("status", "kind")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()

    @field_validator("starts_at")
    @classmethod
    def _starts_aware(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        return _aware(value, info)


def describe_errors(exc: ValidationError) -> str:
    """`'phone': '555' is not a phone number; 'total': ...`, one clause per bad column."""
    parts: list[str] = []
    for err in exc.errors():
        column = ".".join(str(p) for p in err["loc"]) or "row"
        message = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] == "missing":
            message = "is required but missing or empty"
        elif err["type"] == "enum" and column == "destination":
            message = f"{err.get('input')!r} is not a destination (use cloudcart or cults)"
        parts.append(f"'{column}': {message}")
    return "; ".join(parts)


@dataclass(frozen=True)
class Where:
    """The file and 1-based line a row came from."""

    path: str
    line: int | None

    def error(self, problem: str) -> InputError:
        """An InputError located at this row."""
        return InputError(problem, path=self.path, line=self.line)


@dataclass
class DirectoryData:
    """Validated rows with where each came from, plus the rows that were refused."""

    customers: list[tuple[Where, CustomerRow]] = field(default_factory=list)
    orders: list[tuple[Where, OrderRow]] = field(default_factory=list)
    items: list[tuple[Where, ItemRow]] = field(default_factory=list)
    products: list[tuple[Where, ProductRow]] = field(default_factory=list)
    bookings: list[tuple[Where, BookingRow]] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def add(self, table: str, where: Where, row: BaseModel) -> None:
        """File a validated row under its table."""
        target: list[Any] = self.items if table == "order_items" else getattr(self, table)
        target.append((where, row))

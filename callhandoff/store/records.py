"""The directory records the matcher works with, built from database rows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import RowMapping


@dataclass(frozen=True)
class CustomerRecord:
    customer_id: str
    store: str
    destination: str
    name: str
    email: str | None
    phone: str | None
    vip: bool
    loyalty_tier: str | None


@dataclass(frozen=True)
class ItemRecord:
    sku: str
    sku_key: str
    product_name: str
    quantity: int
    unit_price: float | None


@dataclass(frozen=True)
class OrderRecord:
    order_id: str
    customer_id: str | None
    store: str
    destination: str
    status: str
    total: float
    currency: str | None
    purchased_at: datetime | None
    delivered_at: datetime | None
    shipping_address: str | None
    items: tuple[ItemRecord, ...] = ()


@dataclass(frozen=True)
class ProductRecord:
    sku: str
    store: str
    destination: str
    name: str
    price: float | None
    stock: int | None
    return_window_days: int | None


@dataclass(frozen=True)
class BookingRecord:
    booking_id: str
    customer_id: str | None
    store: str
    destination: str
    kind: str
    starts_at: datetime | None
    status: str
    location: str | None


def customer_from(row: RowMapping) -> CustomerRecord:
    """A CustomerRecord from a `customers` row."""
    return CustomerRecord(
        customer_id=row["customer_id"],
        store=row["store"],
        destination=row["destination"],
        name=row["name"],
        email=row["email"],
        phone=row["phone"],
        vip=bool(row["vip"]),
        loyalty_tier=row["loyalty_tier"],
    )


def product_from(row: RowMapping) -> ProductRecord:
    """A ProductRecord from a `products` row."""
    return ProductRecord(
        sku=row["sku"],
        store=row["store"],
        destination=row["destination"],
        name=row["name"],
        price=row["price"],
        stock=row["stock"],
        return_window_days=row["return_window_days"],
    )


def booking_from(row: RowMapping) -> BookingRecord:
    """A BookingRecord from a `bookings` row."""
    return BookingRecord(
        booking_id=row["booking_id"],
        customer_id=row["customer_id"],
        store=row["store"],
        destination=row["destination"],
        kind=row["kind"],
        starts_at=row["starts_at"],
        status=row["status"],
        location=row["location"],
    )


def order_from(row: RowMapping, items: Iterable[RowMapping]) -> OrderRecord:
    """An OrderRecord (with its items) from an `orders` row and its `order_items` rows."""
    return OrderRecord(
        order_id=row["order_id"],
        customer_id=row["customer_id"],
        store=row["store"],
        destination=row["destination"],
        status=row["status"],
        total=float(row["total"]),
        currency=row["currency"],
        purchased_at=row["purchased_at"],
        delivered_at=row["delivered_at"],
        shipping_address=row["shipping_address"],
        items=tuple(
            ItemRecord(
                sku=i["sku"],
                sku_key=i["sku_key"],
                product_name=i["product_name"],
                quantity=int(i["quantity"]),
                unit_price=i["unit_price"],
            )
            for i in items
        ),
    )

"""Match a call to the store's customer, order, booking and products, before any policy runs.

Search order: order id (punctuation-blind, then digits), booking reference,
customer id, phone (E.164), email, caller ID, then fuzzy name + product
(rapidfuzz). Every identifier the caller gave is then compared with the records
found (`FieldAgreement`), and store-aware checks add findings: the order belongs
to someone else, a SKU does not exist or is not in the order, the return window
is open, closed or the item is not returnable, the product is out of stock.
The confidence starts from how the record was found and moves with every
agreement, disagreement, ambiguity and identifier the grounding check dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from rapidfuzz import fuzz, process
from sqlalchemy.engine import Connection

from callhandoff.normalize import fold, id_key, name_key
from callhandoff.routing.checks import store_findings
from callhandoff.routing.match_types import CLOSED_STATUSES, PRODUCT_INTENTS, MatchOutcome
from callhandoff.routing.policy.matching import MatchSettings
from callhandoff.routing.said import Said, SaidValue, said_in, wanted
from callhandoff.schema.handoff import Handoff
from callhandoff.schema.routing import FieldAgreement, MatchField, RecordMatch
from callhandoff.schema.transcript import Transcript
from callhandoff.store.lookup import SHARED_CONTACT_LIMIT, DirectoryLookup
from callhandoff.store.records import (
    BookingRecord,
    CustomerRecord,
    OrderRecord,
    ProductRecord,
)


@dataclass
class _State:
    method: str | None = None
    base: float = 0.0
    customer: CustomerRecord | None = None
    order: OrderRecord | None = None
    booking: BookingRecord | None = None
    findings: list[str] = field(default_factory=list)
    agreements: list[FieldAgreement] = field(default_factory=list)
    product_agrees: bool = False

    def found(self, method: str, base: float) -> None:
        if self.method is None:
            self.method, self.base = method, base

    def note(self, finding: str) -> None:
        if finding not in self.findings:
            self.findings.append(finding)

    def agree(self, name: MatchField, said: str | None, on_record: str | None, ok: bool) -> None:
        self.agreements.append(
            FieldAgreement(field=name, said=said, on_record=on_record, agrees=ok)
        )


class Matcher:
    """Finds the records a call is about; one instance serves many calls."""

    def __init__(
        self,
        lookup: DirectoryLookup,
        settings: MatchSettings | None = None,
        regions: Sequence[str] = ("US",),
    ) -> None:
        self.lookup = lookup
        self.settings = settings or MatchSettings()
        self.regions = tuple(regions)

    def _base(self, method: str, said: SaidValue | None) -> float:
        base = self.settings.base_confidence.get(method, 0.5)
        return min(base, said.confidence + 0.05) if said is not None else base

    def match(
        self,
        connection: Connection,
        handoff: Handoff,
        transcript: Transcript | None,
        reference: datetime,
    ) -> MatchOutcome:
        """Search the directory for this call and score how sure the match is."""
        return self._match(
            connection, handoff, transcript, reference, said_in(handoff, transcript, self.regions)
        )

    def match_many(
        self,
        connection: Connection,
        calls: Sequence[tuple[Handoff, Transcript | None, datetime]],
    ) -> list[MatchOutcome]:
        """`match` for each call, the directory read for all of them at once up front."""
        saids = [said_in(handoff, transcript, self.regions) for handoff, transcript, _ in calls]
        reads = wanted(
            (handoff.destination.value, said)
            for (handoff, _, _), said in zip(calls, saids, strict=True)
        )
        with self.lookup.prefetched(connection, reads):
            return [
                self._match(connection, handoff, transcript, reference, said)
                for (handoff, transcript, reference), said in zip(calls, saids, strict=True)
            ]

    def _match(
        self,
        connection: Connection,
        handoff: Handoff,
        transcript: Transcript | None,
        reference: datetime,
        said: Said,
    ) -> MatchOutcome:
        destination = handoff.destination.value
        st = _State()
        self._by_record_ids(connection, destination, said, st)
        self._by_caller(connection, destination, said, st)
        if st.customer is None and st.order is None and st.booking is None:
            self._by_fuzzy_name(connection, destination, said, st)
        primary = handoff.request.intent.value if handoff.request.intent else None
        if (
            st.customer is not None
            and st.order is None
            and st.booking is None
            and primary not in PRODUCT_INTENTS
        ):
            st.order = self._pick_order(connection, st.customer, said)
        skus = self._products(connection, destination, said, st)
        self._compare(said, st)
        outcome = MatchOutcome(
            match=RecordMatch(matched=False, confidence=0.0),
            said=said,
            customer=st.customer,
            order=st.order,
            booking=st.booking,
            products=skus,
        )
        for finding in store_findings(handoff, transcript, reference, outcome):
            st.note(finding)
        if st.booking is not None and st.order is None and st.customer is not None:
            outcome.related_order = next(
                (
                    order
                    for order in self.lookup.orders_of(connection, st.customer.customer_id, 10)
                    if order.delivered_at is None and order.status not in CLOSED_STATUSES
                ),
                None,
            )
        matched = st.customer is not None or st.order is not None or st.booking is not None
        outcome.match = RecordMatch(
            matched=matched,
            confidence=self._confidence(st, said) if matched else 0.0,
            method=st.method,
            customer_id=st.customer.customer_id if st.customer else None,
            order_id=st.order.order_id if st.order else None,
            booking_id=st.booking.booking_id if st.booking else None,
            skus=sorted(skus),
            agreements=st.agreements,
            findings=st.findings,
        )
        return outcome

    def _by_record_ids(
        self, connection: Connection, destination: str, said: Said, st: _State
    ) -> None:
        for value in said.order_ids:
            order = self.lookup.order(connection, destination, value.value)
            if order is not None:
                st.order = order
                st.found("order_id", self._base("order_id", value))
                exact = id_key(order.order_id) == id_key(value.value)
                st.agree("order_id", value.value, order.order_id, True)
                if not exact:
                    st.note("order_id_digits_only")
                break
        if said.order_ids and st.order is None:
            st.note("order_not_found")
        if said.booking_id is not None:
            st.booking = self.lookup.booking(connection, destination, said.booking_id.value)
            if st.booking is None:
                st.note("booking_not_found")
            else:
                st.found("booking_id", self._base("booking_id", said.booking_id))
                st.agree("booking_id", said.booking_id.value, st.booking.booking_id, True)
        owner = (st.order.customer_id if st.order else None) or (
            st.booking.customer_id if st.booking else None
        )
        if owner is not None:
            st.customer = self.lookup.customer(connection, owner)

    def _unique(self, found: list[CustomerRecord], said: Said, st: _State) -> CustomerRecord | None:
        """One customer among several sharing a phone/email: the one whose name agrees
        (a value more than `SHARED_CONTACT_LIMIT` customers share identifies nobody)."""
        if len(found) <= 1:
            return found[0] if found else None
        if said.name is not None and len(found) <= SHARED_CONTACT_LIMIT:
            named = [c for c in found if self._names_agree(said.name.value, c.name)]
            if len(named) == 1:
                return named[0]
        st.note("ambiguous_caller")
        return None

    def _by_caller(self, connection: Connection, destination: str, said: Said, st: _State) -> None:
        """Identify the caller independently of the records (customer id, phone, email)."""
        identified: CustomerRecord | None = None
        method = ""
        if said.customer_id is not None:
            identified = self.lookup.customer(connection, said.customer_id.value)
            if identified is None or identified.destination != destination:
                identified = None
                st.note("customer_not_found")
            else:
                method = "customer_id"
        for name, value in (("phone", said.phone), ("email", said.email)):
            if identified is None and value is not None:
                kwargs = {name: value.value}
                identified = self._unique(
                    self.lookup.customers_by(connection, destination, **kwargs), said, st
                )
                method = name
        independent = identified is not None
        if identified is None and said.caller_id is not None and st.customer is None:
            identified = self._unique(
                self.lookup.customers_by(connection, destination, phone=said.caller_id), said, st
            )
            method = "caller_id"
        if identified is None:
            return
        said_value = {"customer_id": said.customer_id, "phone": said.phone, "email": said.email}
        if st.customer is None:
            st.customer = identified
            st.found(method, self._base(method, said_value.get(method)))
        elif independent and identified.customer_id != st.customer.customer_id:
            st.note("order_not_callers" if st.order is not None else "booking_not_callers")

    def _names_agree(self, said: str, on_record: str) -> bool:
        """Similar names, or the same surname with a short form (Sam / Samuel, Dan / Daniel)."""
        minimum = self.settings.name_agree_min
        a, b = fold(said).split(), fold(on_record).split()
        if not a or not b:
            return False
        if fuzz.token_set_ratio(" ".join(a), " ".join(b)) >= minimum:
            return True
        if len(a) >= 2 and len(b) >= 2 and fuzz.ratio(a[-1], b[-1]) >= minimum:
            short, full = sorted((a[0], b[0]), key=len)
            return len(short) >= 3 and full.startswith(short)
        return False

    def _product_score(
        self, said_names: list[str], said_skus: list[str], order: OrderRecord
    ) -> float:
        """100 when a said SKU is in the order, else the best product-name similarity."""
        keys = {item.sku_key for item in order.items}
        if any(id_key(sku) in keys for sku in said_skus):
            return 100.0
        best = 0.0
        for said in said_names:
            for item in order.items:
                best = max(best, float(fuzz.token_set_ratio(fold(said), fold(item.product_name))))
        return best

    def _by_fuzzy_name(
        self, connection: Connection, destination: str, said: Said, st: _State
    ) -> None:
        if said.name is None:
            return
        key = name_key(said.name.value)
        if len(key.split()) < 2:
            return
        index = self.lookup.name_index(connection, destination)
        hits = process.extract(
            key, index.keys, scorer=fuzz.ratio, score_cutoff=self.settings.fuzzy_name_min, limit=5
        )
        if not hits:
            return
        scored: list[tuple[float, float, CustomerRecord, OrderRecord | None]] = []
        wants_product = bool(said.skus or said.product_names)
        for _, score, position in hits:
            customer = self.lookup.customer(connection, index.ids[position])
            if customer is None:
                continue
            best_order: OrderRecord | None = None
            product = 0.0
            if wants_product:
                for candidate in self.lookup.orders_of(connection, customer.customer_id):
                    value = self._product_score(said.product_names, said.skus, candidate)
                    if value > product:
                        best_order, product = candidate, value
            agrees = product >= self.settings.product_agree_min
            scored.append((score + (10.0 if agrees else 0.0), product, customer, best_order))
        if not scored:
            return
        scored.sort(key=lambda item: item[0], reverse=True)
        top, product, customer, best = scored[0]
        if len(scored) > 1 and top - scored[1][0] < self.settings.ambiguity_margin:
            st.note("ambiguous_caller")
        agrees = product >= self.settings.product_agree_min
        name_score = top - (10.0 if agrees else 0.0)
        base = self.settings.base_confidence.get("fuzzy_name", 0.7) * name_score / 100.0
        st.customer = customer
        if agrees:
            st.order = best
            st.product_agrees = True
            st.found("fuzzy_name+product", base + self.settings.product_bonus)
        else:
            st.found("fuzzy_name", base)

    def _pick_order(
        self, connection: Connection, customer: CustomerRecord, said: Said
    ) -> OrderRecord | None:
        """The order the call is about: the newest with a said product, else the only one."""
        recent = self.lookup.orders_of(connection, customer.customer_id)
        if said.skus or said.product_names:
            for order in recent:
                score = self._product_score(said.product_names, said.skus, order)
                if score >= self.settings.product_agree_min:
                    return order
            return None
        return recent[0] if len(recent) == 1 else None

    def _products(
        self, connection: Connection, destination: str, said: Said, st: _State
    ) -> dict[str, ProductRecord]:
        """Catalogue products for the said SKUs, said product names and the order's items."""
        keys = [id_key(sku) for sku in said.skus]
        if st.order is not None:
            keys += [item.sku_key for item in st.order.items]
        found = self.lookup.products_by_keys(connection, destination, sorted(set(keys)))
        for sku in said.skus:
            if id_key(sku) not in found:
                st.note("sku_unknown")
        if not said.skus and said.product_names and st.order is None:
            index = self.lookup.product_index(connection, destination)
            for name in said.product_names:
                hits = process.extract(
                    fold(name),
                    index.keys,
                    scorer=fuzz.token_set_ratio,
                    score_cutoff=self.settings.product_agree_min,
                    limit=2,
                )
                if len(hits) == 1 or (len(hits) == 2 and hits[0][1] > hits[1][1]):
                    sku = index.ids[hits[0][2]]
                    found.update(
                        self.lookup.products_by_keys(connection, destination, [id_key(sku)])
                    )
                elif hits:
                    st.note("product_ambiguous")
        return {p.sku: p for p in found.values()}

    def _compare(self, said: Said, st: _State) -> None:
        customer = st.customer
        if customer is not None:
            if said.customer_id is not None:
                ok = id_key(said.customer_id.value) == id_key(customer.customer_id)
                st.agree("customer_id", said.customer_id.value, customer.customer_id, ok)
            if said.phone is not None and customer.phone:
                st.agree(
                    "phone", said.phone.value, customer.phone, said.phone.value == customer.phone
                )
            elif said.caller_id is not None and said.caller_id == customer.phone:
                st.agree("phone", said.caller_id, customer.phone, True)
            if said.email is not None and customer.email:
                st.agree(
                    "email", said.email.value, customer.email, said.email.value == customer.email
                )
            if said.name is not None and customer.name:
                ok = self._names_agree(said.name.value, customer.name)
                st.agree("name", said.name.value, customer.name, ok)
        if st.order is not None:
            keys = {item.sku_key: item for item in st.order.items}
            for sku in said.skus:
                item = keys.get(id_key(sku))
                st.agree("product", sku, item.sku if item else None, item is not None)
                if item is None:
                    st.note("sku_not_in_order")
            if not said.skus:
                for name in said.product_names:
                    best = max(
                        st.order.items,
                        key=lambda i: fuzz.token_set_ratio(fold(name), fold(i.product_name)),
                        default=None,
                    )
                    score = fuzz.token_set_ratio(fold(name), fold(best.product_name)) if best else 0
                    ok = score >= self.settings.product_agree_min
                    st.agree("product", name, best.product_name if best else None, ok)

    def _confidence(self, st: _State, said: Said) -> float:
        cfg = self.settings
        confidence = st.base
        used = {
            "order_id": "order_id",
            "booking_id": "booking_id",
            "customer_id": "customer_id",
            "phone": "phone",
            "email": "email",
            "caller_id": "phone",
        }.get(st.method or "")
        for agreement in st.agreements:
            if agreement.agrees and agreement.field != used:
                confidence += cfg.agreement_bonus
            elif not agreement.agrees:
                confidence -= cfg.disagreement_penalty.get(agreement.field, 0.1)
        for finding in st.findings:
            confidence -= cfg.finding_penalty.get(finding, 0.0)
        confidence -= cfg.dropped_identifier_penalty * len(said.dropped)
        return round(min(max(confidence, 0.0), 1.0), 3)

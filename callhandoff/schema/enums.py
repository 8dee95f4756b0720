"""The closed vocabularies of the handoff, exactly as the SPEC lists them."""

from __future__ import annotations

from enum import StrEnum


class Speaker(StrEnum):
    AGENT = "agent"
    CUSTOMER = "customer"
    BOT = "bot"
    SYSTEM = "system"


class Destination(StrEnum):
    CLOUDCART = "cloudcart"
    CULTS = "cults"


class Intent(StrEnum):
    ORDER_STATUS = "order_status"
    DELIVERY_ISSUE = "delivery_issue"
    RETURN_OR_EXCHANGE = "return_or_exchange"
    REFUND = "refund"
    CANCEL_ORDER = "cancel_order"
    CHANGE_ORDER = "change_order"
    PRODUCT_INQUIRY = "product_inquiry"
    PURCHASE_INTENT = "purchase_intent"
    BOOKING = "booking"
    BILLING_PAYMENT = "billing_payment"
    ACCOUNT = "account"
    COMPLAINT = "complaint"
    OTHER = "other"


class ChangeKind(StrEnum):
    """What a `change_order` call wants changed."""

    ADDRESS = "address"
    SIZE = "size"
    QUANTITY = "quantity"
    ITEM = "item"


class InquiryTopic(StrEnum):
    """What a `product_inquiry` call asks about."""

    PRICE = "price"
    AVAILABILITY = "availability"
    FIT = "fit"
    STOCK = "stock"
    SPECS = "specs"


class ReturnReason(StrEnum):
    DAMAGED = "damaged"
    DEFECTIVE = "defective"
    WRONG_ITEM = "wrong_item"
    WRONG_SIZE_OR_FIT = "wrong_size_or_fit"
    NOT_AS_DESCRIBED = "not_as_described"
    LATE_DELIVERY = "late_delivery"
    MISSING_ITEM = "missing_item"
    QUALITY_OR_EXPIRY = "quality_or_expiry"
    CHANGED_MIND = "changed_mind"
    OTHER = "other"


class RefundExpectation(StrEnum):
    FULL_REFUND = "full_refund"
    PARTIAL_REFUND = "partial_refund"
    REPLACEMENT = "replacement"
    EXCHANGE = "exchange"
    STORE_CREDIT = "store_credit"
    REPAIR = "repair"
    UNSPECIFIED = "unspecified"


class RiskFlag(StrEnum):
    WRONG_ADDRESS = "wrong_address"
    DAMAGED_ITEM = "damaged_item"
    FRAUD_CONCERN = "fraud_concern"
    URGENT_TRAVEL = "urgent_travel"
    NO_SHOW_RISK = "no_show_risk"
    LEGAL_OR_CHARGEBACK_THREAT = "legal_or_chargeback_threat"
    SAFETY_HAZARD = "safety_hazard"
    SENSITIVE_DATA_SHARED = "sensitive_data_shared"


class Workflow(StrEnum):
    INFORM_OPERATIONS = "inform_operations"
    FIND_TRANSACTION = "find_transaction"
    HANDLE_EXCEPTION = "handle_exception"
    RECOVER_BUYING_INTENT = "recover_buying_intent"
    FOLLOW_UP = "follow_up"
    ESCALATION = "escalation"
    SITE_VISIT = "site_visit"
    ISSUE_TRIAGE = "issue_triage"


class Urgency(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    CRITICAL = "critical"


class Sentiment(StrEnum):
    NEGATIVE = "negative"
    NEUTRAL = "neutral"
    POSITIVE = "positive"


class ContactChannel(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    SMS = "sms"
    CHAT = "chat"


class DecisionKind(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    REVIEW = "review"
    SKIP = "skip"


URGENCY_RANK: dict[Urgency, int] = {
    Urgency.LOW: 0,
    Urgency.NORMAL: 1,
    Urgency.HIGH: 2,
    Urgency.CRITICAL: 3,
}

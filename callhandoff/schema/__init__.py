"""Pydantic models that are the contract between pipeline stages.

The names below are loaded on first use, so a command that needs one module
(`callhandoff.schema.enums` for the settings) does not build every model.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from callhandoff.schema.enums import (
        ChangeKind,
        ContactChannel,
        DecisionKind,
        Destination,
        InquiryTopic,
        Intent,
        RefundExpectation,
        ReturnReason,
        RiskFlag,
        Sentiment,
        Speaker,
        Urgency,
        Workflow,
    )
    from callhandoff.schema.handoff import (
        Caller,
        DamageDetails,
        Deadline,
        DroppedValue,
        Evidence,
        ExceptionDetails,
        Extracted,
        ExtractionMeta,
        FieldChange,
        FollowUp,
        GroundingReport,
        Handoff,
        Money,
        Priority,
        Records,
        Request,
        WorkflowDetails,
    )
    from callhandoff.schema.result import CallResult, Rejected
    from callhandoff.schema.routing import (
        Decision,
        DestinationAction,
        FieldAgreement,
        Reason,
        RecordMatch,
    )
    from callhandoff.schema.transcript import CallLinks, SourceRef, Transcript, Turn

#: Exported name -> the `callhandoff.schema` module that defines it.
_MODULES = {
    "CallLinks": "transcript",
    "CallResult": "result",
    "Caller": "handoff",
    "ChangeKind": "enums",
    "ContactChannel": "enums",
    "DamageDetails": "handoff",
    "Deadline": "handoff",
    "Decision": "routing",
    "DecisionKind": "enums",
    "Destination": "enums",
    "DestinationAction": "routing",
    "DroppedValue": "handoff",
    "Evidence": "handoff",
    "ExceptionDetails": "handoff",
    "Extracted": "handoff",
    "ExtractionMeta": "handoff",
    "FieldAgreement": "routing",
    "FieldChange": "handoff",
    "FollowUp": "handoff",
    "GroundingReport": "handoff",
    "Handoff": "handoff",
    "InquiryTopic": "enums",
    "Intent": "enums",
    "Money": "handoff",
    "Priority": "handoff",
    "Reason": "routing",
    "RecordMatch": "routing",
    "Records": "handoff",
    "RefundExpectation": "enums",
    "Rejected": "result",
    "Request": "handoff",
    "ReturnReason": "enums",
    "RiskFlag": "enums",
    "Sentiment": "enums",
    "SourceRef": "transcript",
    "Speaker": "enums",
    "Transcript": "transcript",
    "Turn": "transcript",
    "Urgency": "enums",
    "Workflow": "enums",
    "WorkflowDetails": "handoff",
}


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "CallLinks",
    "CallResult",
    "Caller",
    "ChangeKind",
    "ContactChannel",
    "DamageDetails",
    "Deadline",
    "Decision",
    "DecisionKind",
    "Destination",
    "DestinationAction",
    "DroppedValue",
    "Evidence",
    "ExceptionDetails",
    "Extracted",
    "ExtractionMeta",
    "FieldAgreement",
    "FieldChange",
    "FollowUp",
    "GroundingReport",
    "Handoff",
    "InquiryTopic",
    "Intent",
    "Money",
    "Priority",
    "Reason",
    "RecordMatch",
    "Records",
    "RefundExpectation",
    "Rejected",
    "Request",
    "ReturnReason",
    "RiskFlag",
    "Sentiment",
    "SourceRef",
    "Speaker",
    "Transcript",
    "Turn",
    "Urgency",
    "Workflow",
    "WorkflowDetails",
]

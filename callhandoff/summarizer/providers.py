"""Which OpenAI-compatible server we talk to, and the instructor mode it works with.

Servers differ in what structured output they accept. The defaults:

| provider  | default mode | why                                                         |
|-----------|--------------|-------------------------------------------------------------|
| openai    | tools        | forced tool call; json_schema also works                    |
| azure     | tools        | same API surface as OpenAI                                  |
| vllm      | json_schema  | guided decoding; tools need --enable-auto-tool-choice flags |
| ollama    | json_schema  | ignores tool_choice; takes response_format json_schema      |
| llamacpp  | json_schema  | tested here: llama-cpp-python 0.3.36 rejects                |
|           |              | `json_schema` (HTTP 500) but takes the schema as            |
|           |              | `json_object` + `schema` (call.py sends it so): a grammar,  |
|           |              | and no schema in the prompt; tools and json also work       |
| other     | tools        | the most widely supported forced-output mechanism           |

`CALLHANDOFF_MODE` overrides the default; `CALLHANDOFF_PROVIDER` overrides the guess.
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlparse

from callhandoff.settings import InstructorModeName, ProviderName, Settings

Provider = Literal["openai", "azure", "vllm", "ollama", "llamacpp", "other"]

DEFAULT_MODE: dict[Provider, InstructorModeName] = {
    "openai": "tools",
    "azure": "tools",
    "vllm": "json_schema",
    "ollama": "json_schema",
    "llamacpp": "json_schema",
    "other": "tools",
}
OPENAI_BASE_URL = "https://api.openai.com/v1"


def detect_provider(base_url: str | None, configured: ProviderName = "auto") -> Provider:
    """The provider named in settings, else a guess from the endpoint URL."""
    if configured != "auto":
        return configured
    if not base_url:
        return "openai"
    parsed = urlparse(base_url)
    host = (parsed.hostname or "").lower()
    if host == "api.openai.com":
        return "openai"
    if host.endswith((".openai.azure.com", ".cognitiveservices.azure.com", ".azure.com")):
        return "azure"
    if parsed.port == 11434 or "ollama" in host:
        return "ollama"
    if "vllm" in host:
        return "vllm"
    if parsed.port == 8080 or "llama" in host:
        return "llamacpp"
    return "other"


def resolved_mode(settings: Settings) -> tuple[Provider, InstructorModeName]:
    """(provider, instructor mode) for these settings: the explicit mode wins."""
    provider = detect_provider(settings.base_url, settings.provider)
    return provider, settings.mode or DEFAULT_MODE[provider]

"""NER by prompting an external LLM over the OpenAI-compatible chat-completions HTTP API.

Config: ``base_url`` (e.g. ``http://localhost:8000/v1``), ``model``, ``temperature`` (0),
``labels`` ({label: description}), ``api_key_env`` (the NAME of an environment variable that
holds the key; the key itself is never stored in a config, a project or a provenance),
``timeout`` (seconds per request, 60), ``concurrency`` (parallel requests, 4), ``prompt``
(optional instructions replacing the default).

The reply must hold JSON spans ``[{"text": ..., "label": ...}]`` (or ``{"entities": [...]}``);
it is parsed defensively (code fences and chatter around the JSON are tolerated) and each
returned string is mapped to every place it occurs in the task's text. A reply that is not
JSON, an HTTP error or a timeout becomes an :class:`~.base.ItemError` for that task only.
"""

from __future__ import annotations

import json
import os
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import regex

from ..errors import PreannotateError
from ..model import Span
from .base import (
    ConfigField,
    ItemError,
    ItemOutput,
    Resource,
    ResourceError,
    ResourceInfo,
    batched,
    content_hash,
)
from .prompts import label_descriptions
from .registry import refuse_inline_secrets

DEFAULT_PROMPT = (
    "You are an annotator. Find every entity of these types in the text.\n{labels}\n"
    "Answer with JSON only: a list of objects {{\"text\": exact text from the input, "
    "\"label\": one of the types}}. Answer [] if there is none."
)


class LLMReplyError(PreannotateError):
    """The reply could not be read as spans (message says why)."""


def parse_spans(content: str, text: str, labels: Iterable[str], source: str) -> list[Span]:
    """Spans from an LLM reply; raises LLMReplyError if the reply holds no JSON list of spans."""
    data = _json_in(content)
    if isinstance(data, Mapping):
        data = data.get("entities", data.get("spans"))
    if not isinstance(data, list):
        raise LLMReplyError("the reply is not a JSON list of {text, label} objects")
    allowed = set(labels)
    found: dict[tuple[int, int, str], Span] = {}
    for item in data:
        if not isinstance(item, Mapping):
            continue
        phrase, label = item.get("text"), item.get("label")
        if not isinstance(phrase, str) or not phrase.strip() or label not in allowed:
            continue  # an invented label or an empty string is not a span
        for start, end in _occurrences(phrase.strip(), text):
            found.setdefault((start, end, label), Span(start, end, label, text[start:end], source=source))
    return [found[k] for k in sorted(found)]


def _json_in(content: str) -> Any:
    content = content.strip()
    fence = regex.search(r"```(?:json)?\s*(.*?)```", content, regex.S)
    if fence:
        content = fence.group(1).strip()
    try:
        return json.loads(content)
    except ValueError:
        pass
    for opener, closer in (("[", "]"), ("{", "}")):  # JSON inside chatter
        start, end = content.find(opener), content.rfind(closer)
        if 0 <= start < end:
            try:
                return json.loads(content[start:end + 1])
            except ValueError:
                continue
    raise LLMReplyError(f"the reply is not JSON: {content[:80]!r}")


def _occurrences(phrase: str, text: str) -> list[tuple[int, int]]:
    """Where ``phrase`` occurs as whole words (exact case first, else ignoring case)."""
    pattern = r"(?<!\w)" + r"\s+".join(regex.escape(w) for w in phrase.split()) + r"(?!\w)"
    spans = [m.span() for m in regex.finditer(pattern, text)]
    if not spans:
        spans = [m.span() for m in regex.finditer(pattern, text, regex.IGNORECASE)]
    return spans


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or {"http": 80, "https": 443}.get(scheme)


class _SameOriginAuthRedirects(urllib.request.HTTPRedirectHandler):
    """Follows redirects like urllib, but the key goes only to the origin it was meant for.

    urllib copies every header to the redirected request, so a 302 to another host would
    receive the bearer key.
    """

    def redirect_request(self, req: urllib.request.Request, fp: Any, code: int, msg: str,
                         headers: Any, newurl: str) -> urllib.request.Request | None:
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None and _origin(newurl) != _origin(req.full_url):
            new.remove_header("Authorization")
        return new


_OPENER = urllib.request.build_opener(_SameOriginAuthRedirects)


class LLMNER(Resource):
    """Entities from an external LLM (OpenAI-compatible chat completions)."""

    kind = "ner"
    config_fields = {
        "base_url": ConfigField(str, None, "the endpoint, e.g. http://localhost:8000/v1"),
        "model": ConfigField(str, None, "the model name the endpoint serves"),
        "labels": ConfigField((dict, list, tuple), None, "{label: description}"),
        "temperature": ConfigField(float, 0.0, "sampling temperature"),
        "api_key_env": ConfigField(str, None, "NAME of the environment variable holding the key"),
        "timeout": ConfigField(float, 60.0, "seconds per request"),
        "concurrency": ConfigField(int, 4, "parallel requests"),
        "prompt": ConfigField(str, DEFAULT_PROMPT, "instructions; {labels} lists the labels"),
    }

    def __init__(self, name: str, config: Mapping[str, Any]) -> None:
        refuse_inline_secrets(name, config)  # also when built without the hub
        opts = self.checked_config(name, config)
        self.name = name
        self.descriptions = label_descriptions(name, config)
        self.labels = tuple(self.descriptions)
        base_url, self.model = opts["base_url"], opts["model"]
        if not base_url or not self.model:
            raise ResourceError(f"resource {name!r}: give 'base_url' and 'model' of the LLM endpoint")
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.temperature = opts["temperature"]
        self.timeout = opts["timeout"]
        self.concurrency = opts["concurrency"]
        self.api_key_env = opts["api_key_env"]
        if self.api_key_env and not os.environ.get(self.api_key_env):
            raise ResourceError(f"resource {name!r}: environment variable {self.api_key_env!r} "
                                "(api_key_env) is not set")
        self.instructions = opts["prompt"]
        self.version = content_hash(self.model, self.temperature, self.instructions)[:8]
        self.language = "xx"
        self.memory_mb = 1.0

    @classmethod
    def describe(cls, name: str, config: Mapping[str, Any], *, hub: Any = None) -> ResourceInfo:
        labels = tuple(label_descriptions(name, config))
        model = config.get("model", "?")
        safe = {k: v for k, v in config.items() if k != "api_key"}
        return ResourceInfo(name=name, kind=cls.kind, labels=labels, version="1", language="xx",
                            memory_mb=1.0, factory="llm_ner", config=safe,
                            description=f"LLM prompt ({model})")

    def fingerprint_parts(self) -> tuple[Any, ...]:
        # the endpoint, model, temperature and prompt change answers; the key does not
        return (self.url, self.model, self.temperature, self.prompt_text())

    def prompt_text(self) -> str:
        described = "\n".join(f"- {label}: {text}" for label, text in self.descriptions.items())
        return self.instructions.format(labels=described)

    def request_body(self, text: str) -> dict[str, Any]:
        return {"model": self.model, "temperature": self.temperature,
                "messages": [{"role": "system", "content": self.prompt_text()},
                             {"role": "user", "content": text}]}

    def _ask(self, text: str) -> ItemOutput:
        headers = {"Content-Type": "application/json"}
        if self.api_key_env:
            headers["Authorization"] = f"Bearer {os.environ.get(self.api_key_env, '')}"
        request = urllib.request.Request(self.url, json.dumps(self.request_body(text)).encode(),
                                         headers=headers, method="POST")
        try:
            with _OPENER.open(request, timeout=self.timeout) as response:
                reply = json.loads(response.read().decode("utf-8"))
            content = reply["choices"][0]["message"]["content"]
            return parse_spans(content or "", text, self.labels, self.name)
        except urllib.error.HTTPError as exc:
            return ItemError(f"the LLM endpoint answered HTTP {exc.code} {exc.reason}", self.name)
        except TimeoutError:
            return ItemError(f"the LLM endpoint did not answer within {self.timeout:g} s", self.name)
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, (TimeoutError, socket.timeout)):
                return ItemError(f"the LLM endpoint did not answer within {self.timeout:g} s",
                                 self.name)
            return ItemError(f"cannot reach the LLM endpoint {self.url}: {exc.reason}", self.name)
        except LLMReplyError as exc:
            return ItemError(f"unreadable LLM reply: {exc}", self.name)
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            return ItemError(f"the LLM endpoint's answer is not a chat completion: {exc!r}",
                             self.name)

    def pipe(self, items: Iterable[Any], *, batch_size: int = 64) -> Iterator[ItemOutput]:
        with ThreadPoolExecutor(max_workers=max(1, self.concurrency)) as pool:
            for batch in batched(items, batch_size):
                yield from pool.map(self._ask, [document.text for document, _ in batch])

"""A small async client that talks to a running ``streamlit run`` server the way a browser tab does.

Why it exists: AppTest runs one session in-process, so it cannot show what happens when many people use
one server at once. This client opens a real websocket per simulated tab and speaks Streamlit 1.67's wire
protocol with the protobuf classes of the installed ``streamlit`` package:

- one websocket per tab at ``/_stcore/stream`` (binary frames only; subprotocol ``streamlit`` plus the XSRF
  token taken from the ``_streamlit_xsrf`` cookie that ``/_stcore/health`` sets); cookies such as the app's
  sign-in cookie travel on the handshake, where ``st.context.cookies`` reads them;
- nothing runs on connect: every run is a ``BackMsg.rerun_script`` carrying the query string, the page
  (script hash, or the url path on first navigation), the widget values on the page and, for a rerun scoped to
  an ``st.fragment``, that fragment's id;
- a run answers with ``new_session`` (run id, fragment ids), ``navigation`` (the page that ran and the pages
  the user may open), ``delta`` messages (elements and blocks addressed
  by ``delta_path``; widgets carry their id ``$$ID-<hash>-<user key>``), ``page_info_changed`` when the script
  changes the query string, and ``script_finished``; ``st.rerun()`` ends a run with FINISHED_EARLY_FOR_RERUN
  and another run follows, so one click can be a chain of runs;
- like the browser, a block sent again keeps its children, and when a run finishes whatever it did not write
  again is dropped (after a fragment run: only that fragment's elements);
- messages over ``global.minCachedMessageSize`` are cached per tab: the client lists the hashes it holds and
  the server may answer with a ``ref_hash`` stub instead.

Only what MesoLearn's pages use is simulated: buttons, checkboxes, radios, selectboxes, text inputs and text
areas. No JavaScript runs, so ``st.html`` scripts (e.g. the cookie writer) have no effect.
"""

from __future__ import annotations

import asyncio
import http.cookies
import time
import urllib.parse
import urllib.request
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin, Subprotocol

XSRF_COOKIE = "_streamlit_xsrf"
# The client's User-Agent. Sign-ins are bound to the browser's user agent (mesolearn.ui.auth.browser_binding), so a
# token made for a live session is made with this binding: ``accounts.start_session(account, USER_AGENT)``.
USER_AGENT = "MesoLearn live test client"
WIDGET_KINDS = {
    "button",
    "checkbox",
    "radio",
    "selectbox",
    "text_input",
    "text_area",
    "multiselect",
    "slider",
    "number_input",
    "date_input",
    "download_button",
    "button_group",
}
_DONE = {
    ForwardMsg.FINISHED_SUCCESSFULLY,
    ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
    ForwardMsg.FINISHED_WITH_COMPILE_ERROR,
}


class ProtocolError(RuntimeError):
    """The server closed the socket, sent something unexpected, or a run did not finish in time."""


@dataclass
class Widget:
    id: str
    kind: str
    label: str
    fragment_id: str
    disabled: bool = False
    options: list[str] = field(default_factory=list)
    value: Any = None  # the value the server rendered (checkbox: bool; radio/selectbox: option text or None)

    @property
    def key(self) -> str | None:
        """The ``key=`` the page gave the widget (Streamlit appends it to the widget id)."""
        tail = self.id.split("-", 2)[-1]
        return None if tail == "None" else tail


@dataclass
class Element:
    path: tuple[int, ...]
    kind: str  # the Element oneof: "markdown", "radio", "exception", ...
    element: Any  # the Element protobuf
    fragment_id: str
    run_id: str = ""  # the script run that wrote it

    @property
    def proto(self) -> Any:
        return getattr(self.element, self.kind) if self.kind else None

    @property
    def text(self) -> str:
        p = self.proto
        for name in ("body", "label", "message", "text", "value"):
            value = getattr(p, name, None)
            if isinstance(value, str) and value:
                return value
        return ""


@dataclass
class RunResult:
    """What one request (one click, one navigation) produced, possibly over several chained runs."""

    elapsed: float
    runs: int
    fragment_run: bool
    exceptions: list[str]
    status: int

    @property
    def ok(self) -> bool:
        return not self.exceptions and self.status != ForwardMsg.FINISHED_WITH_COMPILE_ERROR


def _cookies_from(headers: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for h in headers:
        c = http.cookies.SimpleCookie()
        try:
            c.load(h)
        except http.cookies.CookieError:
            continue
        out.update({k: m.value for k, m in c.items()})
    return out


def fetch_health(base_url: str, timeout: float = 2.0) -> tuple[int, dict[str, str]]:
    """GET /_stcore/health; returns (status, cookies set). Never goes through a proxy."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(base_url.rstrip("/") + "/_stcore/health", timeout=timeout) as r:
        return r.status, _cookies_from(r.headers.get_all("Set-Cookie") or [])


def _widget_of(e: Element) -> Widget | None:
    p, kind = e.proto, e.kind
    wid = getattr(p, "id", "")
    if not wid:
        return None
    w = Widget(wid, kind, getattr(p, "label", "") or "", e.fragment_id, bool(getattr(p, "disabled", False)))
    if kind in ("radio", "selectbox", "multiselect"):
        w.options = list(p.options)
        if kind in ("radio", "selectbox"):
            if p.set_value and p.HasField("raw_value"):
                w.value = p.raw_value
            elif p.HasField("default") and 0 <= p.default < len(w.options):
                w.value = w.options[p.default]
    elif kind == "checkbox":
        w.value = bool(p.value) if p.set_value else bool(p.default)
    elif kind in ("text_input", "text_area"):
        w.value = p.value if p.set_value else (p.default if p.HasField("default") else "")
    return w


class Session:
    """One browser tab: ``async with Session(url, cookies={...}) as tab: await tab.open("quiz", "attempt=3")``."""

    def __init__(self, base_url: str, cookies: dict[str, str] | None = None, run_timeout: float = 30.0):
        self.base_url = base_url.rstrip("/")
        u = urllib.parse.urlparse(self.base_url)
        scheme = "wss" if u.scheme == "https" else "ws"
        self.ws_url = f"{scheme}://{u.netloc}{u.path}/_stcore/stream"
        self.origin = f"{u.scheme}://{u.netloc}"
        self.cookies = dict(cookies or {})
        self.run_timeout = run_timeout
        self.page_name = ""
        self.page_hash = ""
        self.query_string = ""
        self.elements: dict[tuple[int, ...], Element] = {}
        self.values: dict[str, WidgetState] = {}  # widget values this tab has set, by widget id
        self.cache: dict[str, ForwardMsg] = {}
        self.pages: dict[str, str] = {}  # url path -> page script hash, from the last navigation message
        self.bytes_in = 0
        self._ws: Any = None

    # ---------------------------------------------------------------- connection
    async def connect(self, timeout: float = 10.0) -> None:
        if XSRF_COOKIE not in self.cookies:
            try:
                _, set_cookies = await asyncio.to_thread(fetch_health, self.base_url)
                self.cookies.update(set_cookies)
            except OSError:
                pass
        xsrf = self.cookies.get(XSRF_COOKIE)
        cookie_header = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self._ws = await ws_connect(
            self.ws_url,
            subprotocols=[Subprotocol(p) for p in ["streamlit"] + ([xsrf] if xsrf else [])],
            origin=Origin(self.origin),
            additional_headers={"Cookie": cookie_header} if cookie_header else None,
            proxy=None,
            user_agent_header=USER_AGENT,
            open_timeout=timeout,
            ping_interval=None,
            max_size=None,
            compression="deflate",
        )

    async def close(self) -> None:
        if self._ws is not None:
            try:
                await asyncio.wait_for(self._ws.close(), timeout=3)
            except Exception:  # already closed, or the server went away: nothing left to release
                pass
            self._ws = None

    async def __aenter__(self) -> Session:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # ---------------------------------------------------------------- what is on the page
    @property
    def widgets(self) -> list[Widget]:
        found = (_widget_of(self.elements[p]) for p in sorted(self.elements) if self.elements[p].kind in WIDGET_KINDS)
        return [w for w in found if w is not None]

    def widget(self, key: str | None = None, *, label: str | None = None, kind: str | None = None) -> Widget:
        """The one widget with this ``key=`` (or label, optionally of one kind); KeyError if absent or ambiguous."""
        found = [
            w
            for w in self.widgets
            if (key is None or w.key == key)
            and (label is None or w.label == label)
            and (kind is None or w.kind == kind)
        ]
        if len(found) != 1:
            raise KeyError(f"{len(found)} widgets match key={key!r} label={label!r} kind={kind!r}")
        return found[0]

    def texts(self, kind: str | None = None) -> list[str]:
        return [self.elements[p].text for p in sorted(self.elements) if kind is None or self.elements[p].kind == kind]

    # ---------------------------------------------------------------- requests
    async def open(self, page: str = "", query: str = "") -> RunResult:
        """Navigate to a page by its url path ("" = default page) with a query string, as typing the URL does."""
        self.page_name, self.page_hash, self.query_string = page, "", query
        self.values.clear()
        return await self._run()

    async def rerun(self) -> RunResult:
        return await self._run()

    async def click(self, w: Widget) -> RunResult:
        return await self._run({w.id: WidgetState(id=w.id, trigger_value=True)}, w.fragment_id)

    async def set(self, w: Widget, value: Any) -> RunResult:
        """Change one widget, as one click or one typed-and-entered value does."""
        if w.kind == "checkbox":
            state = WidgetState(id=w.id, bool_value=bool(value))
        elif w.kind in ("radio", "selectbox"):
            if value not in w.options:
                raise ValueError(f"{value!r} is not one of {w.options}")
            state = WidgetState(id=w.id, string_value=value)
        elif w.kind in ("text_input", "text_area"):
            state = WidgetState(id=w.id, string_value=str(value))
        else:
            raise ValueError(f"setting a {w.kind} is not simulated")
        self.values[w.id] = state
        return await self._run(fragment_id=w.fragment_id)

    def _client_state(self, triggers: dict[str, WidgetState], fragment_id: str) -> ClientState:
        cs = ClientState(query_string=self.query_string, page_script_hash=self.page_hash, page_name=self.page_name)
        ci = cs.context_info
        ci.timezone, ci.timezone_offset, ci.locale, ci.color_scheme = "UTC", 0, "en-US", "light"
        ci.url = f"{self.base_url}/{self.page_name}" + (f"?{self.query_string}" if self.query_string else "")
        present = {el.proto.id for el in self.elements.values() if el.kind in WIDGET_KINDS}
        for wid, state in self.values.items():
            if wid in present and wid not in triggers:
                cs.widget_states.widgets.append(state)
        cs.widget_states.widgets.extend(triggers.values())
        if fragment_id:
            cs.fragment_id = fragment_id
        cs.cached_message_hashes.extend(self.cache.keys())
        return cs

    async def _run(self, triggers: dict[str, WidgetState] | None = None, fragment_id: str = "") -> RunResult:
        if self._ws is None:
            raise ProtocolError("not connected")
        frame = BackMsg(rerun_script=self._client_state(triggers or {}, fragment_id)).SerializeToString()
        run_ids: set[str] = set()
        run_id = ""
        frags: set[str] = set()
        exceptions: list[str] = []
        fragment_run = False
        t0 = time.perf_counter()
        deadline = time.monotonic() + self.run_timeout
        await self._ws.send(frame)
        while True:
            remaining = deadline - time.monotonic()
            try:
                raw = await asyncio.wait_for(self._ws.recv(), timeout=max(0.01, remaining))
            except TimeoutError:
                raise ProtocolError(f"no script_finished within {self.run_timeout:g} s") from None
            except ConnectionClosed as exc:
                raise ProtocolError(f"websocket closed: {exc}") from None
            if isinstance(raw, str):
                raise ProtocolError("text frame from the server")
            self.bytes_in += len(raw)
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            kind = msg.WhichOneof("type")
            if kind == "ref_hash":
                cached = self.cache.get(msg.ref_hash)
                if cached is None:
                    raise ProtocolError("ref_hash for a message this tab never received")
                full = ForwardMsg()
                full.CopyFrom(cached)
                full.metadata.CopyFrom(msg.metadata)
                msg, kind = full, full.WhichOneof("type")
            elif msg.metadata.cacheable and msg.hash:
                self.cache[msg.hash] = msg
            if kind == "new_session":
                run_id = msg.metadata.run.script_run_id
                run_ids.add(run_id)
                frags = set(msg.metadata.run.fragment_ids)
                fragment_run = bool(frags)
            elif kind == "navigation":  # st.navigation: the page that actually ran, and every page's url path
                self.page_hash = msg.navigation.page_script_hash
                self.pages = {p.url_pathname: p.page_script_hash for p in msg.navigation.app_pages}
            elif kind == "delta":
                self._apply_delta(msg, exceptions, run_id)
            elif kind == "page_info_changed":
                self.query_string = msg.page_info_changed.query_string
            elif kind == "session_event":
                if msg.session_event.WhichOneof("type") == "script_compilation_exception":
                    exceptions.append(msg.session_event.script_compilation_exception.message)
            elif kind == "script_finished":
                rid = msg.metadata.run.script_run_id
                if rid and rid not in run_ids:
                    continue  # a late message of an earlier run
                if msg.script_finished in _DONE:
                    self._clear_stale(run_id, frags)
                    return RunResult(
                        time.perf_counter() - t0, len(run_ids), fragment_run, exceptions, msg.script_finished
                    )

    def _apply_delta(self, msg: ForwardMsg, exceptions: list[str], run_id: str) -> None:
        path = tuple(msg.metadata.delta_path)
        delta = msg.delta
        dk = delta.WhichOneof("type")
        if dk == "new_element":
            el = delta.new_element
            kind = el.WhichOneof("type") or ""
            if kind == "exception":
                exceptions.append(f"{el.exception.type}: {el.exception.message}")
            self.elements[path] = Element(path, kind, el, delta.fragment_id, run_id)
        elif dk == "add_block":
            # Like the browser: a block sent again keeps its children (fragments re-send the blocks they write
            # into); what a run did not write again is dropped when the run finishes.
            self.elements.pop(path, None)

    def _clear_stale(self, run_id: str, fragments: Collection[str]) -> None:
        """Drop what the finished run did not write: everything after a full run, the fragments' own after a
        fragment run (the browser's stale-element sweep)."""

        def stale(e: Element) -> bool:
            return e.run_id != run_id and (not fragments or e.fragment_id in fragments)

        self.elements = {p: e for p, e in self.elements.items() if not stale(e)}

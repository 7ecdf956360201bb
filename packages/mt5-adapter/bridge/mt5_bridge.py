#!/usr/bin/env python3
"""
tradekit MT5 bridge: serves the MetaTrader5 Python package over JSON-RPC 2.0 (one JSON message per
line, TCP) to @tradekit/mt5-adapter. Runs next to the terminal (Windows, or Wine on Linux) and uses
only the standard library plus the official `MetaTrader5` package.

    set MT5_BRIDGE_TOKEN=<a long random secret>
    python mt5_bridge.py --host 127.0.0.1 --port 18812

Guarantees (see docs/mt5.md):
  * methods and arguments are the package's, one to one: params {args, kwargs} is
    mt5.<method>(*args, **kwargs); only the listed functions are served;
  * every MT5 call runs on ONE worker thread, one at a time, in arrival order, and last_error() is
    read right after it on that thread;
  * a shared token is required (first message: auth); 127.0.0.1 by default;
  * each call has a deadline: still queued at the deadline -> error outcome "not_sent" (it never
    runs); started but not finished -> outcome "unknown" (it may have run: reconcile);
  * `ping` never waits behind a long call: with the worker busy it answers at once with the last
    terminal state, `busy: true` and the MT5 function in flight;
  * fencing (one writer per run): `tk_fence {run, token}` records the highest token seen per run; a
    write (order_send) whose `meta.fence` token is smaller is refused with FENCED right before it
    would reach the terminal. The table is in memory: a bridge restart forgets it (the run lease in
    tradekit's state store still protects; the current holder records its token again on reconnect);
  * tickets (ulong) travel as decimal strings, numpy arrays as {columns, rows}, times stay raw MT5
    epoch seconds (broker server time);
  * the token and the terminal password never reach the log.
"""
import argparse
import asyncio
import concurrent.futures
import hmac
import json
import logging
import os
import signal
import sys
import threading
import time

try:
    import MetaTrader5 as mt5  # the official package (Windows / Wine)
except ImportError as e:  # pragma: no cover - reported at startup
    mt5 = None
    _IMPORT_ERROR = e
else:
    _IMPORT_ERROR = None

VERSION = "0.2.0"
PROTOCOL = 1

METHODS = (
    "initialize", "login", "shutdown", "version", "last_error", "terminal_info", "account_info",
    "symbols_total", "symbols_get", "symbol_info", "symbol_info_tick", "symbol_select",
    "copy_rates_from", "copy_rates_from_pos", "copy_rates_range", "copy_ticks_from", "copy_ticks_range",
    "positions_total", "positions_get", "orders_total", "orders_get",
    "history_orders_total", "history_orders_get", "history_deals_total", "history_deals_get",
    "order_calc_margin", "order_calc_profit", "order_check", "order_send",
)
WRITES = ("order_send",)
FENCE_METHOD = "tk_fence"
REQUEST_METHODS = ("order_send", "order_check")

# JSON cannot tell 1 from 1.0, but the package can: it rejects an int where it wants a float
# ("Invalid 'volume' argument", pyeventbt PR#19). TradeRequest fields get their exact types back.
FLOAT_FIELDS = ("volume", "price", "stoplimit", "sl", "tp")
INT_FIELDS = ("action", "magic", "deviation", "type", "type_filling", "type_time", "expiration")
TICKET_FIELDS = ("ticket", "order", "deal", "position", "position_by", "position_id", "position_by_id", "identifier")
SECRET_KWARGS = ("password",)

UNNAMED = "Unnamed arguments not allowed"

RPC_PARSE = -32700
RPC_INVALID_REQUEST = -32600
RPC_METHOD_NOT_FOUND = -32601
RPC_INVALID_PARAMS = -32602
RPC_UNAUTHORIZED = -32001
RPC_TIMEOUT = -32010
RPC_CALL_FAILED = -32011
RPC_BUSY = -32012
RPC_SHUTTING_DOWN = -32013
RPC_FENCED = -32014

log = logging.getLogger("mt5-bridge")


def utc_ms():
    return int(time.time() * 1000)


# --------------------------------------------------------------------------- conversion


def to_wire(v):
    """MetaTrader5 results -> JSON: named tuples -> objects, arrays -> {columns, rows}, tickets -> str."""
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        return v if v == v and v not in (float("inf"), float("-inf")) else None
    if hasattr(v, "_asdict"):  # named tuple (SymbolInfo, TradePosition, OrderSendResult, ...)
        out = {}
        for k, x in v._asdict().items():
            out[k] = str(x) if k in TICKET_FIELDS and isinstance(x, int) and not isinstance(x, bool) else to_wire(x)
        return out
    dtype = getattr(v, "dtype", None)
    if dtype is not None and getattr(dtype, "names", None):  # numpy structured array (rates, ticks)
        return {"columns": list(dtype.names), "rows": [[to_wire(x) for x in row] for row in v.tolist()]}
    if hasattr(v, "item") and callable(v.item) and not hasattr(v, "__len__"):  # numpy scalar
        return to_wire(v.item())
    if isinstance(v, dict):
        return {str(k): to_wire(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [to_wire(x) for x in v]
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    return str(v)


def ticket_in(v):
    if isinstance(v, str) and v.isdigit():
        return int(v)
    return v


def coerce_request(req):
    """A TradeRequest dict from JSON with the package's exact types (floats, ints, int tickets)."""
    if not isinstance(req, dict):
        return req
    out = {}
    for k, v in req.items():
        if k in FLOAT_FIELDS and isinstance(v, (int, float)) and not isinstance(v, bool):
            out[k] = float(v)
        elif k in INT_FIELDS and isinstance(v, float) and v.is_integer():
            out[k] = int(v)
        elif k in TICKET_FIELDS:
            out[k] = ticket_in(v)
        else:
            out[k] = v
    return out


def coerce_kwargs(kwargs):
    return {k: ticket_in(v) if k in TICKET_FIELDS else v for k, v in kwargs.items()}


def redacted(method, args, kwargs):
    """What may be logged about a call: never passwords, never request bodies of logins."""
    keys = sorted(k if k not in SECRET_KWARGS else k + "=***" for k in kwargs)
    return "%s(%d args%s)" % (method, len(args), (", " + ", ".join(keys)) if keys else "")


# --------------------------------------------------------------------------- the MT5 worker


class Fenced(Exception):
    """A write carried a fencing token smaller than the highest seen for its run."""

    def __init__(self, run, token, highest):
        Exception.__init__(self, "fenced")
        self.run, self.token, self.highest = run, token, highest


class FenceTable:
    """Highest fencing token seen per run, in memory (tk_fence and fenced writes raise it)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.highest = {}

    def raise_to(self, run, token):
        """(True, token) when recorded; (False, highest) when a larger token was seen."""
        with self.lock:
            seen = self.highest.get(run)
            if seen is not None and token < seen:
                return False, seen
            self.highest[run] = token
            return True, token


def parse_fence(v):
    """{run, token} -> (run, token), or None when malformed."""
    if not isinstance(v, dict):
        return None
    run, token = v.get("run"), v.get("token")
    if not isinstance(run, str) or not run or len(run) > 200:
        return None
    if not isinstance(token, int) or isinstance(token, bool) or token < 0:
        return None
    return run, token


class Terminal:
    """Every MetaTrader5 call, on one thread, one at a time (the package is not assumed thread-safe)."""

    def __init__(self, module, fences=None):
        self.mt5 = module
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="mt5")
        # order_send/order_check call shape that worked last ("positional" dict, or "keyword"-unpacked).
        self.shape = {}
        self.fences = fences or FenceTable()
        # What the worker is doing (read by ping on the event loop without waiting for the worker).
        self.state_lock = threading.Lock()
        self.waiting = 0
        self.running = None
        self.last_terminal = {"connected": None, "trade_allowed": None}

    def submit(self, method, args, kwargs, fence=None):
        with self.state_lock:
            self.waiting += 1
        try:
            fut = self.pool.submit(self._guarded, method, args, kwargs, fence)
        except RuntimeError:  # shutting down
            with self.state_lock:
                self.waiting -= 1
            raise
        fut.add_done_callback(self._not_waiting_if_cancelled)
        return fut

    def _not_waiting_if_cancelled(self, fut):
        if fut.cancelled():
            with self.state_lock:
                self.waiting -= 1

    def busy(self):
        """(busy, method in flight): the worker is running a call or has calls queued."""
        with self.state_lock:
            return self.running is not None or self.waiting > 0, self.running

    def _guarded(self, method, args, kwargs, fence):
        with self.state_lock:
            self.waiting -= 1
            self.running = method
        try:
            if fence is not None and method in WRITES:
                # Right before the terminal sees it: a stale writer's call never runs.
                ok, highest = self.fences.raise_to(fence[0], fence[1])
                if not ok:
                    raise Fenced(fence[0], fence[1], highest)
            return self._run(method, args, kwargs)
        finally:
            with self.state_lock:
                self.running = None

    def _call(self, fn, args, kwargs):
        # Never forward an empty keyword mapping: fn(*args, **{}) is not fn(*args) for the package's
        # builtins (docs/reference/mt5-notes.md §6).
        return fn(*args, **kwargs) if kwargs else fn(*args)

    def _run(self, method, args, kwargs):
        m = self.mt5
        started = time.monotonic()
        if method == "ping":
            info = m.terminal_info()
            value = {"connected": bool(info and info.connected), "trade_allowed": bool(info and info.trade_allowed), "utc_ms": utc_ms(), "busy": False, "method": None}
            self.last_terminal = {"connected": value["connected"], "trade_allowed": value["trade_allowed"]}
            return value, [1, "Success"]
        fn = getattr(m, method)
        if method in REQUEST_METHODS:
            value, err = self._request_call(method, fn, args, kwargs)
        else:
            value = self._call(fn, args, coerce_kwargs(kwargs))
            err = m.last_error()
        took = (time.monotonic() - started) * 1000
        retcode = getattr(value, "retcode", None)
        log.debug("%s -> %s%s in %.1f ms", redacted(method, args, kwargs), "None" if value is None else type(value).__name__,
                  " retcode %s" % retcode if retcode is not None else "", took)
        return value, list(err) if err else [1, "Success"]

    def _request_call(self, method, fn, args, kwargs):
        """order_send/order_check: the request dict positionally or keyword-unpacked, whichever this
        package build accepts; '(-2, Unnamed arguments not allowed)' means nothing reached the
        terminal, so one retry in the other shape is safe."""
        if kwargs and not args:
            req = coerce_request(kwargs.get("request", kwargs))
        elif len(args) == 1 and not kwargs:
            req = coerce_request(args[0])
        else:
            return None, [-2, "Invalid arguments"]
        first = self.shape.get(method, "positional")
        for shape in (first, "keyword" if first == "positional" else "positional"):
            value = fn(req) if shape == "positional" else fn(**req)
            err = self.mt5.last_error()
            if value is None and err and err[0] == -2 and UNNAMED in str(err[1]):
                log.info("%s refused the %s call shape; retrying the other one", method, shape)
                continue
            self.shape[method] = shape
            return value, err
        return value, err

    def close(self):
        try:
            self.pool.submit(self.mt5.shutdown).result(timeout=5)
        except Exception:  # pragma: no cover - best effort on exit
            pass
        self.pool.shutdown(wait=False)


# --------------------------------------------------------------------------- the server


class Bridge:
    def __init__(self, terminal, token, default_deadline_ms, max_queue):
        self.terminal = terminal
        self.token = token.encode("utf-8")
        self.default_deadline_ms = default_deadline_ms
        self.max_queue = max_queue
        self.queued = 0
        self.closing = False

    def hello(self):
        return {"server": "mt5-bridge", "version": VERSION, "protocol": PROTOCOL, "methods": list(METHODS) + ["ping", FENCE_METHOD], "control": False}

    async def handle(self, reader, writer):
        peer = writer.get_extra_info("peername")
        conn = {"writer": writer, "authed": False, "futures": set(), "lock": asyncio.Lock(), "tasks": set()}
        log.info("client connected from %s", peer)
        try:
            while not self.closing:
                try:
                    line = await reader.readline()
                except (asyncio.LimitOverrunError, ValueError):
                    await self.send(conn, {"jsonrpc": "2.0", "id": None, "error": {"code": RPC_INVALID_REQUEST, "message": "message too long"}})
                    break
                if not line:
                    break
                if not line.strip():
                    continue
                try:
                    req = json.loads(line)
                except ValueError:
                    await self.send(conn, {"jsonrpc": "2.0", "id": None, "error": {"code": RPC_PARSE, "message": "parse error"}})
                    continue
                if not self.valid(req):
                    await self.send(conn, {"jsonrpc": "2.0", "id": req.get("id") if isinstance(req, dict) else None, "error": {"code": RPC_INVALID_REQUEST, "message": "invalid request"}})
                    continue
                if req["method"] == "auth":
                    if not await self.auth(conn, req):
                        break
                    continue
                if not conn["authed"]:
                    await self.send(conn, self.error(req["id"], RPC_UNAUTHORIZED, "UNAUTHORIZED", "not_sent"))
                    break
                task = asyncio.ensure_future(self.dispatch(conn, req))
                conn["tasks"].add(task)
                task.add_done_callback(conn["tasks"].discard)
        finally:
            # Calls of this connection that have not started never will.
            for f in list(conn["futures"]):
                f.cancel()
            try:
                writer.close()
            except Exception:  # pragma: no cover
                pass
            log.info("client %s disconnected", peer)

    @staticmethod
    def valid(req):
        return isinstance(req, dict) and req.get("jsonrpc") == "2.0" and isinstance(req.get("method"), str) and isinstance(req.get("id"), (str, int)) and not isinstance(req.get("id"), bool)

    @staticmethod
    def error(rid, code, message, outcome=None):
        e = {"code": code, "message": message}
        if outcome:
            e["data"] = {"outcome": outcome}
        return {"jsonrpc": "2.0", "id": rid, "error": e}

    async def send(self, conn, msg):
        data = (json.dumps(msg, separators=(",", ":"), allow_nan=False) + "\n").encode("utf-8")
        async with conn["lock"]:
            try:
                conn["writer"].write(data)
                await conn["writer"].drain()
            except (ConnectionError, RuntimeError):
                pass

    async def auth(self, conn, req):
        params = req.get("params") or {}
        token = str(params.get("token", "")).encode("utf-8")
        if not hmac.compare_digest(token, self.token):
            log.warning("refused a client: wrong token")
            await self.send(conn, self.error(req["id"], RPC_UNAUTHORIZED, "UNAUTHORIZED", "not_sent"))
            return False
        conn["authed"] = True
        await self.send(conn, {"jsonrpc": "2.0", "id": req["id"], "result": {"value": self.hello(), "last_error": [1, "Success"]}})
        return True

    @staticmethod
    def fenced(rid, run, token, highest):
        return {"jsonrpc": "2.0", "id": rid, "error": {"code": RPC_FENCED, "message": "FENCED", "data": {"outcome": "not_sent", "run": run, "token": token, "highest": highest}}}

    async def fence(self, conn, rid, kwargs):
        """tk_fence {run, token}: answered at once; never touches the terminal."""
        f = parse_fence(kwargs)
        if f is None:
            await self.send(conn, self.error(rid, RPC_INVALID_PARAMS, "tk_fence needs kwargs {run: non-empty string, token: integer >= 0}", "not_sent"))
            return
        ok, highest = self.terminal.fences.raise_to(f[0], f[1])
        if not ok:
            log.warning("refused tk_fence for run %s: token %d < %d", f[0], f[1], highest)
            await self.send(conn, self.fenced(rid, f[0], f[1], highest))
            return
        log.info("run %s fenced at token %d", f[0], f[1])
        await self.send(conn, {"jsonrpc": "2.0", "id": rid, "result": {"value": {"run": f[0], "highest": highest}, "last_error": [1, "Success"]}})

    async def ping(self, conn, rid, deadline):
        """Never queued behind a long call: a busy worker answers at once from the last known state."""
        busy, running = self.terminal.busy()
        value = None
        if not busy:
            fut = self.terminal.submit("ping", [], {})
            wrapped = asyncio.wrap_future(fut)
            done, _ = await asyncio.wait({wrapped}, timeout=min(deadline, 1.0))
            if done and not wrapped.cancelled() and wrapped.exception() is None:
                value = wrapped.result()[0]
            else:
                wrapped.add_done_callback(lambda w: w.cancelled() or w.exception())
                busy, running = True, self.terminal.busy()[1] or "ping"
        if value is None:
            last = self.terminal.last_terminal
            value = {"connected": last["connected"], "trade_allowed": last["trade_allowed"], "utc_ms": utc_ms(), "busy": True, "method": running}
        await self.send(conn, {"jsonrpc": "2.0", "id": rid, "result": {"value": value, "last_error": [1, "Success"], "utc_ms": utc_ms()}})

    async def dispatch(self, conn, req):
        rid = req["id"]
        method = req["method"]
        params = req.get("params") or {}
        args = params.get("args", [])
        kwargs = params.get("kwargs", {})
        if method not in METHODS and method not in ("ping", FENCE_METHOD):
            await self.send(conn, self.error(rid, RPC_METHOD_NOT_FOUND, "unknown method %s" % method, "not_sent"))
            return
        if not isinstance(args, list) or not isinstance(kwargs, dict):
            await self.send(conn, self.error(rid, RPC_INVALID_PARAMS, "params must be {args: [], kwargs: {}}", "not_sent"))
            return
        if self.closing:
            await self.send(conn, self.error(rid, RPC_SHUTTING_DOWN, "SHUTTING_DOWN", "not_sent"))
            return
        meta = req.get("meta") or {}
        if not isinstance(meta, dict):
            meta = {}
        deadline = max(1, int(meta.get("deadline_ms") or self.default_deadline_ms)) / 1000.0
        if method == FENCE_METHOD:
            await self.fence(conn, rid, kwargs)
            return
        if method == "ping":
            await self.ping(conn, rid, deadline)
            return
        fence = None
        if method in WRITES and meta.get("fence") is not None:
            fence = parse_fence(meta.get("fence"))
            if fence is None:
                await self.send(conn, self.error(rid, RPC_INVALID_PARAMS, "meta.fence must be {run, token}", "not_sent"))
                return
        if self.queued >= self.max_queue:
            await self.send(conn, self.error(rid, RPC_BUSY, "BUSY", "not_sent"))
            return
        self.queued += 1
        fut = self.terminal.submit(method, args, kwargs, fence)
        conn["futures"].add(fut)
        wrapped = asyncio.wrap_future(fut)
        try:
            done, _ = await asyncio.wait({wrapped}, timeout=deadline)
        finally:
            self.queued -= 1
        if not done:
            # Still queued: cancel it, it never runs. Already running: it may complete; reconcile.
            never_ran = fut.cancel()
            if not never_ran:
                fut.add_done_callback(lambda f: log.warning("%s finished after its deadline; its answer was dropped", method))
                wrapped.add_done_callback(lambda w: w.cancelled() or w.exception())
            conn["futures"].discard(fut)
            log.warning("%s exceeded its %.0f ms deadline (%s)", method, deadline * 1000, "not started" if never_ran else "outcome unknown")
            await self.send(conn, self.error(rid, RPC_TIMEOUT, "BRIDGE_TIMEOUT", "not_sent" if never_ran else "unknown"))
            return
        conn["futures"].discard(fut)
        if wrapped.cancelled():
            await self.send(conn, self.error(rid, RPC_SHUTTING_DOWN, "SHUTTING_DOWN", "not_sent"))
            return
        exc = wrapped.exception()
        if isinstance(exc, Fenced):
            log.warning("refused a write for run %s: fencing token %d < %d (a newer holder took the run over)", exc.run, exc.token, exc.highest)
            await self.send(conn, self.fenced(rid, exc.run, exc.token, exc.highest))
            return
        if exc is not None:
            log.error("%s raised %s: %s", method, type(exc).__name__, exc)
            await self.send(conn, self.error(rid, RPC_CALL_FAILED, "%s: %s" % (type(exc).__name__, exc), "unknown" if method in WRITES else "not_sent"))
            return
        value, err = wrapped.result()
        try:
            body = {"value": to_wire(value), "last_error": to_wire(err), "utc_ms": utc_ms()}
        except Exception as e:  # pragma: no cover - unexpected result types
            await self.send(conn, self.error(rid, RPC_CALL_FAILED, "cannot serialize %s result: %s" % (method, e), "unknown" if method in WRITES else "not_sent"))
            return
        await self.send(conn, {"jsonrpc": "2.0", "id": rid, "result": body})


async def serve(args, terminal, token):
    bridge = Bridge(terminal, token, args.deadline_ms, args.max_queue)
    server = await asyncio.start_server(bridge.handle, args.host, args.port, limit=args.max_line_bytes)
    sock = server.sockets[0].getsockname()
    # Machine-readable: supervisors and tests read the bound port from this line.
    print("LISTENING %s %d" % (sock[0], sock[1]), flush=True)
    log.info("mt5-bridge %s listening on %s:%d", VERSION, sock[0], sock[1])
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # Windows: fall back to KeyboardInterrupt
            signal.signal(sig, lambda *_: loop.call_soon_threadsafe(stop.set))
    await stop.wait()
    log.info("shutting down")
    bridge.closing = True
    server.close()
    await server.wait_closed()
    terminal.close()


def main(argv=None):
    p = argparse.ArgumentParser(description="Serve the MetaTrader5 package over JSON-RPC to tradekit.")
    p.add_argument("--host", default=os.environ.get("MT5_BRIDGE_HOST", "127.0.0.1"), help="bind address (default 127.0.0.1; 0.0.0.0 exposes the terminal to the network)")
    p.add_argument("--port", type=int, default=int(os.environ.get("MT5_BRIDGE_PORT", "18812")), help="0 = any free port")
    p.add_argument("--token-env", default="MT5_BRIDGE_TOKEN", help="environment variable holding the shared token")
    p.add_argument("--deadline-ms", type=int, default=10000, help="default per-call deadline")
    p.add_argument("--max-queue", type=int, default=256)
    p.add_argument("--max-line-bytes", type=int, default=32 * 1024 * 1024)
    p.add_argument("--log-level", default=os.environ.get("MT5_BRIDGE_LOG", "INFO"))
    args = p.parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=getattr(logging, args.log_level.upper(), logging.INFO), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if mt5 is None:
        log.error("cannot import MetaTrader5 (%s): pip install MetaTrader5 (Windows, or Python under Wine)", _IMPORT_ERROR)
        return 3
    token = os.environ.get(args.token_env, "")
    if len(token) < 8:
        log.error("set %s to a shared secret of at least 8 characters (the same value as the adapter's bridge.token)", args.token_env)
        return 2
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        log.warning("binding %s: the terminal is reachable from the network; keep the token secret and prefer an SSH tunnel", args.host)
    terminal = Terminal(mt5)
    try:
        asyncio.run(serve(args, terminal, token))
    except KeyboardInterrupt:  # pragma: no cover
        terminal.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""An HTTP endpoint for an exported generator, on the standard library's ``ThreadingHTTPServer``.

Routes (GET only; every answer carries ``Content-Length`` so HTTP/1.1 clients keep the
connection open):

``/sample?seed=S&n=N[&label=L|&caption=TEXT][&format=png|npy]``
    ``n`` images for the latents ``gantk.latents.latent_vectors(n, latent_dim, seed)``, the
    same images as ``Generator.sample(n, seed, labels)``: a PNG grid (the layout of
    ``gantk.images.grid``, one pixel per pixel) or an ``.npy`` uint8 array [n, H, W, C].
    ``label`` is a class index or name of a conditional generator; without it a conditional
    grid spreads the classes evenly, one row per class. ``caption`` is the sentence a
    text-to-image export draws (required by it, refused by others): the same images as
    ``Generator.sample(n, seed, caption=TEXT)``; a word outside its vocabulary is a 400 naming it.
``/health``
    JSON: the model, its training step, the image shape, latent size, classes and the bound on n.

Every request the server cannot answer gets a 4xx status and a JSON body ``{"error": "..."}``
holding one sentence. The onnxruntime session is shared by the handler threads: onnxruntime
documents ``InferenceSession.run`` as safe to call concurrently, and ``Generator.generate``
keeps no state between calls. ``SampleServer.stop`` is the graceful shutdown: no new
connection, 503 (and the same JSON) to a new request on an open one, and the requests in flight
finish within a grace period.
"""

import io
import json
import os
import re
import sys
import threading
from contextlib import contextmanager
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import numpy as np

from gantk.errors import GantkError
from gantk.images import grid
from gantk.latents import grid_columns

DEFAULT_MAX_N = 64
DEFAULT_GRACE = 10.0
MAX_N_LIMIT = 4096
FORMATS = {"png": "image/png", "npy": "application/octet-stream"}
PARAMETERS = ("seed", "n", "label", "caption", "format")
ALLOWED = "GET"
SEED_LIMIT = 2**63
_DIGITS = re.compile(r"[0-9]{1,19}")


class BadRequest(GantkError):
    """A request the server refuses, with the HTTP status to answer it with."""

    def __init__(self, message, status=HTTPStatus.BAD_REQUEST):
        super().__init__(message)
        self.status = status


def check_max_n(max_n):
    if isinstance(max_n, bool) or not isinstance(max_n, int) or not 1 <= max_n <= MAX_N_LIMIT:
        raise GantkError(f"Argument `max_n` must be an integer from 1 to {MAX_N_LIMIT}. Received: max_n={max_n!r}")
    return max_n


def _integer(query, name, low, high):
    values = query.get(name)
    if not values:
        raise BadRequest(f"Parameter `{name}` is missing; give an integer from {low} to {high}, e.g. /sample?seed=0&n=1.")
    text = values[0]
    if not _DIGITS.fullmatch(text) or not low <= int(text) <= high:
        raise BadRequest(f"Parameter `{name}` must be an integer from {low} to {high}. Received: {name}={text[:40]!r}")
    return int(text)


class SampleRequest:
    """The checked parameters of one ``/sample`` request."""

    def __init__(self, generator, query, max_n):
        unknown = sorted(set(query) - set(PARAMETERS))
        if unknown:
            raise BadRequest(f"Parameter `{unknown[0][:40]}` is not known; /sample takes {', '.join(PARAMETERS)}.")
        repeated = [name for name, values in query.items() if len(values) > 1]
        if repeated:
            raise BadRequest(f"Parameter `{repeated[0]}` is given {len(query[repeated[0]])} times; give it once.")
        self.caption = query.get("caption", [None])[0]
        if self.caption is not None and not generator.captioned:
            raise BadRequest("Parameter `caption` needs a generator with a text encoder, and this export has none.")
        if self.caption is None and generator.captioned:
            raise BadRequest("Parameter `caption` is required: this text-to-image generator draws images of a sentence, e.g. caption=a+small+red+circle+in+the+centre+on+white.")
        self.seed = _integer(query, "seed", 0, SEED_LIMIT - 1)
        self.n = _integer(query, "n", 1, max_n)
        self.format = query.get("format", ["png"])[0]
        if self.format not in FORMATS:
            raise BadRequest(f"Parameter `format` must be one of {', '.join(FORMATS)}. Received: format={self.format[:40]!r}")
        self.label = self._label(generator, query.get("label", [None])[0])

    @staticmethod
    def _label(generator, text):
        if text is None:
            return None
        if not generator.num_classes:
            raise BadRequest(f"Parameter `label` applies to conditional generators only; this one is unconditional. Received: label={text[:40]!r}")
        if _DIGITS.fullmatch(text) and int(text) < generator.num_classes:
            return int(text)
        if text in generator.labels:
            return text
        names = f" or a name such as {generator.labels[0]!r}" if generator.labels else ""
        raise BadRequest(f"Parameter `label` must be a class index from 0 to {generator.num_classes - 1}{names}. Received: label={text[:40]!r}")


def encode_png(images, num_classes=0, label=None):
    """A PNG grid of uint8 ``images`` [n, H, W, C], one row per class for a conditional spread."""
    from PIL import Image

    columns = grid_columns(len(images), num_classes) if num_classes and label is None else None
    picture = grid(images, columns)
    buffer = io.BytesIO()
    if picture.shape[-1] == 1:
        Image.fromarray(picture[..., 0], "L").save(buffer, format="PNG")
    else:
        Image.fromarray(picture, "RGB").save(buffer, format="PNG")
    return buffer.getvalue()


def encode_npy(images):
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(images, np.uint8))
    return buffer.getvalue()


def health(generator, max_n, source):
    metadata = generator.metadata
    return {
        "model": f"{metadata.get('variant', 'generator')} on {metadata.get('dataset', 'unknown data')}",
        "file": os.path.basename(source),
        "step": metadata.get("training_step"),
        "shape": list(generator.image_shape),
        "latent_dim": generator.latent_dim,
        "num_classes": generator.num_classes,
        "labels": generator.labels,
        "vocabulary": generator.vocabulary,
        "max_n": max_n,
        "quantization": metadata.get("quantization", "none"),
    }


class Handler(BaseHTTPRequestHandler):
    """Answers ``/sample`` and ``/health``; everything else is a one-sentence JSON error."""

    protocol_version = "HTTP/1.1"
    server_version = "gantk-serve"
    disable_nagle_algorithm = True
    """Headers and body leave in separate writes; with Nagle's algorithm the body would wait for the
    client's delayed acknowledgement of the headers on every kept-alive request."""

    def do_GET(self):
        with self.server.counted():
            self._answer()

    def _answer(self):
        url = urlsplit(self.path)
        try:
            if self.server.stopping:
                raise BadRequest("The server is stopping; send the request again elsewhere or later.", HTTPStatus.SERVICE_UNAVAILABLE)
            if url.path == "/health":
                self._send(HTTPStatus.OK, "application/json", json.dumps(self.server.health).encode())
            elif url.path == "/sample":
                self._sample(parse_qs(url.query, keep_blank_values=True, max_num_fields=len(PARAMETERS) * 4))
            else:
                raise BadRequest(f"Path {url.path[:60]!r} is not served; use /sample or /health.", HTTPStatus.NOT_FOUND)
        except BadRequest as error:
            self._error(error.status, str(error))
        except ValueError:
            self._error(HTTPStatus.BAD_REQUEST, "The query string is malformed or holds too many parameters.")
        except Exception as error:  # noqa: BLE001 - a fault of the server, answered without a traceback
            self.server.log(f"Internal error on {self.path[:100]!r}: {type(error).__name__}: {error}")
            self._error(HTTPStatus.INTERNAL_SERVER_ERROR, "The server failed to make the images; see its log.")

    def _sample(self, query):
        request = SampleRequest(self.server.generator, query, self.server.max_n)
        try:
            images = self.server.generator.sample(request.n, seed=request.seed, labels=request.label, caption=request.caption)
        except GantkError as error:
            raise BadRequest(str(error)) from None
        if request.format == "npy":
            body = encode_npy(images)
        else:
            body = encode_png(images, self.server.generator.num_classes, request.label)
        self._send(HTTPStatus.OK, FORMATS[request.format], body)

    def _method_not_allowed(self):
        self._error(HTTPStatus.METHOD_NOT_ALLOWED, f"Method {self.command} is not allowed; use GET.", {"Allow": ALLOWED})

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_TRACE = do_CONNECT = _method_not_allowed

    def send_error(self, code, message=None, explain=None):
        """The standard library's own refusals (bad request line, unknown method) as JSON too."""
        if code == HTTPStatus.NOT_IMPLEMENTED:
            code, message = HTTPStatus.METHOD_NOT_ALLOWED, f"Method {str(self.command)[:20]!r} is not allowed; use GET."
        self.close_connection = True
        if self.request_version == "HTTP/0.9":
            self.request_version = "HTTP/1.0"
        self._error(code, message or HTTPStatus(code).phrase)

    def _error(self, status, sentence, headers=None):
        body = json.dumps({"error": sentence if sentence.endswith(".") else sentence + "."}).encode()
        self._send(status, "application/json", body, headers)

    def _send(self, status, content_type, body, headers=None):
        self.close_connection = self.close_connection or self.server.stopping
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD" and status >= 200:
            self.wfile.write(body)

    def log_message(self, format, *args):
        if self.server.access_log:
            self.server.log(f"{self.address_string()} {format % args}")


class SampleServer(ThreadingHTTPServer):
    """A threading HTTP server holding one loaded ``Generator``."""

    daemon_threads = True

    def __init__(self, address, generator, max_n=DEFAULT_MAX_N, source="generator.onnx", access_log=False, log=print):
        self.generator = generator
        self.max_n = check_max_n(max_n)
        self.health = health(generator, self.max_n, source)
        self.access_log = access_log
        self.log = log
        self.stopping = False
        self._in_flight = 0
        self._idle = threading.Condition()
        super().__init__(address, Handler)

    @contextmanager
    def counted(self):
        """Count one request as in flight while it is answered."""
        with self._idle:
            self._in_flight += 1
        try:
            yield
        finally:
            with self._idle:
                self._in_flight -= 1
                self._idle.notify_all()

    def stop(self, grace=DEFAULT_GRACE):
        """Stop serving: accept no connection, answer 503 (and close) on open ones, and wait up to
        ``grace`` seconds for the requests in flight. Returns how many were still running (0: none cut off).
        Call it from another thread than ``serve_forever``'s; ``server_close`` then releases the port."""
        self.stopping = True
        self.shutdown()
        with self._idle:
            self._idle.wait_for(lambda: self._in_flight == 0, timeout=grace)
            return self._in_flight

    def handle_error(self, request, client_address):
        """A client that closes its kept-alive connection is the end of that connection, not an error."""
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)

    @property
    def url(self):
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


def model_path(export, quantized=None):
    """The ``.onnx`` file to serve: ``export`` itself, or its ``generator[.KIND].onnx``."""
    export = os.fspath(export)
    if os.path.isfile(export):
        if quantized:
            raise GantkError(f"Argument `quantized` applies to an export folder, not to the file {export!r}.")
        return export
    name = f"generator.{quantized}.onnx" if quantized else "generator.onnx"
    path = os.path.join(export, name)
    if not os.path.isfile(path):
        available = sorted(f for f in os.listdir(export) if f.endswith(".onnx")) if os.path.isdir(export) else []
        hint = f"; it holds {', '.join(available)}" if available else "; run `gantk export RUN --onnx` first"
        raise GantkError(f"Argument `EXPORT_DIR` must be an export folder holding {name}. Received: {export!r}{hint}.")
    return path


def open_server(export, host="127.0.0.1", port=8000, max_n=DEFAULT_MAX_N, quantized=None, threads=1, access_log=False, log=print):
    """A ``SampleServer`` bound to ``(host, port)`` (port 0 picks a free one), not yet serving.

    ``threads`` sets onnxruntime's intra-op threads per call; the default 1 lets concurrent
    requests run side by side without each spinning up a thread pool; 0 or None leaves
    onnxruntime's choice (one thread per core).
    """
    import onnxruntime as ort

    from gantk.export.runtime import Generator

    path = model_path(export, quantized)
    check_max_n(max_n)
    generator = Generator.load(path)
    if threads:
        options = ort.SessionOptions()
        options.intra_op_num_threads = int(threads)
        generator = Generator(ort.InferenceSession(path, sess_options=options, providers=["CPUExecutionProvider"]))
    try:
        return SampleServer((host, int(port)), generator, max_n, path, access_log, log)
    except OSError as error:
        raise GantkError(f"Cannot listen on {host}:{port}: {error.strerror or error}.") from None


def serve_in_thread(server):
    """Run ``server.serve_forever`` in a daemon thread; returns the thread (stop with ``server.shutdown()``)."""
    thread = threading.Thread(target=server.serve_forever, name="gantk-serve", daemon=True)
    thread.start()
    return thread

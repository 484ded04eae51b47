"""``gantk serve``: the runtime's images over HTTP on 127.0.0.1, one-sentence 4xx answers, a graceful stop on Ctrl-C or SIGTERM."""

import http.client
import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from gantk.cli.main import cli
from gantk.export import exporter
from gantk.export.runtime import Generator
from gantk.export.serve import open_server, serve_in_thread
from gantk.images import grid
from gantk.latents import grid_columns
from helpers import TINY


@pytest.fixture(scope="module")
def export_dir(tiny_run, tmp_path_factory):
    out = str(tmp_path_factory.mktemp("serve") / "export")
    exporter.export_run(tiny_run, out, formats=["onnx"], log=lambda *_: None)
    return out


@pytest.fixture(scope="module")
def conditional_dir(tmp_path_factory):
    from gantk.training.config import resolve_config
    from gantk.training.run import train

    root = tmp_path_factory.mktemp("serve-conditional")
    config = resolve_config("cgan", steps=2, arch="dcgan", **TINY)
    run_dir = train(config, run_dir=str(root / "run"), progress=False, log=lambda *_: None)
    return exporter.export_run(run_dir, str(root / "export"), formats=["onnx"], log=lambda *_: None).out_dir


def start(export, **options):
    server = open_server(export, port=0, log=lambda *_: None, **options)
    serve_in_thread(server)
    return server


@pytest.fixture(scope="module")
def server(export_dir):
    server = start(export_dir)
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def conditional_server(conditional_dir):
    server = start(conditional_dir, max_n=20)
    yield server
    server.shutdown()
    server.server_close()


def get(server, path, method="GET"):
    connection = http.client.HTTPConnection(*server.server_address[:2], timeout=30)
    try:
        connection.request(method, path)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type"), response.read()
    finally:
        connection.close()


def raw(server, data):
    with socket.create_connection(server.server_address[:2], timeout=30) as connection:
        connection.sendall(data)
        reply = b""
        while chunk := connection.recv(65536):
            reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


def png_pixels(body):
    return np.asarray(Image.open(io.BytesIO(body)))


def test_health_describes_the_model(server):
    status, kind, body = get(server, "/health")
    health = json.loads(body)
    assert status == 200 and kind == "application/json"
    assert health["model"] == "dcgan on digits" and health["step"] == 4 and health["shape"] == [16, 16, 1]
    assert health["max_n"] == 64 and health["num_classes"] == 0 and health["file"] == "generator.onnx"


def test_images_equal_the_runtime_for_the_same_seed(server, export_dir):
    generator = Generator.load(os.path.join(export_dir, "generator.onnx"))
    status, kind, body = get(server, "/sample?seed=3&n=5&format=npy")
    assert status == 200 and kind == "application/octet-stream"
    np.testing.assert_array_equal(np.load(io.BytesIO(body)), generator.sample(5, seed=3))
    status, kind, body = get(server, "/sample?seed=7&n=6")
    assert status == 200 and kind == "image/png"
    np.testing.assert_array_equal(png_pixels(body), grid(generator.sample(6, seed=7))[..., 0])
    status, _, body = get(server, "/sample?seed=7&n=1&format=png")
    np.testing.assert_array_equal(png_pixels(body), grid(generator.sample(1, seed=7))[..., 0])


def test_conditional_images_equal_the_runtime_by_index_name_and_spread(conditional_server, conditional_dir):
    generator = Generator.load(os.path.join(conditional_dir, "generator.onnx"))
    _, _, body = get(conditional_server, "/sample?seed=1&n=4&label=3&format=npy")
    np.testing.assert_array_equal(np.load(io.BytesIO(body)), generator.sample(4, seed=1, labels=3))
    name = generator.labels[5]
    _, _, body = get(conditional_server, f"/sample?seed=1&n=4&label={name}&format=npy")
    np.testing.assert_array_equal(np.load(io.BytesIO(body)), generator.sample(4, seed=1, labels=5))
    _, _, body = get(conditional_server, "/sample?seed=2&n=20")
    expected = grid(generator.sample(20, seed=2), grid_columns(20, 10))[..., 0]
    np.testing.assert_array_equal(png_pixels(body), expected)


def test_concurrent_clients_get_their_own_images(server, export_dir):
    generator = Generator.load(os.path.join(export_dir, "generator.onnx"))
    results = {}

    def client(seed):
        results[seed] = np.load(io.BytesIO(get(server, f"/sample?seed={seed}&n=3&format=npy")[2]))

    threads = [threading.Thread(target=client, args=(seed,)) for seed in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for seed in range(16):
        np.testing.assert_array_equal(results[seed], generator.sample(3, seed=seed))


BAD_REQUESTS = [
    ("GET", "/nope", 404, "not served"),
    ("GET", "/", 404, "not served"),
    ("POST", "/sample?seed=1&n=1", 405, "not allowed"),
    ("DELETE", "/health", 405, "not allowed"),
    ("GET", "/sample?n=1", 400, "`seed` is missing"),
    ("GET", "/sample?seed=1", 400, "`n` is missing"),
    ("GET", "/sample?seed=-1&n=1", 400, "`seed` must be an integer"),
    ("GET", "/sample?seed=1.5&n=1", 400, "`seed` must be an integer"),
    ("GET", "/sample?seed=abc&n=1", 400, "`seed` must be an integer"),
    ("GET", "/sample?seed=99999999999999999999999&n=1", 400, "`seed` must be an integer"),
    ("GET", "/sample?seed=1&n=0", 400, "`n` must be an integer from 1 to 64"),
    ("GET", "/sample?seed=1&n=65", 400, "`n` must be an integer from 1 to 64"),
    ("GET", "/sample?seed=1&n=2.5", 400, "`n` must be an integer"),
    ("GET", "/sample?seed=1&n=1&label=2", 400, "unconditional"),
    ("GET", "/sample?seed=1&n=1&format=gif", 400, "`format` must be one of png, npy"),
    ("GET", "/sample?seed=1&n=1&caption=a%20cat", 400, "text encoder"),
    ("GET", "/sample?seed=1&n=1&colour=red", 400, "`colour` is not known"),
    ("GET", "/sample?seed=1&seed=2&n=1", 400, "given 2 times"),
]


@pytest.mark.parametrize("method, path, status, fragment", BAD_REQUESTS, ids=[f"{m} {p}" for m, p, _, _ in BAD_REQUESTS])
def test_bad_requests_get_one_sentence_and_a_4xx(server, method, path, status, fragment):
    answer, kind, body = get(server, path, method)
    message = json.loads(body)["error"]
    assert answer == status and kind == "application/json", (answer, message)
    assert fragment in message and message.endswith(".") and "\n" not in message and "Traceback" not in message


@pytest.mark.parametrize("label", ["10", "-1", "cat", "3.0", ""])
def test_bad_labels_of_a_conditional_generator(conditional_server, label):
    status, _, body = get(conditional_server, f"/sample?seed=1&n=2&label={label}")
    assert status == 400 and "class index from 0 to 9" in json.loads(body)["error"]


@pytest.mark.parametrize(
    "data, status",
    [(b"GARBAGE\r\n\r\n", 400), (b"BREW /sample HTTP/1.1\r\nHost: x\r\n\r\n", 405), (b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n", 414)],
    ids=["malformed", "unknown method", "long line"],
)
def test_malformed_requests_get_json_4xx(server, data, status):
    answer, body = raw(server, data)
    assert answer == status and json.loads(body)["error"].endswith(".")


def test_bad_arguments_are_one_line_with_status_2(export_dir, tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["serve", str(tmp_path)])
    assert result.exit_code == 2 and "holding generator.onnx" in result.output and "Traceback" not in result.output
    result = runner.invoke(cli, ["serve", export_dir, "--max-n", "0"])
    assert result.exit_code == 2 and "max_n" in result.output
    result = runner.invoke(cli, ["serve", export_dir, "--quantized", "int8"])
    assert result.exit_code == 2 and "generator.int8.onnx" in result.output


def default_sigint():
    """``preexec_fn`` giving the server SIGINT's default action where the suite runs with it ignored
    (a shell's background job, whose children inherit that): Python then raises KeyboardInterrupt."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_signal_stops_the_server_cleanly(export_dir, tmp_path, stop_signal):
    process = subprocess.Popen(
        [sys.executable, "-m", "gantk.cli.main", "serve", export_dir, "--port", "0"],
        cwd=str(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=default_sigint,
    )
    line = process.stdout.readline()
    assert "http://127.0.0.1:" in line, line + process.stderr.read()
    port = int(line.split("http://127.0.0.1:")[1].split(";")[0])
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/health")
    assert connection.getresponse().status == 200
    connection.close()
    process.send_signal(stop_signal)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0 and "Stopped." in out and "Traceback" not in err, err


class HeldGenerator:
    """The export's generator, whose ``sample`` waits for ``release`` once it has started."""

    def __init__(self, generator):
        self.generator = generator
        self.started = threading.Event()
        self.release = threading.Event()

    def __getattr__(self, name):
        return getattr(self.generator, name)

    def sample(self, *args, **kwargs):
        self.started.set()
        assert self.release.wait(30)
        return self.generator.sample(*args, **kwargs)


def test_stop_lets_the_request_in_flight_finish_and_refuses_new_ones(export_dir):
    server = start(export_dir)
    held = server.generator = HeldGenerator(server.generator)
    idle = http.client.HTTPConnection(*server.server_address[:2], timeout=30)
    idle.request("GET", "/health")
    assert idle.getresponse().read() and idle.sock is not None
    replies = []
    request = threading.Thread(target=lambda: replies.append(get(server, "/sample?seed=3&n=2&format=npy")))
    request.start()
    assert held.started.wait(30)
    cut_off = []
    stopping = threading.Thread(target=lambda: cut_off.append(server.stop(grace=30)))
    stopping.start()
    try:
        for _ in range(3000):
            if server.stopping:
                break
            time.sleep(0.01)
        idle.request("GET", "/health")
        refused = idle.getresponse()
        assert refused.status == 503 and "stopping" in json.loads(refused.read())["error"]
        assert refused.getheader("Connection") == "close"
        assert stopping.is_alive()
    finally:
        held.release.set()
        stopping.join(30)
        request.join(30)
        idle.close()
        server.server_close()
    status, _, body = replies[0]
    assert cut_off == [0] and status == 200
    np.testing.assert_array_equal(np.load(io.BytesIO(body)), held.generator.sample(2, seed=3))


def test_stop_reports_the_requests_its_grace_period_cut_off(export_dir):
    server = start(export_dir)
    held = server.generator = HeldGenerator(server.generator)
    request = threading.Thread(target=lambda: get(server, "/sample?seed=0&n=1"))
    request.start()
    try:
        assert held.started.wait(30)
        assert server.stop(grace=0.2) == 1
    finally:
        held.release.set()
        request.join(30)
        server.server_close()


@pytest.mark.slow
def test_bench_serve_reports_latency_throughput_errors_and_memory(export_dir, tmp_path):
    result = CliRunner().invoke(cli, ["bench", "serve", export_dir, "--clients", "2", "--requests", "40", "--json", str(tmp_path / "b.json")])
    assert result.exit_code == 0, result.output
    figures = json.loads((tmp_path / "b.json").read_text())
    assert figures["requests"] == 40 and figures["errors"] == 0 and figures["exit_status"] == 0
    assert 0 < figures["p50_ms"] <= figures["p99_ms"] and figures["rss_start_mb"] > 0 and len(figures["rss_series"]) == 10
    assert "p99" in result.output and "server RSS" in result.output

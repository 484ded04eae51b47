"""A bounded load test of ``gantk serve``: concurrent clients on 127.0.0.1, latency, throughput, errors, memory.

The server runs as its own process (``gantk serve EXPORT --port 0``), so its resident memory
is measured apart from the clients'. Warm-up requests over the same number of connections
come first, so the starting memory already holds every handler thread's buffers. Each client thread holds one HTTP/1.1 keep-alive
connection and sends its share of the requests back to back, each with its own seed; a
request counts as an error unless it returns status 200 with a body. The server's resident
set size (``VmRSS`` of ``/proc``) is read after a warm-up and then at every tenth of the run,
so a leak shows as a rising series. The server's CPU time per request and the machine's load
average are reported too, since latency on a shared machine says as much about the other
processes as about the server. The server is stopped with SIGTERM, its graceful stop, which
unlike SIGINT is not ignored where the benchmark itself runs as a shell's background job.
"""

import http.client
import os
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from gantk.errors import GantkError

HOST = "127.0.0.1"
WARMUP_REQUESTS = 200
START_TIMEOUT = 120.0


def resident_mb(pid):
    """Resident set size of process ``pid`` in MB (Linux ``/proc``), or None where unreadable."""
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def cpu_seconds(pid):
    """User plus system CPU time of process ``pid`` in seconds (Linux ``/proc``), or None where unreadable."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def start_server(export_dir, max_n, threads=None, quantized=None):
    """``(process, port)`` of a ``gantk serve`` subprocess on 127.0.0.1, once it listens."""
    command = [sys.executable, "-m", "gantk.cli.main", "serve", os.path.abspath(export_dir), "--host", HOST, "--port", "0", "--max-n", str(max_n)]
    if threads is not None:
        command += ["--threads", str(threads)]
    if quantized:
        command += ["--quantized", quantized]
    process = subprocess.Popen(command, cwd=tempfile.gettempdir(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], 1.0)
        if ready:
            line = process.stdout.readline()
            if "http://" in line:
                return process, int(line.split("http://", 1)[1].split(";")[0].rsplit(":", 1)[1])
            if not line:
                break
    process.kill()
    error = process.communicate()[1].strip().splitlines()
    raise GantkError(f"gantk serve did not start on {HOST}: {error[-1] if error else 'no output'}.")


def stop_server(process):
    """Stop the server with SIGTERM; returns its exit status."""
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()


class Client(threading.Thread):
    """One keep-alive connection sending ``seeds`` one after another."""

    def __init__(self, port, seeds, n, fmt, on_done):
        super().__init__(daemon=True)
        self.port, self.seeds, self.n, self.fmt, self.on_done = port, seeds, n, fmt, on_done
        self.latencies, self.errors, self.error_examples = [], 0, []

    def run(self):
        connection = http.client.HTTPConnection(HOST, self.port, timeout=30)
        for seed in self.seeds:
            start = time.perf_counter()
            try:
                connection.request("GET", f"/sample?seed={seed}&n={self.n}&format={self.fmt}")
                response = connection.getresponse()
                body = response.read()
                ok = response.status == 200 and body
            except (OSError, http.client.HTTPException) as error:
                ok, body = False, str(error).encode()
                connection.close()
                connection = http.client.HTTPConnection(HOST, self.port, timeout=30)
            self.latencies.append(time.perf_counter() - start)
            if not ok:
                self.errors += 1
                if len(self.error_examples) < 3:
                    self.error_examples.append(body[:200])
            self.on_done()
        connection.close()


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q / 100 * len(ordered))) - 1))]


def run_load(port, pid, clients, requests, n, fmt, first_seed=0):
    """Send ``requests`` over ``clients`` connections; returns latencies, errors, wall time and the RSS series."""
    done, lock, memory = [0], threading.Lock(), []
    marks = {round(requests * k / 10) for k in range(1, 11)}

    def count():
        with lock:
            done[0] += 1
            if done[0] in marks:
                memory.append((done[0], resident_mb(pid)))

    shares = [list(range(first_seed + i, first_seed + requests, clients)) for i in range(clients)]
    threads = [Client(port, seeds, n, fmt, count) for seeds in shares]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    latencies = [value for thread in threads for value in thread.latencies]
    examples = [example for thread in threads for example in thread.error_examples]
    return latencies, sum(thread.errors for thread in threads), examples, wall, memory


def bench_serve(export_dir, clients=8, requests=10_000, n=1, fmt="png", threads=None, quantized=None, log=print):
    """Load ``gantk serve`` on 127.0.0.1 and return the figures as a dict."""
    if clients < 1 or requests < clients:
        raise GantkError(f"Arguments `clients` and `requests` must be positive with requests >= clients. Received: clients={clients}, requests={requests}")
    process, port = start_server(export_dir, max(n, 1), threads, quantized)
    try:
        _, warm_errors, _, _, _ = run_load(port, process.pid, clients, max(WARMUP_REQUESTS, clients), n, fmt)
        rss_start, cpu_start, load_start = resident_mb(process.pid), cpu_seconds(process.pid), os.getloadavg()[0]
        log(f"Server pid {process.pid} on {HOST}:{port}, {rss_start:.1f} MB resident after {WARMUP_REQUESTS} warm-up requests; "
            f"sending {requests} requests over {clients} connections.")
        latencies, errors, examples, wall, memory = run_load(port, process.pid, clients, requests, n, fmt, WARMUP_REQUESTS)
        rss_end, cpu_end, load_end = resident_mb(process.pid), cpu_seconds(process.pid), os.getloadavg()[0]
    finally:
        status = stop_server(process)
    milliseconds = [1000 * value for value in latencies]
    return dict(
        clients=clients, requests=len(latencies), n=n, format=fmt, threads=threads, quantized=quantized,
        errors=errors + warm_errors, error_examples=[e.decode(errors="replace") for e in examples],
        p50_ms=statistics.median(milliseconds), p90_ms=percentile(milliseconds, 90), p99_ms=percentile(milliseconds, 99),
        max_ms=max(milliseconds), throughput=len(latencies) / wall, wall_s=wall,
        rss_start_mb=rss_start, rss_end_mb=rss_end, rss_series=memory, exit_status=status,
        server_cpu_ms_per_request=1000 * (cpu_end - cpu_start) / len(latencies) if cpu_start is not None and cpu_end is not None else None,
        load_average=(load_start, load_end), cpus=os.cpu_count(),
    )


def format_report(result):
    series = ", ".join(f"{count}: {mb:.1f}" for count, mb in result["rss_series"] if mb is not None)
    lines = [
        f"requests      {result['requests']} ({result['clients']} clients, n={result['n']}, {result['format']})",
        f"errors        {result['errors']}" + (f" e.g. {result['error_examples'][0]}" if result["error_examples"] else ""),
        f"latency       p50 {result['p50_ms']:.2f} ms, p90 {result['p90_ms']:.2f} ms, p99 {result['p99_ms']:.2f} ms, max {result['max_ms']:.1f} ms",
        f"throughput    {result['throughput']:.0f} requests/s ({result['wall_s']:.1f} s)",
        f"server RSS    {result['rss_start_mb']:.1f} MB after warm-up -> {result['rss_end_mb']:.1f} MB at the end "
        f"({result['rss_end_mb'] - result['rss_start_mb']:+.1f} MB)",
        f"RSS by count  {series}",
        f"server CPU    {result['server_cpu_ms_per_request']:.2f} ms per request (user + system)",
        f"machine load  {result['load_average'][0]:.1f} -> {result['load_average'][1]:.1f} (1-minute load average, {result['cpus']} CPUs)",
        f"server exit   {result['exit_status']} after SIGTERM",
    ]
    return "\n".join(lines)

#!/usr/bin/env python3
"""Peak memory of a Quire server under the worst query a READER can send.

Starts `quire serve` (the binary given, on a fresh SQLite file or the
PostgreSQL database given), writes 100 versions whose values are arrays of
small numbers at the value limit (256 KiB of text: the shape that takes the
most memory per byte), then sends, as a project-scoped READER token, 30
aliases of `versions(first: 100) { edges { node { value } } }` (the alias
limit and the page limit), N times at once. Prints the answer's code, the
server's peak resident memory (VmHWM) before and after, and whether it is
still up.

    python3 benches/memory/worst_reader.py --binary target/release/quire [--database-url postgres://...] [--clients 4]
"""
import argparse
import concurrent.futures
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def post(url, token, query, variables=None, timeout=300):
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    req = urllib.request.Request(
        url, data=body,
        headers={"content-type": "application/json", "authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as res:
            raw = res.read()
    except urllib.error.HTTPError as refused:  # 503 UNAVAILABLE: the process's ceiling
        raw = refused.read()
    return json.loads(raw), len(raw)


def rss_mib(pid, field="VmHWM"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak(pid):
    """Resets VmHWM to the current RSS (Linux 4.0+), so that the peak
    measured is the query's, not the seeding's."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default="target/release/quire")
    ap.add_argument("--database-url")
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--versions", type=int, default=100)
    args = ap.parse_args()

    scratch = tempfile.mkdtemp(prefix="quire-mem-")
    db = args.database_url or f"sqlite://{scratch}/quire.db?mode=rwc"
    env = dict(os.environ, QUIRE_DATABASE_URL=db, QUIRE_STORAGE_URL=f"{scratch}/files")
    out = subprocess.run([args.binary, "token", "create", "--name", "bench", "--role", "admin"],
                         env=env, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        # The database is migrated by `serve`; make it first.
        subprocess.run([args.binary, "migrate"], env=env, check=True, capture_output=True)
        out = subprocess.run([args.binary, "token", "create", "--name", "bench", "--role", "admin"],
                             env=env, capture_output=True, text=True, check=True)
    admin = out.stdout.strip().splitlines()[-1]
    port = free_port()
    env["QUIRE_LISTEN"] = f"127.0.0.1:{port}"
    server = subprocess.Popen([args.binary, "serve"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/graphql"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except Exception:
                time.sleep(0.1)
        slug = f"mem-{int(time.time())}"
        data, _ = post(url, admin, "mutation($i: CreateProjectInput!) { createProject(input: $i) { id } }",
                       {"i": {"slug": slug, "name": "memory"}})
        project = data["data"]["createProject"]["id"]
        # 256 KiB of "1," is the largest value: ~131k numbers.
        numbers = [1] * (256 * 1024 // 2 - 64)
        for n in range(args.versions):
            data, _ = post(url, admin,
                           "mutation($i: CreateArtifactVersionInput!) { createArtifactVersion(input: $i) { id } }",
                           {"i": {"projectId": project, "schemaKey": f"k{n}", "value": numbers}})
            assert "errors" not in data, data
        data, _ = post(url, admin,
                       "mutation($i: CreateTokenInput!) { createToken(input: $i) { secret } }",
                       {"i": {"name": "reader", "role": "READER", "actorType": "AI", "projectId": project}})
        reader = data["data"]["createToken"]["secret"]
        reset = reset_peak(server.pid)
        before = rss_mib(server.pid, "VmRSS")
        aliases = " ".join(f"a{i}: versions(first: 100) {{ edges {{ node {{ value }} }} }}" for i in range(30))
        query = f'{{ project(slug: "{slug}") {{ {aliases} }} }}'
        started = time.time()
        with concurrent.futures.ThreadPoolExecutor(args.clients) as pool:
            answers = list(pool.map(lambda _: post(url, reader, query), range(args.clients)))
        elapsed = time.time() - started
        after = rss_mib(server.pid)
        codes = sorted({(a[0].get("errors") or [{}])[0].get("extensions", {}).get("code", "OK") for a in answers})
        one, size = post(url, reader, f'{{ project(slug: "{slug}") {{ versions(first: 100) {{ edges {{ node {{ value }} }} }} }} }}')
        alive = server.poll() is None
        print(f"backend: {'postgres' if args.database_url else 'sqlite'}")
        print(f"worst query: 30 aliases x versions(first: 100) {{ value }} over {args.versions} values of 256 KiB (small numbers), {args.clients} at once")
        print(f"answers: {codes} in {elapsed:.2f} s")
        print(f"RSS before the query: {before:.0f} MiB; peak during it: {after:.0f} MiB"
              + ("" if reset else " (peak not reset: includes seeding)"))
        print(f"one page of 100 values afterwards: {'errors' not in one} ({size / 1048576:.1f} MiB)")
        print(f"server alive: {alive}")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    sys.exit(main())

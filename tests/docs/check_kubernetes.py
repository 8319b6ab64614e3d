#!/usr/bin/env python3
"""The Kubernetes manifests of deploy/kubernetes/ against electord, electorctl, the control API's
description and docs/kubernetes.md: every manifest parses, and the fields the docs rely on agree
(ports, probe paths, flags, the Secret's key, the headless Service).

Usage: check_kubernetes.py BIN_DIR SOURCE_DIR
"""
import os
import re
import subprocess
import sys
from urllib.parse import urlsplit, parse_qs

import yaml

problems = []


def check(ok, message):
    if not ok:
        problems.append(message)
    return ok


def long_options(argv):
    """The long options `argv --help` lists (CLI11's format)."""
    out = subprocess.run(argv + ["--help"], capture_output=True, text=True, check=True).stdout
    return set(re.findall(r"^  (?:-\w,)?(--[a-z0-9-]+)", out, re.M))


def parse_flags(args):
    """{flag: value} from ['--a=1', '--b', '2', ...] up to a bare '--'."""
    flags, i = {}, 0
    while i < len(args) and args[i] != "--":
        a = args[i]
        if a.startswith("--") and "=" in a:
            k, v = a.split("=", 1)
            flags[k] = v
        elif a.startswith("--") and i + 1 < len(args) and not args[i + 1].startswith("-"):
            flags[a] = args[i + 1]
            i += 1
        elif a.startswith("--"):
            flags[a] = None
        i += 1
    return flags


def port_of(hostport):
    return int(hostport.rsplit(":", 1)[1])


def probe_urls(container):
    """{probe kind: URL} of the container's exec curl probes."""
    urls = {}
    for kind in ("livenessProbe", "readinessProbe", "startupProbe"):
        probe = container.get(kind)
        if probe is None:
            continue
        cmd = probe.get("exec", {}).get("command", [])
        failing_curl = cmd[:1] == ["curl"] and "-f" in "".join(cmd)
        if check(failing_curl, f"{kind}: not a failing curl: {cmd}"):
            urls[kind] = cmd[-1]
    return urls


def check_url(what, url, control, paths):
    u = urlsplit(url)
    check(u.netloc == control, f"{what}: {url} does not ask the control address {control}")
    check(u.path in paths, f"{what}: {u.path} is not a path of docs/openapi.yaml")
    return u


def check_all(bin_dir, src):
    kdir = os.path.join(src, "deploy/kubernetes")
    docs = {}
    for name in sorted(os.listdir(kdir)):
        if name.endswith(".yaml"):
            with open(os.path.join(kdir, name), encoding="utf-8") as f:
                for doc in yaml.safe_load_all(f):
                    check(doc and "kind" in doc, f"{name}: a document without a kind")
                    if doc:
                        docs.setdefault(doc["kind"], []).append((name, doc))
    kust = docs["Kustomization"][0][1]
    listed = set(kust["resources"])
    manifests = {n for kind, ds in docs.items() if kind != "Kustomization" for n, _ in ds}
    check(listed == manifests,
          f"kustomization.yaml lists {sorted(listed)}, not {sorted(manifests)}")

    (_, sts), = docs["StatefulSet"]
    services = {d["metadata"]["name"]: d for _, d in docs["Service"]}
    svc = services.get(sts["spec"]["serviceName"])
    if not check(svc is not None, "no Service named as the StatefulSet's serviceName"):
        return
    check(svc["spec"].get("clusterIP") == "None", "the headless Service's clusterIP is not None")
    check(svc["spec"].get("publishNotReadyAddresses") is True,
          "the headless Service does not publish addresses that are not ready")
    pod = sts["spec"]["template"]
    labels = pod["metadata"]["labels"]
    for what, selector in (("Service", svc["spec"]["selector"]),
                           ("StatefulSet", sts["spec"]["selector"]["matchLabels"]),
                           ("PodDisruptionBudget", docs["PodDisruptionBudget"][0][1]["spec"]
                            ["selector"]["matchLabels"])):
        check(selector.items() <= labels.items(), f"the {what}'s selector misses the pods")
    replicas = sts["spec"]["replicas"]
    pdb = docs["PodDisruptionBudget"][0][1]["spec"]
    check(pdb.get("maxUnavailable", replicas) <= (replicas - 1) // 2,
          "the PodDisruptionBudget lets a voluntary disruption take a quorum away")

    containers = {c["name"]: c for c in pod["spec"]["containers"]}
    d = containers["electord"]
    check(d["command"] == ["electord"], "the electord container does not run electord")
    flags = parse_flags(d["args"])
    known = long_options([os.path.join(bin_dir, "electord")])
    for f in flags:
        check(f in known, f"electord has no flag {f}")
    env = {e["name"]: e for e in d.get("env", [])}
    for c in containers.values():
        for var in re.findall(r"\$\((\w+)\)", " ".join(c.get("args", []))):
            check(var in {e["name"] for e in c.get("env", [])}, f"{c['name']}: $({var}) is not set")
    check(env.get("POD_IP", {}).get("valueFrom", {}).get("fieldRef", {}).get("fieldPath")
          == "status.podIP", "POD_IP is not the pod's IP (downward API)")

    # Ports: --listen, --advertise, --seeds, the container's ports and the Service's agree.
    peer = port_of(flags["--listen"])
    check(flags["--advertise"] == f"$(POD_IP):{peer}", "--advertise is not $(POD_IP):<listen port>")
    headless = f"{svc['metadata']['name']}.$(POD_NAMESPACE).svc.cluster.local"
    check(flags["--seeds"] == f"{headless}:{peer}",
          "--seeds is not the headless Service's name with the listen port")
    cports = {(p["containerPort"], p.get("protocol", "TCP")): p["name"] for p in d["ports"]}
    check(set(cports) == {(peer, "TCP"), (peer, "UDP")},
          f"the container's ports are not {peer} TCP and UDP")
    for p in svc["spec"]["ports"]:
        proto = p.get("protocol", "TCP")
        check(p["port"] == peer and cports.get((peer, proto)) == p["targetPort"],
              f"the Service's port {p['name']} is not the container's {peer}/{proto}")

    # Probes on the control address, at paths the control API has.
    with open(os.path.join(src, "docs/openapi.yaml"), encoding="utf-8") as f:
        openapi = yaml.safe_load(f)
    paths = set(openapi["paths"])
    control = flags["--control"]
    urls = probe_urls(d)
    check(urlsplit(urls.get("livenessProbe", "")).path == "/healthz", "liveness is not /healthz")
    check(urlsplit(urls.get("readinessProbe", "")).path == "/readyz", "readiness is not /readyz")
    for kind, url in urls.items():
        check_url(f"electord {kind}", url, control, paths)

    # The worker: electorctl run on this pod's electord, asking /readyz?role=leader.
    w = containers["worker"]
    check(w["command"] == ["electorctl"] and "run" in w["args"], "the worker is not electorctl run")
    run_at = w["args"].index("run")
    wflags = parse_flags(w["args"][:run_at])
    for f in wflags:
        check(f in long_options([os.path.join(bin_dir, "electorctl")]), f"electorctl has no {f}")
    for f in parse_flags(w["args"][run_at + 1:]):
        check(f in long_options([os.path.join(bin_dir, "electorctl"), "run"]),
              f"electorctl run has no {f}")
    check(wflags.get("--control") == control, "the worker does not ask electord's control address")
    leader_urls = re.findall(r"http://[^\s'\"]+role=leader", " ".join(w["args"]))
    if check(leader_urls, "the worker does not ask /readyz?role=leader"):
        u = check_url("worker", leader_urls[0], control, paths)
        params = openapi["paths"][u.path]["get"]["parameters"]
        roles = next(p for p in params if p["name"] == "role")["schema"]["enum"]
        check(parse_qs(u.query)["role"][0] in roles, "role=leader is not in the API")

    # The cookie: --cookie-file is the Secret's key where the Secret is mounted, and the Secret
    # and key are those docs/kubernetes.md creates.
    volumes = {v["name"]: v for v in pod["spec"]["volumes"]}
    mounts = {m["mountPath"]: m["name"] for m in d["volumeMounts"]}
    cookie_dir, cookie_name = os.path.split(flags["--cookie-file"])
    secret = volumes.get(mounts.get(cookie_dir, ""), {}).get("secret")
    if check(secret, "--cookie-file is not in a mounted Secret"):
        items = {i["path"]: i["key"] for i in secret.get("items", [])}
        key = items.get(cookie_name, cookie_name)
        with open(os.path.join(src, "docs/kubernetes.md"), encoding="utf-8") as f:
            text = f.read()
        check(f"kubectl create secret generic {secret['secretName']} --from-file={key}=" in text,
              f"docs/kubernetes.md does not create Secret {secret['secretName']} with key {key}")
    # The state directory is on the pod's own volume claim.
    claims = {t["metadata"]["name"] for t in sts["spec"].get("volumeClaimTemplates", [])}
    check(mounts.get(flags["--state-dir"]) in claims, "--state-dir is not on a volume claim")
    check(int(flags.get("--cluster-size", 0)) == replicas, "--cluster-size is not the replicas")


def main():
    check_all(*sys.argv[1:3])
    for p in problems:
        print("FAIL:", p)
    if not problems:
        print("kubernetes manifests: consistent with electord, electorctl and the control API")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
